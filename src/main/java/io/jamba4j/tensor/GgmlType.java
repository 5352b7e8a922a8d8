package io.jamba4j.tensor;

/**
 * The element/block types a weight tensor can be stored in, with ggml's numeric ids and block layouts
 * (llama.cpp's type table). A block of {@link #blockSize} elements occupies {@link #typeSize} bytes.
 *
 * <p>{@link #supported} says whether jamba4j can compute with the type; the others are known so that a file holding
 * them is reported by name ("tensor X has type Q5_K, not supported") instead of as an unknown id.
 */
public enum GgmlType {
    F32(0, 1, 4, true),
    F16(1, 1, 2, true),
    Q4_0(2, 32, 2 + 16, true),
    Q4_1(3, 32, 2 + 2 + 16, false),
    Q5_0(6, 32, 2 + 4 + 16, false),
    Q5_1(7, 32, 2 + 2 + 4 + 16, false),
    Q8_0(8, 32, 2 + 32, true),
    Q8_1(9, 32, 4 + 32, false),
    Q2_K(10, 256, 16 + 64 + 4, false),
    Q3_K(11, 256, 32 + 64 + 12 + 2, false),
    Q4_K(12, 256, 4 + 12 + 128, true),
    Q5_K(13, 256, 4 + 12 + 32 + 128, false),
    Q6_K(14, 256, 128 + 64 + 16 + 2, true),
    Q8_K(15, 256, 4 + 256 + 32, false),
    IQ2_XXS(16, 256, 2 + 64, false),
    IQ2_XS(17, 256, 2 + 64 + 8, false),
    IQ3_XXS(18, 256, 2 + 96, false),
    IQ1_S(19, 256, 2 + 32 + 16, false),
    IQ4_NL(20, 32, 2 + 16, false),
    IQ3_S(21, 256, 2 + 64 + 32 + 8 + 4, false),
    IQ2_S(22, 256, 2 + 64 + 8 + 8, false),
    IQ4_XS(23, 256, 2 + 2 + 4 + 128, false),
    I8(24, 1, 1, false),
    I16(25, 1, 2, false),
    I32(26, 1, 4, false),
    I64(27, 1, 8, false),
    F64(28, 1, 8, false),
    IQ1_M(29, 256, 32 + 16 + 8, false),
    BF16(30, 1, 2, true),
    TQ1_0(34, 256, 2 + 4 * 13, false),
    TQ2_0(35, 256, 2 + 64, false),
    MXFP4(39, 32, 1 + 16, false);

    /** ggml's numeric type id, as stored in GGUF tensor infos. */
    public final int id;
    /** Elements per block (1 for plain float types). */
    public final int blockSize;
    /** Bytes per block. */
    public final int typeSize;
    /** Whether jamba4j's kernels compute with this type. */
    public final boolean supported;

    GgmlType(int id, int blockSize, int typeSize, boolean supported) {
        this.id = id;
        this.blockSize = blockSize;
        this.typeSize = typeSize;
        this.supported = supported;
    }

    /** The type with ggml id {@code id}, or null when the id is unknown. */
    public static GgmlType fromId(int id) {
        for (GgmlType t : values()) {
            if (t.id == id) return t;
        }
        return null;
    }

    /** The type named {@code name} (case-insensitive, e.g. "q8_0"), or an error listing the names. */
    public static GgmlType parse(String name) {
        for (GgmlType t : values()) {
            if (t.name().equalsIgnoreCase(name)) return t;
        }
        throw new IllegalArgumentException("unknown tensor type '" + name + "'; known: F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q6_K, ...");
    }

    /** Bytes taken by {@code elements} elements; {@code elements} must be a multiple of {@link #blockSize}. */
    public long bytesFor(long elements) {
        if (elements % blockSize != 0) {
            throw new IllegalArgumentException(this + ": " + elements + " elements is not a multiple of the block size " + blockSize);
        }
        return elements / blockSize * typeSize;
    }

    public boolean isQuantized() {
        return blockSize > 1;
    }
}
