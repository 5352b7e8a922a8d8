package io.jamba4j.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Builds a tokenizer from GGUF {@code tokenizer.ggml.*} metadata (llama.cpp conventions): model
 * "llama" (SentencePiece, score-driven merges, byte fallback) or "gpt2" (byte-level BPE with
 * ranked merges and a named pre-tokenizer regex).
 */
final class GgufLoader {
    static final String P = "tokenizer.ggml.";

    private GgufLoader() {}

    static PipelineTokenizer load(Map<String, Object> meta) {
        String model = string(meta, P + "model", null);
        if (model == null) throw new TokenizerException("GGUF metadata: missing key '" + P + "model'");
        List<String> tokens = strings(meta, P + "tokens");
        if (tokens == null) throw new TokenizerException("GGUF metadata: missing key '" + P + "tokens'");
        int n = tokens.size();
        TokenType[] types = new TokenType[n];
        List<?> typeList = list(meta, P + "token_type");
        for (int i = 0; i < n; i++) {
            types[i] = typeList == null ? TokenType.NORMAL : TokenType.ofCode(number(typeList.get(i), P + "token_type", i).longValue());
        }
        if (typeList != null && typeList.size() != n) throw sizeMismatch(P + "token_type", typeList.size(), n);
        float[] scores = null;
        List<?> scoreList = list(meta, P + "scores");
        if (scoreList != null) {
            if (scoreList.size() != n) throw sizeMismatch(P + "scores", scoreList.size(), n);
            scores = new float[n];
            for (int i = 0; i < n; i++) scores[i] = number(scoreList.get(i), P + "scores", i).floatValue();
        }
        Vocab vocab = new Vocab(tokens.toArray(String[]::new), types, scores);

        int bos = id(meta, "bos_token_id", n), eos = id(meta, "eos_token_id", n);
        int unk = id(meta, "unknown_token_id", n), pad = id(meta, "padding_token_id", n);
        boolean isSpm = switch (model) {
            case "llama" -> true;
            case "gpt2" -> false;
            default -> throw new TokenizerException("GGUF metadata: unsupported tokenizer model '" + model + "' in '" + P + "model' (supported: llama, gpt2)");
        };
        boolean addBos = bool(meta, P + "add_bos_token", isSpm);
        boolean addEos = bool(meta, P + "add_eos_token", false);
        int[] prefix = addBos && bos >= 0 ? new int[] {bos} : new int[0];
        int[] suffix = addEos && eos >= 0 ? new int[] {eos} : new int[0];
        String chatTemplate = string(meta, "tokenizer.chat_template", null);

        // control, unknown and user-defined tokens are split out of the text (llama.cpp tokenizer_st_partition)
        List<AddedVocabulary.AddedToken> added = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            TokenType t = types[i];
            if ((t == TokenType.CONTROL || t == TokenType.UNKNOWN || t == TokenType.USER_DEFINED) && !tokens.get(i).isEmpty()) {
                added.add(new AddedVocabulary.AddedToken(i, tokens.get(i), false, false, false, false, t != TokenType.USER_DEFINED));
            }
        }
        AddedVocabulary addedVocab = new AddedVocabulary(added);

        if (isSpm) {
            if (scores == null) throw new TokenizerException("GGUF metadata: model 'llama' needs '" + P + "scores'");
            boolean addSpacePrefix = bool(meta, P + "add_space_prefix", true);
            return new PipelineTokenizer(new PipelineTokenizer.Parts(vocab, spmNormalizer(addSpacePrefix), null,
                    new SpmModel(vocab, unk), spmDecoder(addSpacePrefix), addedVocab, prefix, suffix, bos, eos, pad, unk,
                    PipelineTokenizer.Kind.SPM, addSpacePrefix, "default", false, chatTemplate, null));
        }
        String pre = string(meta, P + "pre", "default");
        String regex = Regexes.ofPreName(pre);
        if (regex == null) {
            throw new TokenizerException("GGUF metadata: unsupported pre-tokenizer '" + pre + "' in '" + P + "pre' (supported: default, gpt-2, llama-bpe, qwen2)");
        }
        List<String> mergeStrings = strings(meta, P + "merges");
        if (mergeStrings == null) throw new TokenizerException("GGUF metadata: model 'gpt2' needs '" + P + "merges'");
        List<String[]> merges = new ArrayList<>(mergeStrings.size());
        for (String s : mergeStrings) {
            int sp = s.indexOf(' ', 1);
            if (sp < 0) throw new TokenizerException("GGUF metadata: '" + P + "merges' entry is not \"left right\": '" + s + "'");
            merges.add(new String[] {s.substring(0, sp), s.substring(sp + 1)});
        }
        boolean ignoreMerges = Regexes.LLAMA3.equals(regex); // llama.cpp sets ignore_merges for llama-bpe
        BpeModel bpe = new BpeModel(vocab, BpeModel.mergeTable(vocab, merges), unk, false, false, ignoreMerges);
        PreTokenizer preTok = PreTokenizers.sequence(List.of(
                PreTokenizers.split(Regexes.compile(regex, "GGUF " + P + "pre"), PreTokenizers.Behavior.ISOLATED, false),
                PreTokenizers.byteLevel(false, false)));
        return new PipelineTokenizer(new PipelineTokenizer.Parts(vocab, null, preTok, bpe, Decoders.byteLevel(), addedVocab,
                prefix, suffix, bos, eos, pad, unk, PipelineTokenizer.Kind.BYTE_LEVEL, false, pre, ignoreMerges, chatTemplate, null));
    }

    /** llama.cpp SPM text preparation: optional leading space, spaces escaped as "▁". */
    static UnaryOperator<String> spmNormalizer(boolean addSpacePrefix) {
        UnaryOperator<String> escape = s -> s.replace(" ", "▁");
        return addSpacePrefix ? Normalizers.sequence(List.of(Normalizers.prepend("▁"), escape)) : escape;
    }

    /** "▁" back to spaces, byte pieces to bytes, and the leading space removed when one was added. */
    static Decoders.Decoder spmDecoder(boolean addSpacePrefix) {
        List<Decoders.Decoder> steps = new ArrayList<>(List.of(
                Decoders.replace(java.util.regex.Pattern.compile("▁", java.util.regex.Pattern.LITERAL), " "),
                Decoders.byteFallback(), Decoders.fuse()));
        if (addSpacePrefix) steps.add(Decoders.strip(" ", 1, 0));
        return Decoders.sequence(steps);
    }

    private static TokenizerException sizeMismatch(String key, int got, int n) {
        return new TokenizerException("GGUF metadata: '" + key + "' has " + got + " entries but '" + P + "tokens' has " + n);
    }

    private static int id(Map<String, Object> meta, String key, int n) {
        Object v = meta.get(P + key);
        if (v == null) return -1;
        long id = number(v, P + key, -1).longValue();
        // llama.cpp writes -1 / out-of-range ids for "none"; treat them as absent
        return id >= 0 && id < n ? (int) id : -1;
    }

    private static Number number(Object v, String key, int index) {
        if (v instanceof Number num) return num;
        throw new TokenizerException("GGUF metadata: '" + key + "'" + (index >= 0 ? "[" + index + "]" : "")
                + " must be a number (got " + (v == null ? "null" : v.getClass().getSimpleName()) + ")");
    }

    private static String string(Map<String, Object> meta, String key, String dflt) {
        Object v = meta.get(key);
        if (v == null) return dflt;
        if (v instanceof String s) return s;
        throw new TokenizerException("GGUF metadata: '" + key + "' must be a String (got " + v.getClass().getSimpleName() + ")");
    }

    private static boolean bool(Map<String, Object> meta, String key, boolean dflt) {
        Object v = meta.get(key);
        if (v == null) return dflt;
        if (v instanceof Boolean b) return b;
        throw new TokenizerException("GGUF metadata: '" + key + "' must be a Boolean (got " + v.getClass().getSimpleName() + ")");
    }

    private static List<?> list(Map<String, Object> meta, String key) {
        Object v = meta.get(key);
        if (v == null) return null;
        if (v instanceof List<?> l) return l;
        throw new TokenizerException("GGUF metadata: '" + key + "' must be a List (got " + v.getClass().getSimpleName() + ")");
    }

    private static List<String> strings(Map<String, Object> meta, String key) {
        List<?> l = list(meta, key);
        if (l == null) return null;
        List<String> out = new ArrayList<>(l.size());
        for (int i = 0; i < l.size(); i++) {
            if (!(l.get(i) instanceof String s)) {
                throw new TokenizerException("GGUF metadata: '" + key + "'[" + i + "] must be a String (got "
                        + (l.get(i) == null ? "null" : l.get(i).getClass().getSimpleName()) + ")");
            }
            out.add(s);
        }
        return out;
    }
}
