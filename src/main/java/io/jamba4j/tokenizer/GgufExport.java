package io.jamba4j.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@link Tokenizer#toGgufMetadata()}: the llama.cpp {@code tokenizer.*} keys of a tokenizer. */
final class GgufExport {
    private GgufExport() {}

    static Map<String, Object> metadata(PipelineTokenizer t) {
        PipelineTokenizer.Parts p = t.p;
        Vocab vocab = p.vocab();
        int n = vocab.size();
        String P = GgufLoader.P;
        Map<String, Object> m = new LinkedHashMap<>();
        boolean spm = p.kind() == PipelineTokenizer.Kind.SPM;
        m.put(P + "model", spm ? "llama" : "gpt2");
        if (spm) {
            m.put(P + "pre", "default");
        } else {
            if (p.preName() == null) {
                throw new TokenizerException("cannot export to GGUF: the pre-tokenizer regex has no llama.cpp name (known: gpt-2, llama-bpe, qwen2)");
            }
            m.put(P + "pre", p.preName());
        }
        List<Object> tokens = new ArrayList<>(n), types = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            // ids without a piece (holes in tokenizer.json) become unused placeholders, like convert_hf_to_gguf.py
            tokens.add(vocab.pieces[i] == null ? "[PAD" + i + "]" : vocab.pieces[i]);
            types.add((long) vocab.types[i].code);
        }
        m.put(P + "tokens", tokens);
        if (spm) {
            float[] scores = vocab.scores != null ? vocab.scores : scoresFromMerges(t);
            List<Object> s = new ArrayList<>(n);
            for (float f : scores) s.add(f);
            m.put(P + "scores", s);
        }
        m.put(P + "token_type", types);
        if (!spm) m.put(P + "merges", mergeStrings(t));
        putId(m, P + "bos_token_id", p.bos());
        putId(m, P + "eos_token_id", p.eos());
        putId(m, P + "unknown_token_id", p.unk());
        putId(m, P + "padding_token_id", p.pad());
        m.put(P + "add_bos_token", p.prefix().length > 0 && p.prefix()[0] == p.bos());
        m.put(P + "add_eos_token", p.suffix().length > 0 && p.suffix()[p.suffix().length - 1] == p.eos());
        if (spm) m.put(P + "add_space_prefix", p.addSpacePrefix());
        if (p.chatTemplate() != null) m.put("tokenizer.chat_template", p.chatTemplate());
        return m;
    }

    private static void putId(Map<String, Object> m, String key, int id) {
        if (id >= 0) m.put(key, (long) id);
    }

    /**
     * Scores that make llama.cpp's score-driven merging (highest score first) follow the HF merge
     * ranks (lowest rank first): a piece made by a merge scores -(rank + 1) of its first merge.
     * Other normal pieces (single characters, which no merge produces) score below every merged
     * piece; control, byte and unknown pieces score 0 as in SentencePiece models.
     */
    static float[] scoresFromMerges(PipelineTokenizer t) {
        Vocab vocab = t.p.vocab();
        if (!(t.p.model() instanceof BpeModel bpe)) throw new IllegalStateException("no BPE model");
        float[] scores = new float[vocab.size()];
        long maxRank = -1;
        long[] best = new long[vocab.size()];
        Arrays.fill(best, Long.MAX_VALUE);
        for (Map.Entry<Long, Long> e : bpe.merges().entrySet()) {
            long rank = e.getValue() >>> 32;
            int merged = (int) (long) e.getValue();
            best[merged] = Math.min(best[merged], rank);
            maxRank = Math.max(maxRank, rank);
        }
        for (int i = 0; i < scores.length; i++) {
            TokenType type = vocab.types[i];
            if (best[i] != Long.MAX_VALUE) scores[i] = -(best[i] + 1);
            else if (type == TokenType.NORMAL || type == TokenType.USER_DEFINED) scores[i] = -(maxRank + 2);
            else scores[i] = 0f;
        }
        return scores;
    }

    /** The merges as "left right" strings in rank order. */
    static List<Object> mergeStrings(PipelineTokenizer t) {
        List<Object> out = new ArrayList<>();
        for (String[] pair : mergesInOrder(t)) out.add(pair[0] + " " + pair[1]);
        return out;
    }

    /** The merges (left piece, right piece) in rank order. */
    static List<String[]> mergesInOrder(PipelineTokenizer t) {
        if (!(t.p.model() instanceof BpeModel bpe)) throw new IllegalStateException("no BPE model");
        String[] pieces = t.p.vocab().pieces;
        List<long[]> entries = new ArrayList<>(); // rank, pair
        for (Map.Entry<Long, Long> e : bpe.merges().entrySet()) entries.add(new long[] {e.getValue() >>> 32, e.getKey()});
        entries.sort((a, b) -> Long.compare(a[0], b[0]));
        List<String[]> out = new ArrayList<>(entries.size());
        for (long[] e : entries) out.add(new String[] {pieces[(int) (e[1] >>> 32)], pieces[(int) e[1]]});
        return out;
    }
}
