package io.jamba4j.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Hugging Face BPE: the pair with the lowest merge rank is merged first (leftmost on ties),
 * with optional byte fallback ({@code <0xXX>} pieces for characters not in the vocabulary),
 * unknown-token fusing and {@code ignore_merges} (a word that is itself a piece is kept whole).
 */
final class BpeModel implements Model {
    /** Words at most this long are cached (as HF does). */
    private static final int MAX_CACHED_LENGTH = 256;
    private static final int MAX_CACHE_ENTRIES = 100_000;

    private final Vocab vocab;
    /** (left id, right id) packed into a long -> (rank, merged id) packed into a long. */
    private final Map<Long, Long> merges;
    private final int unkId;
    private final boolean byteFallback;
    private final boolean fuseUnk;
    private final boolean ignoreMerges;
    private final int[] byteIds;
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    BpeModel(Vocab vocab, Map<Long, Long> merges, int unkId, boolean byteFallback, boolean fuseUnk, boolean ignoreMerges) {
        this.vocab = vocab;
        this.merges = merges;
        this.unkId = unkId;
        this.byteFallback = byteFallback;
        this.fuseUnk = fuseUnk;
        this.ignoreMerges = ignoreMerges;
        this.byteIds = vocab.byteIds();
    }

    static long pair(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    /** Builds the merge table from (left piece, right piece) pairs in rank order; pairs whose pieces are unknown are skipped. */
    static Map<Long, Long> mergeTable(Vocab vocab, Iterable<String[]> pairs) {
        Map<Long, Long> table = new HashMap<>();
        int rank = 0;
        for (String[] p : pairs) {
            int l = vocab.id(p[0]), r = vocab.id(p[1]), m = vocab.id(p[0] + p[1]);
            if (l >= 0 && r >= 0 && m >= 0) table.putIfAbsent(pair(l, r), ((long) rank << 32) | m);
            rank++;
        }
        return table;
    }

    /** Merge rank of a pair (for export), or -1. */
    long rank(int left, int right) {
        Long v = merges.get(pair(left, right));
        return v == null ? -1 : v >>> 32;
    }

    Map<Long, Long> merges() {
        return merges;
    }

    boolean byteFallback() {
        return byteFallback;
    }

    @Override
    public void encodeWord(String word, IntList out) {
        if (word.isEmpty()) return;
        if (ignoreMerges) {
            int whole = vocab.id(word);
            if (whole >= 0) {
                out.add(whole);
                return;
            }
        }
        boolean cacheable = word.length() <= MAX_CACHED_LENGTH;
        int[] ids = cacheable ? cache.get(word) : null;
        if (ids == null) {
            ids = merge(initialSymbols(word));
            if (cacheable) {
                if (cache.size() >= MAX_CACHE_ENTRIES) cache.clear();
                cache.put(word, ids);
            }
        }
        out.addAll(ids);
    }

    /** One symbol per character; byte pieces or the unknown token for characters not in the vocabulary. */
    private IntList initialSymbols(String word) {
        IntList syms = new IntList();
        boolean prevUnk = false;
        for (int i = 0; i < word.length(); ) {
            int cp = word.codePointAt(i);
            String ch = word.substring(i, i + Character.charCount(cp));
            i += ch.length();
            int id = vocab.id(ch);
            if (id >= 0) {
                syms.add(id);
                prevUnk = false;
                continue;
            }
            if (byteFallback && addBytes(ch, syms)) {
                prevUnk = false;
                continue;
            }
            if (unkId >= 0 && !(fuseUnk && prevUnk)) syms.add(unkId);
            prevUnk = unkId >= 0;
        }
        return syms;
    }

    private boolean addBytes(String ch, IntList syms) {
        byte[] bytes = ch.getBytes(StandardCharsets.UTF_8);
        for (byte b : bytes) if (byteIds[b & 0xFF] < 0) return false;
        for (byte b : bytes) syms.add(byteIds[b & 0xFF]);
        return true;
    }

    /** Linked-list merge driven by a priority queue of candidate pairs (rank, position). */
    private int[] merge(IntList initial) {
        int n = initial.size();
        int[] id = initial.toArray();
        int[] prev = new int[n], next = new int[n];
        for (int i = 0; i < n; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        // queue entries: rank in the high 32 bits, position in the low bits -> lowest rank, then leftmost
        PriorityQueue<long[]> queue = new PriorityQueue<>((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
        for (int i = 0; i + 1 < n; i++) offer(queue, id, i, i + 1);
        boolean[] dead = new boolean[n];
        while (!queue.isEmpty()) {
            long[] top = queue.poll();
            int pos = (int) top[1];
            int right = next[pos];
            // stale entry: symbol merged away, neighbour changed, or the pair is no longer this one
            if (dead[pos] || right < 0) continue;
            Long m = merges.get(pair(id[pos], id[right]));
            if (m == null || (int) (long) m != (int) top[2] || (m >>> 32) != top[0]) continue;
            id[pos] = (int) top[2];
            dead[right] = true;
            next[pos] = next[right];
            if (next[right] >= 0) prev[next[right]] = pos;
            if (prev[pos] >= 0) offer(queue, id, prev[pos], pos);
            if (next[pos] >= 0) offer(queue, id, pos, next[pos]);
        }
        IntList out = new IntList();
        for (int i = 0; i >= 0 && i < n; i = next[i]) out.add(id[i]);
        return out.toArray();
    }

    private void offer(PriorityQueue<long[]> queue, int[] id, int left, int right) {
        Long m = merges.get(pair(id[left], id[right]));
        if (m != null) queue.add(new long[] {m >>> 32, left, (int) (long) m});
    }
}
