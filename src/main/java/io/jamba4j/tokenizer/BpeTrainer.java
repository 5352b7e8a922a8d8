package io.jamba4j.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Trains a SentencePiece-style BPE vocabulary with byte fallback ({@link ByteFallbackBpe}) on a text corpus, the way
 * Jamba's tokenizer is described: spaces become ▁ attached to the start of the following word, no dummy leading
 * space, every digit its own token, and characters too rare to earn a piece fall back to UTF-8 byte pieces.
 *
 * <p>Algorithm: the corpus is split into words (a word starts at a ▁ or after a newline; newlines and digits are
 * words of their own and never merge); words are counted; the alphabet is the most frequent characters covering
 * {@code characterCoverage} of all character occurrences; then the most frequent adjacent pair is merged repeatedly
 * (ties broken by the pair's symbol ids, so training is deterministic) until the vocabulary is full. Pair counts
 * are updated incrementally, only for the words that contain the merged pair.
 */
public final class BpeTrainer {
    private final int vocabSize;
    private final double characterCoverage;
    private final Map<String, Long> wordCounts = new HashMap<>();

    /**
     * @param vocabSize         the size of the vocabulary to produce, at least 3 specials + 256 bytes + a few characters
     * @param characterCoverage fraction of character occurrences the alphabet must cover (SentencePiece: 0.9995)
     */
    public BpeTrainer(int vocabSize, double characterCoverage) {
        if (vocabSize < GeneratedVocab.MIN_SIZE + 2) {
            throw new TokenizerException("vocabulary size " + vocabSize + " is too small: it needs 3 special pieces, 256 byte pieces and some characters");
        }
        if (!(characterCoverage > 0 && characterCoverage <= 1)) {
            throw new TokenizerException("character coverage must be in (0, 1], got " + characterCoverage);
        }
        this.vocabSize = vocabSize;
        this.characterCoverage = characterCoverage;
    }

    /** Adds a document of the corpus. */
    public void add(String text) {
        String s = text.replace(' ', '▁');
        int start = 0;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            int n = Character.charCount(cp);
            boolean alone = cp == '\n' || Character.isDigit(cp);
            if (cp == '▁' || alone) {
                if (i > start) count(s.substring(start, i));
                start = i;
                if (alone) {
                    count(s.substring(i, i + n));
                    start = i + n;
                }
            }
            i += n;
        }
        if (s.length() > start) count(s.substring(start));
    }

    private void count(String word) {
        wordCounts.merge(word, 1L, Long::sum);
    }

    /** Runs the merges and returns the vocabulary. */
    public ByteFallbackBpe train() {
        // alphabet: most frequent code points up to the coverage
        Map<Integer, Long> charCounts = new HashMap<>();
        long total = 0;
        for (Map.Entry<String, Long> e : wordCounts.entrySet()) {
            String w = e.getKey();
            for (int i = 0; i < w.length(); ) {
                int cp = w.codePointAt(i);
                charCounts.merge(cp, e.getValue(), Long::sum);
                total += e.getValue();
                i += Character.charCount(cp);
            }
        }
        List<Map.Entry<Integer, Long>> chars = new ArrayList<>(charCounts.entrySet());
        chars.sort((a, b) -> a.getValue().equals(b.getValue()) ? Integer.compare(a.getKey(), b.getKey()) : Long.compare(b.getValue(), a.getValue()));
        List<String> pieces = new ArrayList<>(vocabSize);
        pieces.add("<unk>");
        pieces.add("<s>");
        pieces.add("</s>");
        for (int b = 0; b < 256; b++) pieces.add(String.format("<0x%02X>", b));
        Map<String, Integer> ids = new HashMap<>();
        for (int i = 0; i < pieces.size(); i++) ids.put(pieces.get(i), i);
        long covered = 0;
        boolean hasSpace = charCounts.containsKey((int) '▁');
        for (Map.Entry<Integer, Long> c : chars) {
            if (pieces.size() >= vocabSize) break;
            if (covered >= characterCoverage * total && !(c.getKey() == '▁' && hasSpace)) break;
            String s = new String(Character.toChars(c.getKey()));
            if (ids.containsKey(s)) continue; // a text containing "<s>"-like pieces cannot collide: these are single code points
            ids.put(s, pieces.size());
            pieces.add(s);
            covered += c.getValue();
        }

        // words as symbol-id sequences; characters outside the alphabet become (unmergeable) byte pieces
        int nWords = wordCounts.size();
        int[][] words = new int[nWords][];
        long[] freq = new long[nWords];
        int wi = 0;
        for (Map.Entry<String, Long> e : wordCounts.entrySet()) {
            String w = e.getKey();
            int[] sym = new int[w.length() * 4];
            int n = 0;
            for (int i = 0; i < w.length(); ) {
                int cp = w.codePointAt(i);
                String ch = new String(Character.toChars(cp));
                Integer id = ids.get(ch);
                if (id != null) sym[n++] = id;
                else for (byte b : ch.getBytes(java.nio.charset.StandardCharsets.UTF_8)) sym[n++] = 3 + (b & 0xFF);
                i += Character.charCount(cp);
            }
            words[wi] = Arrays.copyOf(sym, n);
            freq[wi] = e.getValue();
            wi++;
        }
        // deterministic word order (HashMap order is not specified)
        Integer[] order = new Integer[nWords];
        for (int i = 0; i < nWords; i++) order[i] = i;
        String[] keys = wordCounts.keySet().toArray(new String[0]);
        Arrays.sort(order, (a, b) -> keys[a].compareTo(keys[b]));
        int[][] sortedWords = new int[nWords][];
        long[] sortedFreq = new long[nWords];
        for (int i = 0; i < nWords; i++) {
            sortedWords[i] = words[order[i]];
            sortedFreq[i] = freq[order[i]];
        }
        words = sortedWords;
        freq = sortedFreq;

        // pair statistics
        Map<Long, Long> pairCount = new HashMap<>();
        Map<Long, java.util.Set<Integer>> pairWords = new HashMap<>();
        for (int w = 0; w < nWords; w++) addPairs(words[w], freq[w], w, pairCount, pairWords, +1);
        PriorityQueue<long[]> heap = new PriorityQueue<>((a, b) -> a[1] != b[1] ? Long.compare(b[1], a[1]) : Long.compare(a[0], b[0]));
        pairCount.forEach((p, c) -> heap.add(new long[]{p, c}));

        List<String[]> merges = new ArrayList<>();
        while (pieces.size() < vocabSize && !heap.isEmpty()) {
            long[] top = heap.poll();
            Long current = pairCount.get(top[0]);
            if (current == null || current != top[1]) continue; // stale entry
            if (current < 2) break; // merging pairs seen once only memorises the corpus
            int left = (int) (top[0] >>> 32), right = (int) top[0];
            String merged = pieces.get(left) + pieces.get(right);
            int newId;
            Integer existing = ids.get(merged);
            if (existing != null) {
                newId = existing;
            } else {
                newId = pieces.size();
                ids.put(merged, newId);
                pieces.add(merged);
            }
            merges.add(new String[]{pieces.get(left), pieces.get(right)});
            java.util.Set<Integer> affected = pairWords.remove(top[0]);
            pairCount.remove(top[0]);
            if (affected == null) continue;
            Map<Long, Long> changed = new HashMap<>();
            for (int w : affected.stream().sorted().toList()) {
                int[] before = words[w];
                addPairs(before, freq[w], w, pairCount, pairWords, -1, changed);
                int[] after = applyMerge(before, left, right, newId);
                words[w] = after;
                addPairs(after, freq[w], w, pairCount, pairWords, +1, changed);
            }
            for (Long p : changed.keySet()) {
                Long c = pairCount.get(p);
                if (c != null && c > 0) heap.add(new long[]{p, c});
            }
        }
        return new ByteFallbackBpe(pieces, merges);
    }

    private static int[] applyMerge(int[] w, int left, int right, int newId) {
        int[] out = new int[w.length];
        int n = 0;
        for (int i = 0; i < w.length; i++) {
            if (i + 1 < w.length && w[i] == left && w[i + 1] == right) {
                out[n++] = newId;
                i++;
            } else {
                out[n++] = w[i];
            }
        }
        return Arrays.copyOf(out, n);
    }

    private static void addPairs(int[] w, long f, int word, Map<Long, Long> counts, Map<Long, java.util.Set<Integer>> where, int sign) {
        addPairs(w, f, word, counts, where, sign, null);
    }

    /** Adds (sign +1) or removes (−1) the word's adjacent pairs; byte pieces never pair, nor does ▁ in second place. */
    private static void addPairs(int[] w, long f, int word, Map<Long, Long> counts, Map<Long, java.util.Set<Integer>> where, int sign,
                                 Map<Long, Long> changed) {
        for (int i = 0; i + 1 < w.length; i++) {
            if (w[i] < 259 || w[i + 1] < 259) continue; // specials and bytes do not merge
            long p = ((long) w[i] << 32) | (w[i + 1] & 0xFFFFFFFFL);
            long c = counts.getOrDefault(p, 0L) + sign * f;
            if (c <= 0) counts.remove(p);
            else counts.put(p, c);
            if (sign > 0) where.computeIfAbsent(p, k -> new java.util.HashSet<>()).add(word);
            if (changed != null) changed.put(p, c);
        }
    }
}
