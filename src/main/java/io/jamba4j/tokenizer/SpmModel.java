package io.jamba4j.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.PriorityQueue;

/**
 * SentencePiece BPE as llama.cpp runs it for GGUF {@code tokenizer.ggml.model = "llama"}
 * ({@code llm_tokenizer_spm}): start from single characters, repeatedly merge the adjacent pair
 * whose concatenation is a vocabulary piece with the highest score (leftmost on ties); characters
 * left that are not pieces become {@code <0xXX>} byte pieces (or the unknown token).
 */
final class SpmModel implements Model {
    private final Vocab vocab;
    private final int unkId;
    private final int[] byteIds;

    SpmModel(Vocab vocab, int unkId) {
        if (vocab.scores == null) throw new IllegalArgumentException("SPM vocabulary without scores");
        this.vocab = vocab;
        this.unkId = unkId;
        this.byteIds = vocab.byteIds();
    }

    /** A candidate merge of symbols left and right (as in llama.cpp's llm_bigram_spm). */
    private record Bigram(int left, int right, float score, int size) {}

    @Override
    public void encodeWord(String text, IntList out) {
        if (text.isEmpty()) return;
        // symbols: [start, length) in chars of each UTF-8 character, linked list
        int n = text.codePointCount(0, text.length());
        int[] start = new int[n], len = new int[n], prev = new int[n], next = new int[n];
        for (int i = 0, pos = 0; i < n; i++) {
            int cp = text.codePointAt(pos);
            start[i] = pos;
            len[i] = Character.charCount(cp);
            pos += len[i];
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        PriorityQueue<Bigram> queue = new PriorityQueue<>((a, b) ->
                a.score != b.score ? Float.compare(b.score, a.score) : Integer.compare(a.left, b.left));
        for (int i = 1; i < n; i++) tryAdd(queue, text, start, len, i - 1, i);
        while (!queue.isEmpty()) {
            Bigram bg = queue.poll();
            int l = bg.left, r = bg.right;
            // stale: one side already merged away or grown since the bigram was queued
            if (len[l] == 0 || len[r] == 0 || len[l] + len[r] != bg.size) continue;
            len[l] += len[r];
            len[r] = 0;
            next[l] = next[r];
            if (next[r] >= 0) prev[next[r]] = l;
            if (prev[l] >= 0) tryAdd(queue, text, start, len, prev[l], l);
            if (next[l] >= 0) tryAdd(queue, text, start, len, l, next[l]);
        }
        for (int i = 0; i >= 0; i = next[i]) {
            String piece = text.substring(start[i], start[i] + len[i]);
            int id = vocab.id(piece);
            if (id >= 0) {
                out.add(id);
                continue;
            }
            // not a piece (only possible for a single character): byte fallback
            for (byte b : piece.getBytes(StandardCharsets.UTF_8)) {
                int bid = byteIds[b & 0xFF];
                if (bid >= 0) out.add(bid);
                else if (unkId >= 0) out.add(unkId);
            }
        }
    }

    private void tryAdd(PriorityQueue<Bigram> queue, String text, int[] start, int[] len, int left, int right) {
        int size = len[left] + len[right];
        int id = vocab.id(text.substring(start[left], start[left] + size));
        if (id < 0) return;
        queue.add(new Bigram(left, right, vocab.scores[id], size));
    }
}
