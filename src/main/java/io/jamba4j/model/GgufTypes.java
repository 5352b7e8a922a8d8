package io.jamba4j.model;

import io.jamba4j.tensor.GgmlType;

import java.util.Locale;

/**
 * The tensor types of the matrices of a GGUF file that jamba4j writes: one type for every matrix, or llama.cpp's
 * {@code Q4_K_M} mix, the file type most community GGUFs are published in. Q4_K_M (llama.cpp's
 * {@code llama_tensor_get_type}, LLAMA_FTYPE_MOSTLY_Q4_K_M = 15): Q4_K throughout, but Q6_K for {@code output.weight},
 * and for {@code attn_v.weight} and {@code ffn_down} (dense or the stacked experts) in the layers where
 * {@link #useMoreBits} holds — the first and last eighth of them and every third in between — counted among the
 * attention layers for attn_v and among all layers for ffn_down. Norms, biases, the router, conv, A and D stay F32,
 * and rows that are not whole blocks fall back as for any k-quant ({@link CheckpointWriter#typeFor}).
 */
public record GgufTypes(GgmlType base, boolean q4KM) {
    /** Every matrix in {@code type}. */
    public static GgufTypes of(GgmlType type) {
        return new GgufTypes(type, false);
    }

    /** "Q4_K_M" (any case), or a tensor type's name ({@link GgmlType#parse}). */
    public static GgufTypes parse(String s) {
        if (s.trim().toUpperCase(Locale.ROOT).equals("Q4_K_M")) return new GgufTypes(GgmlType.Q4_K, true);
        return of(GgmlType.parse(s));
    }

    /** A tensor type for an HF checkpoint: {@link GgmlType#parse}, with a clear error for the GGUF-only mix. */
    public static GgmlType parseForHf(String s) {
        if (parse(s).q4KM) throw new ModelException("--type Q4_K_M is a GGUF mix (llama.cpp's); --to hf takes F32, F16 or BF16");
        return GgmlType.parse(s);
    }

    /** general.file_type. */
    int fileType() {
        return q4KM ? 15 : CheckpointWriter.fileType(base);
    }

    /** output.weight's type. */
    GgmlType output() {
        return q4KM ? GgmlType.Q6_K : base;
    }

    /**
     * The type of a tensor that llama.cpp's Q4_K_M gives more bits in some layers, in the {@code i}-th of {@code n}
     * such layers: attn_v (counted among the attention layers) and ffn_down or ffn_down_exps (among all layers).
     */
    GgmlType inLayer(int i, int n) {
        return q4KM && useMoreBits(i, n) ? GgmlType.Q6_K : base;
    }

    /** llama.cpp's rule for the layers that get more bits: the first and last eighth, and every third in between. */
    static boolean useMoreBits(int i, int n) {
        return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
    }

    @Override
    public String toString() {
        return q4KM ? "Q4_K_M" : base.toString();
    }
}
