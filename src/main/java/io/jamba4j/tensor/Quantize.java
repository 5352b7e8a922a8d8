package io.jamba4j.tensor;

import io.jamba4j.kernels.Dequantize;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Encodes float32 values into a tensor type's bytes (little-endian, GGUF layout), bit-exact with llama.cpp's
 * reference quantizers ({@code ggml-quants.c}, which {@code llama-quantize} uses):
 * <ul>
 *   <li>F32: the values as they are.</li>
 *   <li>F16: round to nearest even ({@link Float#floatToFloat16}, like numpy's {@code astype(float16)}).</li>
 *   <li>BF16: round to nearest even, NaN kept quiet ({@link Dequantize#floatToBf16}, like ggml's
 *       {@code ggml_compute_fp32_to_bf16}).</li>
 *   <li>Q8_0 ({@code quantize_row_q8_0_ref}): per block of 32, {@code amax = max|x|}, {@code d = amax / 127},
 *       {@code id = d != 0 ? 1/d : 0}, {@code q = roundf(x * id)} — C's {@code roundf}, halfway cases away from zero;
 *       {@code d} stored as fp16. Note gguf-py's numpy quantizer (used by {@code convert_hf_to_gguf.py}) instead
 *       computes {@code np.round(x / d)} (round half to even, divides rather than multiplies), so its output can
 *       differ in the last bit of rare elements; this class follows the C code.</li>
 *   <li>Q4_0 ({@code quantize_row_q4_0_ref}): {@code max} = the element of largest magnitude with its sign,
 *       {@code d = max / -8}, {@code id = d != 0 ? 1/d : 0}, {@code q = min(15, (int8)(x * id + 8.5f))} (truncation);
 *       byte j holds element j in its low nibble and element j + 16 in its high nibble.</li>
 * </ul>
 */
public final class Quantize {
    private Quantize() {}

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Encodes {@code src[off .. off+n)} as {@code type} into a new heap segment of {@code type.bytesFor(n)} bytes. */
    public static MemorySegment quantize(GgmlType type, float[] src, int off, long n) {
        long bytes = type.bytesFor(n);
        if (bytes > Integer.MAX_VALUE - 16) throw new IllegalArgumentException("quantize: " + n + " elements is too many for one heap segment");
        MemorySegment dst = MemorySegment.ofArray(new byte[(int) bytes]);
        quantize(type, src, off, Math.toIntExact(n), dst, 0);
        return dst;
    }

    /**
     * Encodes {@code src[off .. off+n)} as {@code type} into {@code dst} at byte {@code dstOff}, writing
     * {@code type.bytesFor(n)} bytes ({@code n} must be a multiple of the block size). Suited to streaming a large
     * tensor through a file-backed segment in pieces of whole blocks.
     */
    public static void quantize(GgmlType type, float[] src, int off, int n, MemorySegment dst, long dstOff) {
        java.util.Objects.checkFromIndexSize(off, n, src.length);
        long bytes = type.bytesFor(n);
        java.util.Objects.checkFromIndexSize(dstOff, bytes, dst.byteSize());
        switch (type) {
            case F32 -> MemorySegment.copy(src, off, dst, F32, dstOff, n);
            case F16 -> {
                for (int i = 0; i < n; i++) dst.set(I16, dstOff + 2L * i, Float.floatToFloat16(src[off + i]));
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) dst.set(I16, dstOff + 2L * i, Dequantize.floatToBf16(src[off + i]));
            }
            case Q8_0 -> {
                for (int b = 0; b < n / 32; b++) quantizeBlockQ8_0(src, off + 32 * b, dst, dstOff + 34L * b);
            }
            case Q4_0 -> {
                for (int b = 0; b < n / 32; b++) quantizeBlockQ4_0(src, off + 32 * b, dst, dstOff + 18L * b);
            }
            default -> throw new UnsupportedOperationException("quantize: tensor type " + type + " is not supported");
        }
    }

    static void quantizeBlockQ8_0(float[] x, int xo, MemorySegment dst, long p) {
        float amax = 0f;
        for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[xo + j]));
        float d = amax / 127f;
        float id = d != 0f ? 1f / d : 0f;
        dst.set(I16, p, Float.floatToFloat16(d));
        for (int j = 0; j < 32; j++) {
            dst.set(ValueLayout.JAVA_BYTE, p + 2 + j, (byte) (int) roundf(x[xo + j] * id));
        }
    }

    static void quantizeBlockQ4_0(float[] x, int xo, MemorySegment dst, long p) {
        float amax = 0f, max = 0f;
        for (int j = 0; j < 32; j++) {
            float v = x[xo + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        float d = max / -8f;
        float id = d != 0f ? 1f / d : 0f;
        dst.set(I16, p, Float.floatToFloat16(d));
        for (int j = 0; j < 16; j++) {
            int q0 = Math.min(15, (byte) (int) (x[xo + j] * id + 8.5f));
            int q1 = Math.min(15, (byte) (int) (x[xo + 16 + j] * id + 8.5f));
            dst.set(ValueLayout.JAVA_BYTE, p + 2 + j, (byte) (q0 | (q1 << 4)));
        }
    }

    /** C's {@code roundf}: nearest integer, halfway cases away from zero. */
    public static float roundf(float v) {
        float a = Math.abs(v);
        if (!(a < 0x1p23f)) return v; // already integral, or NaN / infinite
        float f = (float) Math.floor(a);
        float r = (a - f >= 0.5f) ? f + 1f : f; // a - f is exact
        return Math.copySign(r, v);
    }
}
