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
 *   <li>Q4_K / Q6_K ({@code quantize_row_q4_K_ref} / {@code quantize_row_q6_K_ref}, no importance matrix): see
 *       {@link #quantizeBlockQ4_K} and {@link #quantizeBlockQ6_K}; every float operation in the C order (Java never
 *       fuses a multiply-add), so the bytes equal libggml-base's (KQuantTest checks a fixture it produced).</li>
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
            case Q4_K -> {
                KScratch k = new KScratch();
                for (int b = 0; b < n / 256; b++) quantizeBlockQ4_K(src, off + 256 * b, dst, dstOff + 144L * b, k);
            }
            case Q6_K -> {
                KScratch k = new KScratch();
                for (int b = 0; b < n / 256; b++) quantizeBlockQ6_K(src, off + 256 * b, dst, dstOff + 210L * b, k);
            }
            default -> throw new UnsupportedOperationException("quantize: tensor type " + type + " is not supported");
        }
    }

    /** Work arrays of the k-quant block quantizers (the C code's stack arrays). */
    private static final class KScratch {
        final byte[] l = new byte[256];
        final byte[] laux = new byte[32];
        final float[] weights = new float[32];
        final float[] scales = new float[16];
        final float[] mins = new float[8];
        final byte[] packed = new byte[12];
        final byte[] sc6 = new byte[16];
    }

    /**
     * ggml's {@code nearest_int}: adds 1.5·2^23 so that the float addition rounds to an integer (to nearest, ties to
     * even) and reads the integer from the mantissa bits; exact for |v| &lt; 2^22.
     */
    public static int nearestInt(float v) {
        return (Float.floatToRawIntBits(v + 12582912f) & 0x007FFFFF) - 0x00400000;
    }

    /**
     * {@code quantize_row_q4_K_ref} for one super-block of 256 values: per 32-element sub-block a weighted
     * min/scale fit ({@link #makeQkx2Quants}, weights {@code sqrt(mean x²) + |x|}, 21 trial scales), the 8 scales and
     * the 8 (negated) mins quantized to 6 bits against their maxima ({@code d = max_scale/63},
     * {@code dmin = max_min/63}, stored as fp16), then every value requantized to 4 bits against the rounded
     * sub-block scale and min.
     */
    static void quantizeBlockQ4_K(float[] x, int xo, MemorySegment dst, long p, KScratch k) {
        byte[] lq = k.l;
        float[] w = k.weights, scales = k.scales, mins = k.mins;
        float maxScale = 0f, maxMin = 0f;
        for (int j = 0; j < 8; j++) {
            float sumX2 = 0f;
            for (int l = 0; l < 32; l++) sumX2 += x[xo + 32 * j + l] * x[xo + 32 * j + l];
            float avX = (float) Math.sqrt(sumX2 / 32);
            for (int l = 0; l < 32; l++) w[l] = avX + Math.abs(x[xo + 32 * j + l]);
            scales[j] = makeQkx2Quants(32, 15, x, xo + 32 * j, w, lq, 32 * j, k.laux, mins, j, -1f, 0.1f, 20);
            if (scales[j] > maxScale) maxScale = scales[j];
            if (mins[j] > maxMin) maxMin = mins[j];
        }
        float invScale = maxScale > 0 ? 63f / maxScale : 0f;
        float invMin = maxMin > 0 ? 63f / maxMin : 0f;
        byte[] sc = k.packed;
        for (int j = 0; j < 8; j++) {
            int ls = Math.min(63, nearestInt(invScale * scales[j]) & 0xFF);
            int lm = Math.min(63, nearestInt(invMin * mins[j]) & 0xFF);
            if (j < 4) {
                sc[j] = (byte) ls;
                sc[j + 4] = (byte) lm;
            } else {
                sc[j + 4] = (byte) ((ls & 0xF) | ((lm & 0xF) << 4));
                sc[j - 4] |= (byte) ((ls >>> 4) << 6);
                sc[j] |= (byte) ((lm >>> 4) << 6);
            }
        }
        short dh = Float.floatToFloat16(maxScale / 63f), mh = Float.floatToFloat16(maxMin / 63f);
        float d = Float.float16ToFloat(dh), dmin = Float.float16ToFloat(mh);
        for (int j = 0; j < 8; j++) {
            int sm = Dequantize.q4kScaleMin(j, sc, 0);
            float dj = d * (sm & 0xFF);
            if (dj == 0f) continue;
            float mj = dmin * (sm >>> 8);
            for (int i = 0; i < 32; i++) {
                int l = nearestInt((x[xo + 32 * j + i] + mj) / dj);
                lq[32 * j + i] = (byte) Math.max(0, Math.min(15, l));
            }
        }
        dst.set(I16, p, dh);
        dst.set(I16, p + 2, mh);
        MemorySegment.copy(sc, 0, dst, ValueLayout.JAVA_BYTE, p + 4, 12);
        for (int c = 0; c < 4; c++) {
            for (int l = 0; l < 32; l++) {
                dst.set(ValueLayout.JAVA_BYTE, p + 16 + 32L * c + l, (byte) (lq[64 * c + l] | (lq[64 * c + 32 + l] << 4)));
            }
        }
    }

    /**
     * ggml's {@code make_qkx2_quants} with {@code use_mad = false}: fits {@code x ≈ scale·L + min} (min ≤ 0,
     * L in [0, nmax]) minimizing the weighted squared error over {@code nstep + 1} trial scales; writes L to
     * {@code lq[lo..]}, {@code -min} to {@code theMin[mi]}, and returns the scale. Float operations in the C order.
     */
    static float makeQkx2Quants(int n, int nmax, float[] x, int xo, float[] weights, byte[] lq, int lo, byte[] laux,
                                float[] theMin, int mi, float rmin, float rdelta, int nstep) {
        float min = x[xo], max = x[xo];
        float sumW = weights[0];
        float sumX = sumW * x[xo];
        for (int i = 1; i < n; i++) {
            float v = x[xo + i];
            if (v < min) min = v;
            if (v > max) max = v;
            float w = weights[i];
            sumW += w;
            sumX += w * v;
        }
        if (min > 0) min = 0;
        if (max == min) {
            for (int i = 0; i < n; i++) lq[lo + i] = 0;
            theMin[mi] = -min;
            return 0f;
        }
        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestError = 0;
        for (int i = 0; i < n; i++) {
            int l = Math.max(0, Math.min(nmax, nearestInt(iscale * (x[xo + i] - min))));
            lq[lo + i] = (byte) l;
            float diff = scale * l + min - x[xo + i];
            bestError += weights[i] * (diff * diff);
        }
        for (int is = 0; is <= nstep; is++) {
            iscale = (rmin + rdelta * is + nmax) / (max - min);
            float sumL = 0, sumL2 = 0, sumXl = 0;
            for (int i = 0; i < n; i++) {
                int l = Math.max(0, Math.min(nmax, nearestInt(iscale * (x[xo + i] - min))));
                laux[i] = (byte) l;
                float w = weights[i];
                sumL += w * l;
                sumL2 += w * l * l;
                sumXl += w * l * x[xo + i];
            }
            float dd = sumW * sumL2 - sumL * sumL;
            if (dd > 0) {
                float thisScale = (sumW * sumXl - sumX * sumL) / dd;
                float thisMin = (sumL2 * sumX - sumL * sumXl) / dd;
                if (thisMin > 0) {
                    thisMin = 0;
                    thisScale = sumXl / sumL2;
                }
                float curError = 0;
                for (int i = 0; i < n; i++) {
                    float diff = thisScale * laux[i] + thisMin - x[xo + i];
                    curError += weights[i] * (diff * diff);
                }
                if (curError < bestError) {
                    System.arraycopy(laux, 0, lq, lo, n);
                    bestError = curError;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        theMin[mi] = -min;
        return scale;
    }

    /**
     * {@code quantize_row_q6_K_ref} for one super-block of 256 values: per 16-element sub-block a signed scale
     * ({@link #makeQxQuants}, weights x², 19 trial scales), the 16 scales quantized to int8 against the one of largest
     * magnitude ({@code d = max_scale/-128}, fp16), then every value requantized to 6 bits ([-32, 31] + 32) against
     * its rounded sub-block scale. An all-(near-)zero block is all zero bytes.
     */
    static void quantizeBlockQ6_K(float[] x, int xo, MemorySegment dst, long p, KScratch k) {
        byte[] lq = k.l;
        float[] scales = k.scales;
        float maxScale = 0f, maxAbsScale = 0f;
        for (int ib = 0; ib < 16; ib++) {
            float scale = makeQxQuants(16, 32, x, xo + 16 * ib, lq, 16 * ib);
            scales[ib] = scale;
            float abs = Math.abs(scale);
            if (abs > maxAbsScale) {
                maxAbsScale = abs;
                maxScale = scale;
            }
        }
        if (maxAbsScale < GROUP_MAX_EPS) {
            dst.asSlice(p, 210).fill((byte) 0);
            return;
        }
        float iscale = -128f / maxScale;
        short dh = Float.floatToFloat16(1 / iscale);
        float d = Float.float16ToFloat(dh);
        byte[] sc = k.sc6;
        for (int ib = 0; ib < 16; ib++) sc[ib] = (byte) Math.min(127, nearestInt(iscale * scales[ib]));
        for (int j = 0; j < 16; j++) {
            float dj = d * sc[j];
            if (dj == 0f) continue;
            for (int i = 0; i < 16; i++) {
                int l = nearestInt(x[xo + 16 * j + i] / dj);
                lq[16 * j + i] = (byte) (Math.max(-32, Math.min(31, l)) + 32);
            }
        }
        for (int h = 0; h < 2; h++) {
            int j = 128 * h;
            for (int l = 0; l < 32; l++) {
                int q1 = lq[j + l], q2 = lq[j + l + 32], q3 = lq[j + l + 64], q4 = lq[j + l + 96];
                dst.set(ValueLayout.JAVA_BYTE, p + 64L * h + l, (byte) ((q1 & 0xF) | ((q3 & 0xF) << 4)));
                dst.set(ValueLayout.JAVA_BYTE, p + 64L * h + 32 + l, (byte) ((q2 & 0xF) | ((q4 & 0xF) << 4)));
                dst.set(ValueLayout.JAVA_BYTE, p + 128 + 32L * h + l,
                        (byte) ((q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6)));
            }
        }
        MemorySegment.copy(sc, 0, dst, ValueLayout.JAVA_BYTE, p + 192, 16);
        dst.set(I16, p + 208, dh);
    }

    /** ggml's {@code GROUP_MAX_EPS}: a group whose largest magnitude is below it quantizes to zero. */
    private static final float GROUP_MAX_EPS = 1e-15f;

    /**
     * ggml's {@code make_qx_quants} with {@code rmse_type = 1} and no importance weights: symmetric quantization to
     * [-nmax, nmax-1] (stored + nmax into {@code lq[lo..]}) with weights x², the best of 19 trial scales by the
     * weighted least-squares criterion; returns the scale. Float operations in the C order.
     */
    static float makeQxQuants(int n, int nmax, float[] x, int xo, byte[] lq, int lo) {
        float max = 0, amax = 0;
        for (int i = 0; i < n; i++) {
            float ax = Math.abs(x[xo + i]);
            if (ax > amax) {
                amax = ax;
                max = x[xo + i];
            }
        }
        if (amax < GROUP_MAX_EPS) {
            for (int i = 0; i < n; i++) lq[lo + i] = 0;
            return 0f;
        }
        float iscale = -nmax / max;
        float sumlx = 0, suml2 = 0;
        for (int i = 0; i < n; i++) {
            float v = x[xo + i];
            int l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * v)));
            lq[lo + i] = (byte) (l + nmax);
            float w = v * v;
            sumlx += w * v * l;
            suml2 += w * l * l;
        }
        float scale = suml2 != 0 ? sumlx / suml2 : 0f;
        float best = scale * sumlx;
        for (int is = -9; is <= 9; is++) {
            if (is == 0) continue;
            iscale = -(nmax + 0.1f * is) / max;
            sumlx = 0;
            suml2 = 0;
            for (int i = 0; i < n; i++) {
                float v = x[xo + i];
                int l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * v)));
                float w = v * v;
                sumlx += w * v * l;
                suml2 += w * l * l;
            }
            if (suml2 > 0 && sumlx * sumlx > best * suml2) {
                for (int i = 0; i < n; i++) {
                    int l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * x[xo + i])));
                    lq[lo + i] = (byte) (l + nmax);
                }
                scale = sumlx / suml2;
                best = scale * sumlx;
            }
        }
        return scale;
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
