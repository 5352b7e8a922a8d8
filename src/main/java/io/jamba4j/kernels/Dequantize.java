package io.jamba4j.kernels;

import io.jamba4j.tensor.GgmlType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Scalar decoding of every supported element/block type to float32 (the reference the SIMD kernels are tested against). */
public final class Dequantize {
    private Dequantize() {}

    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Decodes {@code n} elements starting at byte {@code byteOff} of {@code src} into {@code dst[off..off+n)}. */
    public static void row(GgmlType type, MemorySegment src, long byteOff, int n, float[] dst, int off) {
        switch (type) {
            case F32 -> MemorySegment.copy(src, F32, byteOff, dst, off, n);
            case F16 -> {
                for (int i = 0; i < n; i++) dst[off + i] = Float.float16ToFloat(src.get(I16, byteOff + 2L * i));
            }
            case F64 -> {
                for (int i = 0; i < n; i++) dst[off + i] = (float) src.get(F64, byteOff + 8L * i);
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) dst[off + i] = bf16ToFloat(src.get(I16, byteOff + 2L * i));
            }
            case Q8_0 -> {
                for (int b = 0; b < n / 32; b++) {
                    long p = byteOff + 34L * b;
                    float d = Float.float16ToFloat(src.get(I16, p));
                    for (int i = 0; i < 32; i++) dst[off + 32 * b + i] = d * src.get(ValueLayout.JAVA_BYTE, p + 2 + i);
                }
            }
            case Q4_0 -> {
                for (int b = 0; b < n / 32; b++) {
                    long p = byteOff + 18L * b;
                    float d = Float.float16ToFloat(src.get(I16, p));
                    for (int i = 0; i < 16; i++) {
                        int q = src.get(ValueLayout.JAVA_BYTE, p + 2 + i) & 0xFF;
                        dst[off + 32 * b + i] = d * ((q & 0x0F) - 8);
                        dst[off + 32 * b + i + 16] = d * ((q >>> 4) - 8);
                    }
                }
            }
            case Q4_K -> {
                for (int b = 0; b < n / 256; b++) q4kBlock(src, byteOff + 144L * b, dst, off + 256 * b);
            }
            case Q6_K -> {
                for (int b = 0; b < n / 256; b++) q6kBlock(src, byteOff + 210L * b, dst, off + 256 * b);
            }
            default -> throw new UnsupportedOperationException("tensor type " + type + " is not supported yet");
        }
    }

    /**
     * The 6-bit scale (low byte) and 6-bit min (second byte) of Q4_K sub-block {@code j} (0..7) from the 12 packed
     * scale bytes {@code s}: sub-blocks 0-3 keep scale and min in the low 6 bits of bytes j and j+4; sub-blocks 4-7
     * keep their low 4 bits in the nibbles of byte j+4 and their top 2 bits in the top bits of bytes j-4 (scale) and
     * j (min).
     */
    public static int q4kScaleMin(int j, byte[] s, int so) {
        return j < 4 ? (s[so + j] & 63) | (s[so + j + 4] & 63) << 8
                : q4kHigh(s[so + j + 4] & 0xFF, s[so + j - 4] & 0xFF, s[so + j] & 0xFF);
    }

    /** {@link #q4kScaleMin(int, byte[], int)} reading the 12 scale bytes at byte {@code so} of a segment. */
    public static int q4kScaleMin(int j, MemorySegment s, long so) {
        return j < 4 ? (s.get(ValueLayout.JAVA_BYTE, so + j) & 63) | (s.get(ValueLayout.JAVA_BYTE, so + j + 4) & 63) << 8
                : q4kHigh(s.get(ValueLayout.JAVA_BYTE, so + j + 4) & 0xFF, s.get(ValueLayout.JAVA_BYTE, so + j - 4) & 0xFF,
                        s.get(ValueLayout.JAVA_BYTE, so + j) & 0xFF);
    }

    private static int q4kHigh(int b, int scTop, int mTop) {
        return ((b & 0xF) | (scTop >>> 6 << 4)) | (((b >>> 4) | (mTop >>> 6 << 4)) << 8);
    }

    /**
     * One Q4_K super-block (144 bytes: fp16 d, fp16 dmin, 12 bytes of packed scales/mins, 128 bytes of nibbles) at
     * byte {@code p}: element {@code 64c + i} (i &lt; 32) is the low nibble of byte {@code 16 + 32c + i}, element
     * {@code 64c + 32 + i} its high nibble; sub-block j (32 elements) decodes as {@code (d·sc_j)·q − dmin·m_j}.
     */
    static void q4kBlock(MemorySegment src, long p, float[] dst, int o) {
        float d = Float.float16ToFloat(src.get(I16, p));
        float dmin = Float.float16ToFloat(src.get(I16, p + 2));
        for (int c = 0; c < 4; c++) {
            int sm0 = q4kScaleMin(2 * c, src, p + 4), sm1 = q4kScaleMin(2 * c + 1, src, p + 4);
            float d0 = d * (sm0 & 0xFF), m0 = dmin * (sm0 >>> 8);
            float d1 = d * (sm1 & 0xFF), m1 = dmin * (sm1 >>> 8);
            for (int i = 0; i < 32; i++) {
                int q = src.get(ValueLayout.JAVA_BYTE, p + 16 + 32L * c + i) & 0xFF;
                dst[o + 64 * c + i] = d0 * (q & 0xF) - m0;
                dst[o + 64 * c + 32 + i] = d1 * (q >>> 4) - m1;
            }
        }
    }

    /**
     * One Q6_K super-block (210 bytes: 128 bytes ql, 64 bytes qh, 16 int8 scales, fp16 d) at byte {@code p}. In each
     * half h (128 elements; ql bytes 64h.., qh bytes 32h..), for l &lt; 32: element {@code 128h + 32k + l} has its low
     * 4 bits in ql[64h + l + 32(k&amp;1)] (low nibble for k &lt; 2, high nibble for k ≥ 2) and its top 2 bits at bit
     * 2k of qh[32h + l]; it decodes as {@code (d·sc)·(q − 32)} with sc the scale of its 16-element sub-block.
     */
    static void q6kBlock(MemorySegment src, long p, float[] dst, int o) {
        float d = Float.float16ToFloat(src.get(I16, p + 208));
        for (int h = 0; h < 2; h++) {
            for (int l = 0; l < 32; l++) {
                int ql0 = src.get(ValueLayout.JAVA_BYTE, p + 64L * h + l) & 0xFF;
                int ql1 = src.get(ValueLayout.JAVA_BYTE, p + 64L * h + 32 + l) & 0xFF;
                int qh = src.get(ValueLayout.JAVA_BYTE, p + 128 + 32L * h + l) & 0xFF;
                for (int k = 0; k < 4; k++) {
                    int q = ((((k & 1) == 0 ? ql0 : ql1) >>> (k < 2 ? 0 : 4)) & 0xF) | (((qh >>> (2 * k)) & 3) << 4);
                    int sc = src.get(ValueLayout.JAVA_BYTE, p + 192 + 8L * h + l / 16 + 2 * k);
                    dst[o + 128 * h + 32 * k + l] = d * sc * (q - 32);
                }
            }
        }
    }

    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** float32 to bfloat16 with round-to-nearest-even (NaN kept quiet), as PyTorch and ggml do. */
    public static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7FFFFFFF) > 0x7F800000) return (short) ((bits >>> 16) | 0x40);
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }
}
