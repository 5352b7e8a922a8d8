package io.jamba4j.kernels;

import io.jamba4j.tensor.GgmlType;
import io.jamba4j.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Scalar reference of {@link MatMul}'s numerics, written for clarity: the fast kernels are tested against it, and
 * it is the fallback where the Vector API has no usable species (fewer than 8 float lanes).
 *
 * <p>Per weight type, as llama.cpp's CPU backend computes it:
 * <ul>
 *   <li>F32: float32 dot products.</li>
 *   <li>F16 / BF16: the activation row is first rounded to fp16 / bf16, then dotted in float32.</li>
 *   <li>Q8_0 / Q4_0: the activation row is quantized to Q8_0 blocks ({@link #quantizeActivation}); each block's
 *       integer dot product (exact) is scaled by {@code d_w * d_x} and accumulated in float32.</li>
 *   <li>Q4_K / Q6_K: the activation row is quantized to Q8_K blocks of 256 ({@link #quantizeActivationQ8K}, float32
 *       scale d_x). Q4_K, per super-block: the exact integer sums A = Σ_{g<4} sc_g·P_g and B = Σ_{g≥4} sc_g·P_g of the
 *       4-bit q times the activation integers (P_g: 32-element group g; |A|, |B| ≤ 4·63·32·15·127 &lt; 2^24, so exact in
 *       float32 whatever the order of their partial sums) and M = Σ_g m_g·(−Σ q_x of group g); then, in order,
 *       {@code acc = fma(A, d·d_x, acc)}, {@code acc = fma(B, d·d_x, acc)}, {@code acc = fma(M, dmin·d_x, acc)}.
 *       Q6_K, per 32-element group g in order: the exact integer dot product P_g of (q − 32)·sc of its
 *       16-element sub-block with the activation integers (|P_g| &lt; 2^24), then {@code acc = fma(P_g, d·d_x, acc)}.
 *       llama.cpp sums whole super-blocks in int32 before scaling; the results agree up to float32 rounding of
 *       those sums and the accumulation order.</li>
 * </ul>
 */
final class MatMulReference {
    private MatMulReference() {}

    private static final ValueLayout.OfShort I16 = Dequantize.I16;

    /**
     * How activation rows are rounded to Q8_0. {@code true} (default, property {@code jamba4j.q8act=x86}): as
     * llama.cpp's x86 SIMD {@code quantize_row_q8_0} (AVX/AVX2/AVX-512 builds): {@code id = 127 / amax}, round half
     * to even. {@code false} ({@code jamba4j.q8act=ref}): as {@code quantize_row_q8_0_ref} (generic C build):
     * {@code id = 1 / d}, {@code roundf} (half away from zero). Both store {@code d = amax / 127} as fp16.
     */
    static final boolean X86_ACT_ROUNDING = !"ref".equalsIgnoreCase(System.getProperty("jamba4j.q8act", "x86"));

    static void matmul(Tensor w, float[] x, int xOff, int T, float[] y, int yOff) {
        int in = w.cols();
        int out = Math.toIntExact(w.rows());
        GgmlType type = w.type();
        MemorySegment seg = w.data();
        long rowBytes = w.rowBytes();
        float[] xr = new float[in];
        float[] dx = new float[in / 32 + 1];
        float[] nbs = new float[in / 32 + 1];
        float[] wr = new float[in];
        for (int t = 0; t < T; t++) {
            int xb = xOff + t * in;
            switch (type) {
                case F32 -> System.arraycopy(x, xb, xr, 0, in);
                case F16 -> {
                    for (int i = 0; i < in; i++) xr[i] = Float.float16ToFloat(Float.floatToFloat16(x[xb + i]));
                }
                case BF16 -> {
                    for (int i = 0; i < in; i++) xr[i] = Dequantize.bf16ToFloat(Dequantize.floatToBf16(x[xb + i]));
                }
                case Q8_0, Q4_0 -> quantizeActivation(x, xb, in, xr, 0, dx, 0, X86_ACT_ROUNDING);
                case Q4_K, Q6_K -> quantizeActivationQ8K(x, xb, in, xr, 0, dx, 0, nbs, 0);
                default -> throw new UnsupportedOperationException("matmul: tensor type " + type + " is not supported");
            }
            for (int o = 0; o < out; o++) {
                long base = o * rowBytes;
                float s = 0;
                switch (type) {
                    case F32, F16, BF16 -> {
                        Dequantize.row(type, seg, base, in, wr, 0);
                        for (int i = 0; i < in; i++) s += wr[i] * xr[i];
                    }
                    case Q8_0 -> {
                        for (int b = 0; b < in / 32; b++) {
                            long p = base + 34L * b;
                            float dw = Float.float16ToFloat(seg.get(I16, p));
                            int sumi = 0;
                            for (int i = 0; i < 32; i++) sumi += seg.get(ValueLayout.JAVA_BYTE, p + 2 + i) * (int) xr[32 * b + i];
                            s += sumi * (dw * dx[b]);
                        }
                    }
                    case Q4_0 -> {
                        for (int b = 0; b < in / 32; b++) {
                            long p = base + 18L * b;
                            float dw = Float.float16ToFloat(seg.get(I16, p));
                            int sumi = 0;
                            for (int i = 0; i < 16; i++) {
                                int q = seg.get(ValueLayout.JAVA_BYTE, p + 2 + i) & 0xFF;
                                sumi += ((q & 0xF) - 8) * (int) xr[32 * b + i];
                                sumi += ((q >>> 4) - 8) * (int) xr[32 * b + i + 16];
                            }
                            s += sumi * (dw * dx[b]);
                        }
                    }
                    case Q4_K -> {
                        for (int sb = 0; sb < in / 256; sb++) {
                            long p = base + 144L * sb;
                            float d = Float.float16ToFloat(seg.get(I16, p));
                            float dmin = Float.float16ToFloat(seg.get(I16, p + 2));
                            int first = 0, second = 0, mins = 0; // A, B and M of the super-block
                            for (int g = 0; g < 8; g++) {
                                int sm = Dequantize.q4kScaleMin(g, seg, p + 4);
                                int k0 = 256 * sb + 32 * g, gi = 8 * sb + g;
                                int sumi = 0;
                                for (int i = 0; i < 32; i++) {
                                    int b = seg.get(ValueLayout.JAVA_BYTE, p + 16 + 32L * (g / 2) + i) & 0xFF;
                                    sumi += ((g & 1) == 0 ? b & 0xF : b >>> 4) * (int) xr[k0 + i];
                                }
                                if (g < 4) first += (sm & 0xFF) * sumi;
                                else second += (sm & 0xFF) * sumi;
                                mins += (sm >>> 8) * (int) nbs[gi];
                            }
                            float dx0 = dx[8 * sb];
                            s = Math.fma((float) first, d * dx0, s);
                            s = Math.fma((float) second, d * dx0, s);
                            s = Math.fma((float) mins, dmin * dx0, s);
                        }
                    }
                    case Q6_K -> {
                        for (int sb = 0; sb < in / 256; sb++) {
                            long p = base + 210L * sb;
                            float d = Float.float16ToFloat(seg.get(I16, p + 208));
                            for (int g = 0; g < 8; g++) {
                                int h = g / 4, k = g % 4, k0 = 256 * sb + 32 * g;
                                int sumi = 0;
                                for (int l = 0; l < 32; l++) {
                                    int ql = seg.get(ValueLayout.JAVA_BYTE, p + 64L * h + 32 * (k & 1) + l) & 0xFF;
                                    int qh = seg.get(ValueLayout.JAVA_BYTE, p + 128 + 32L * h + l) & 0xFF;
                                    int q = ((ql >>> (k < 2 ? 0 : 4)) & 0xF) | (((qh >>> (2 * k)) & 3) << 4);
                                    int sc = seg.get(ValueLayout.JAVA_BYTE, p + 192 + 8L * h + 2 * k + l / 16);
                                    sumi += (q - 32) * sc * (int) xr[k0 + l];
                                }
                                s = Math.fma((float) sumi, d * dx[8 * sb + g], s);
                            }
                        }
                    }
                    default -> throw new AssertionError();
                }
                y[yOff + t * out + o] = s;
            }
        }
    }

    /**
     * Quantizes {@code n} (a multiple of 32) activations {@code x[xOff..]} to Q8_0 as llama.cpp does before a
     * quantized dot product: per 32-block, {@code amax = max|x|}, {@code d = fp16(amax / 127)}, integer
     * {@code q_i} (written to {@code q[qOff + i]} as exact float values) and the fp16-decoded scale to
     * {@code d[dOff + block]}. {@code x86} selects the rounding variant (see {@link #X86_ACT_ROUNDING}).
     */
    static void quantizeActivation(float[] x, int xOff, int n, float[] q, int qOff, float[] d, int dOff, boolean x86) {
        for (int b = 0; b < n / 32; b++) {
            int xb = xOff + 32 * b;
            float amax = 0;
            for (int i = 0; i < 32; i++) amax = Math.max(amax, Math.abs(x[xb + i]));
            float dd = amax / 127f;
            float id = x86 ? (amax != 0f ? 127f / amax : 0f) : (dd != 0f ? 1f / dd : 0f);
            for (int i = 0; i < 32; i++) {
                float v = x[xb + i] * id;
                q[qOff + 32 * b + i] = x86 ? (float) Math.rint(v) : roundHalfAway(v);
            }
            d[dOff + b] = Float.float16ToFloat(Float.floatToFloat16(dd));
        }
    }

    /**
     * Quantizes {@code n} (a multiple of 256) activations to Q8_K as llama.cpp's CPU backend does for Q4_K / Q6_K
     * weights ({@code quantize_row_q8_K_ref}, which the x86 builds use too): per 256-block, {@code max} = the element
     * of largest magnitude with its sign, {@code iscale = -127 / max}, {@code q = min(127, nearest_int(iscale·x))}
     * (round half to even), {@code d = 1 / iscale} kept in float32 (not fp16); an all-zero block has d = 0, q = 0.
     * Writes the integers to {@code q[qOff..]} as floats, and per 32-element group g: the block's {@code d} to
     * {@code d[dOff + g]} (repeated for the 8 groups of a block) and {@code −Σ q} of the group to {@code negSums[nOff + g]}
     * (the Q4_K min correction, llama.cpp's bsums).
     */
    static void quantizeActivationQ8K(float[] x, int xOff, int n, float[] q, int qOff, float[] d, int dOff, float[] negSums, int nOff) {
        for (int b = 0; b < n / 256; b++) {
            int xb = xOff + 256 * b, qb = qOff + 256 * b;
            float max = 0, amax = 0;
            for (int i = 0; i < 256; i++) {
                float ax = Math.abs(x[xb + i]);
                if (ax > amax) {
                    amax = ax;
                    max = x[xb + i];
                }
            }
            float dd = 0f;
            if (amax == 0f) {
                java.util.Arrays.fill(q, qb, qb + 256, 0f);
            } else {
                float iscale = -127f / max;
                for (int i = 0; i < 256; i++) q[qb + i] = Math.min(127, io.jamba4j.tensor.Quantize.nearestInt(iscale * x[xb + i]));
                dd = 1 / iscale;
            }
            for (int g = 0; g < 8; g++) {
                int sum = 0;
                for (int i = 0; i < 32; i++) sum += (int) q[qb + 32 * g + i];
                d[dOff + 8 * b + g] = dd;
                negSums[nOff + 8 * b + g] = -sum;
            }
        }
    }

    /** C's {@code roundf}: nearest integer, halfway cases away from zero (exact for every float). */
    static float roundHalfAway(float v) {
        float a = Math.abs(v);
        if (!(a < 0x1p23f)) return v; // already an integer (or NaN/inf)
        float f = (float) Math.floor(a);
        float r = (a - f >= 0.5f) ? f + 1f : f; // a - f is exact
        return Math.copySign(r, v);
    }
}
