package io.jamba4j.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Element-wise and reduction helpers over float arrays, SIMD where it pays, with llama.cpp's numerics where the model
 * depends on them (rmsnorm's double sum of squares, softplus' threshold).
 */
public final class VectorOps {
    private VectorOps() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    /** Lane i → lane i ^ d (kept within the vector): the steps of {@link #sumLanes} and of {@code MatMul.sums4}. */
    static final VectorShuffle<Float> XOR1 = VectorShuffle.fromOp(F, i -> i ^ 1);
    static final VectorShuffle<Float> XOR2 = VectorShuffle.fromOp(F, i -> (i ^ 2) & (L - 1));
    static final VectorShuffle<Float> XOR4 = VectorShuffle.fromOp(F, i -> (i ^ 4) & (L - 1));
    static final VectorShuffle<Float> XOR8 = VectorShuffle.fromOp(F, i -> (i ^ 8) & (L - 1));

    /**
     * The sum of v's lanes in a fixed order: lane 0 of v + v[i^(L/2)], then of that + its lanes i^(L/4), … (pairs
     * of halves, quarters, …), whatever compiles the caller. {@code reduceLanes(ADD)} leaves the order of a float
     * sum to the implementation, and the interpreter's and C2's orders differ: a value computed before and after a
     * kernel is compiled could differ in the last bit (and an exactly resumed training step would not be exact).
     * Sums of exact integers (the quantized matvec blocks) are order-free and may keep {@code reduceLanes}.
     */
    public static float sumLanes(FloatVector v) {
        if (L >= 16) v = v.add(v.rearrange(XOR8));
        if (L >= 8) v = v.add(v.rearrange(XOR4));
        if (L >= 4) v = v.add(v.rearrange(XOR2));
        if (L >= 2) v = v.add(v.rearrange(XOR1));
        return v.lane(0);
    }

    /**
     * {@link #sumLanes(FloatVector)} of the L floats stored at {@code v[off]}, with the same bits, in scalar code, and
     * overwriting them (its halving steps run in place): for kernels so large that C2 stops inlining into them
     * (NodeCountInliningCutoff), which would otherwise pass a boxed vector to {@code sumLanes} on every call. Scalar,
     * because a vector version of this helper was itself not always inlined where it was called: in
     * DecodeAllocationTest's JVM (2026-12-05) the vector it loaded was boxed on every call, ~900 KB per decode step.
     */
    public static float sumLanes(float[] v, int off) {
        for (int h = L / 2; h >= 1; h >>= 1) {
            for (int i = 0; i < h; i++) v[off + i] += v[off + i + h]; // lane i and its partner i ^ h (= i + h, i < h)
        }
        return v[off];
    }

    /** Σ a[aOff+i] · b[bOff+i] for i in [0, n), float32 with SIMD accumulators. */
    public static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        int i = 0;
        FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
        for (int up = n - 4 * L; i <= up; i += 4 * L) {
            s0 = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), s0);
            s1 = FloatVector.fromArray(F, a, aOff + i + L).fma(FloatVector.fromArray(F, b, bOff + i + L), s1);
            s2 = FloatVector.fromArray(F, a, aOff + i + 2 * L).fma(FloatVector.fromArray(F, b, bOff + i + 2 * L), s2);
            s3 = FloatVector.fromArray(F, a, aOff + i + 3 * L).fma(FloatVector.fromArray(F, b, bOff + i + 3 * L), s3);
        }
        for (int up = n - L; i <= up; i += L) {
            s0 = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), s0);
        }
        float s = sumLanes(s0.add(s1).add(s2.add(s3)));
        for (; i < n; i++) s += a[aOff + i] * b[bOff + i];
        return s;
    }

    /** y[yOff+i] += a · x[xOff+i] for i in [0, n) (fused multiply-add per element). */
    public static void axpy(float a, float[] x, int xOff, float[] y, int yOff, int n) {
        int i = 0;
        for (int up = n - L; i <= up; i += L) {
            FloatVector.fromArray(F, x, xOff + i).fma(FloatVector.broadcast(F, a), FloatVector.fromArray(F, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) y[yOff + i] = Math.fma(a, x[xOff + i], y[yOff + i]);
    }

    /** x[off+i] *= a for i in [0, n). */
    public static void scale(float[] x, int off, int n, float a) {
        int i = 0;
        for (int up = n - L; i <= up; i += L) FloatVector.fromArray(F, x, off + i).mul(a).intoArray(x, off + i);
        for (; i < n; i++) x[off + i] *= a;
    }

    /** y[yOff+i] += x[xOff+i] for i in [0, n). */
    public static void add(float[] x, int xOff, float[] y, int yOff, int n) {
        int i = 0;
        for (int up = n - L; i <= up; i += L) {
            FloatVector.fromArray(F, y, yOff + i).add(FloatVector.fromArray(F, x, xOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) y[yOff + i] += x[xOff + i];
    }

    /** y[yOff+i] *= x[xOff+i] for i in [0, n). */
    public static void mul(float[] x, int xOff, float[] y, int yOff, int n) {
        int i = 0;
        for (int up = n - L; i <= up; i += L) {
            FloatVector.fromArray(F, y, yOff + i).mul(FloatVector.fromArray(F, x, xOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) y[yOff + i] *= x[xOff + i];
    }

    /**
     * RMS norm as llama.cpp's {@code ggml_compute_forward_rms_norm} followed by the weight multiply:
     * {@code sum = Σ (double) x_i²} (float squares summed in double), {@code mean = (float) (sum / n)},
     * {@code scale = 1 / sqrtf(mean + eps)}, {@code out_i = (x_i · scale) · weight_i}. {@code out} may alias x.
     */
    public static void rmsnorm(float[] x, int xOff, float[] weight, float[] out, int outOff, int n, float eps) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float v = x[xOff + i];
            sum += v * v;
        }
        float mean = (float) (sum / n);
        float scale = 1f / (float) Math.sqrt(mean + eps); // sqrt of a float, correctly rounded = sqrtf
        int i = 0;
        for (int up = n - L; i <= up; i += L) {
            FloatVector.fromArray(F, x, xOff + i).mul(scale).mul(FloatVector.fromArray(F, weight, i)).intoArray(out, outOff + i);
        }
        for (; i < n; i++) out[outOff + i] = (x[xOff + i] * scale) * weight[i];
    }

    /** SiLU of one value: v / (1 + e^(−v)). */
    public static float silu(float v) {
        return v / (1f + (float) Math.exp(-v));
    }

    /**
     * SwiGLU's gate: gate[i] ← SiLU(gate[i]) · up[i] for i in [0, n), SIMD, with {@link SelectiveScan#exp(float)}'s
     * exponential (about 2 ulp; {@link SelectiveScan#expV} in the vector loop); the scalar tail uses the same
     * algorithm, so every element gets the same value wherever it falls.
     */
    public static void siluMul(float[] gate, float[] up, int n) {
        int i = 0;
        long a0 = SILU_WATCH.begin();
        if (SILU_WATCH.primary(a0)) {
            for (int upTo = n - L; i <= upTo; i += L) {
                FloatVector g = FloatVector.fromArray(F, gate, i);
                g.div(SelectiveScan.expV(g.neg()).add(1f)).mul(FloatVector.fromArray(F, up, i)).intoArray(gate, i);
            }
        }
        SILU_WATCH.end(a0);
        for (; i < n; i++) {
            float g = gate[i];
            gate[i] = g / (1f + SelectiveScan.exp(-g)) * up[i];
        }
    }

    /**
     * Whether {@link #siluMul}'s vector loop runs, or its scalar loop alone (the same values): DecodeAllocationTest saw
     * C2 leave the vector loop's exponential boxed in 2 of 3 runs (1.6 MB per 64 decode steps of the default model,
     * 2026-12-05). Called a few times per token and layer, so sampled from a thread's call 2,000. See {@link KernelWatch}.
     */
    static final KernelWatch SILU_WATCH = new KernelWatch("vector", "scalar", 2_000);

    /** x ← x / (1 + e^(−x)) in place over [off, off+n). */
    public static void silu(float[] x, int off, int n) {
        for (int i = 0; i < n; i++) {
            float v = x[off + i];
            x[off + i] = v / (1f + (float) Math.exp(-v));
        }
    }

    /**
     * Softmax in place over [off, off+n): max-subtracted float32 exponentials; like llama.cpp's
     * {@code ggml_vec_soft_max_f32} the sum is accumulated in double and its reciprocal applied as a float scale.
     */
    public static void softmax(float[] x, int off, int n) {
        if (n == 0) return;
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, x[off + i]);
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float e = (float) Math.exp(x[off + i] - max);
            x[off + i] = e;
            sum += e;
        }
        float inv = (float) (1.0 / sum);
        scale(x, off, n, inv);
    }

    /**
     * dst[dOff+i] = the float value of the IEEE binary16 bits src[sOff+i], for i in [0, n) (exact). A plain loop on
     * purpose: C2 compiles {@link Float#float16ToFloat} to the hardware conversion and vectorizes the loop
     * (measured 0.02 ns/element with AVX-512, 0.04 with AVX2; a Vector API bit-manipulation version ran 2–4× slower).
     */
    public static void halfToFloat(short[] src, int sOff, float[] dst, int dOff, int n) {
        for (int i = 0; i < n; i++) dst[dOff + i] = Float.float16ToFloat(src[sOff + i]);
    }

    /** dst[dOff+i] = src[sOff+i] rounded to IEEE binary16 (round to nearest even, as ggml's F16 KV cache). */
    public static void floatToHalf(float[] src, int sOff, short[] dst, int dOff, int n) {
        for (int i = 0; i < n; i++) dst[dOff + i] = Float.floatToFloat16(src[sOff + i]);
    }

    /** softplus(v) = v > 20 ? v : log(1 + e^v), in float (matches C's {@code logf(1 + expf(v))}). */
    public static float softplus(float v) {
        return v > 20f ? v : (float) Math.log(1f + (float) Math.exp(v));
    }
}
