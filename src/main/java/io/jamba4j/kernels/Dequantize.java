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
            default -> throw new UnsupportedOperationException("tensor type " + type + " is not supported yet");
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
