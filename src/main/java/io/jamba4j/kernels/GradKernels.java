package io.jamba4j.kernels;

import io.jamba4j.tensor.GgmlType;
import io.jamba4j.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * Float32 kernels for backward passes. For a linear layer Y = X·Wᵀ (X: T×in, W: out×in, Y: T×out):
 * <ul>
 *   <li>{@link #matmulDx}: dX += dY·W (T×out times out×in),</li>
 *   <li>{@link #matmulDw}: dW += dYᵀ·X (out×T times T×in),</li>
 *   <li>{@link #biasDb}: db += Σ_t dY[t].</li>
 * </ul>
 * All of them accumulate ({@code +=}) so that a parameter used several times (tied embeddings, a weight shared by
 * several sequences of a batch) sums its contributions. Training parameters are float32 heap arrays; {@link #floats}
 * returns the array behind such a tensor.
 */
public final class GradKernels {
    private GradKernels() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();

    /** Below this many multiply-adds a kernel runs on the calling thread. */
    private static final long SERIAL_WORK = 1L << 17;

    /** The float32 heap array a tensor made by {@link Tensor#ofFloats} wraps (the whole array, offset 0). */
    public static float[] floats(Tensor t) {
        float[] a = t.heapFloats();
        if (a == null) {
            throw new IllegalArgumentException("tensor '" + t.name() + "' is not a whole float32 heap array; training needs Tensor.ofFloats parameters");
        }
        return a;
    }

    /** dx[t, i] += Σ_o dy[t, o] · w[o, i] for t in [0, T): rows of {@code out} at dyOff, of {@code in} at dxOff. */
    public static void matmulDx(float[] dy, int dyOff, int T, float[] w, int out, int in, float[] dx, int dxOff) {
        Objects.checkFromIndexSize(dyOff, T * out, dy.length);
        Objects.checkFromIndexSize(dxOff, T * in, dx.length);
        Objects.checkFromIndexSize(0, out * in, w.length);
        Parallel.IntRangeBody body = (t0, t1) -> {
            for (int t = t0; t < t1; t++) {
                int dyRow = dyOff + t * out, dxRow = dxOff + t * in;
                for (int o = 0; o < out; o++) {
                    float g = dy[dyRow + o];
                    if (g != 0f) axpy(g, w, o * in, dx, dxRow, in);
                }
            }
        };
        if ((long) T * out * in < SERIAL_WORK || T == 1) body.run(0, T);
        else Parallel.forRange(T, 1, body);
    }

    /** dw[o, i] += Σ_t dy[t, o] · x[t, i]: rows of {@code out} at dyOff, of {@code in} at xOff. */
    public static void matmulDw(float[] dy, int dyOff, int T, float[] x, int xOff, int out, int in, float[] dw) {
        Objects.checkFromIndexSize(dyOff, T * out, dy.length);
        Objects.checkFromIndexSize(xOff, T * in, x.length);
        Objects.checkFromIndexSize(0, out * in, dw.length);
        Parallel.IntRangeBody body = (o0, o1) -> {
            for (int o = o0; o < o1; o++) {
                for (int t = 0; t < T; t++) {
                    float g = dy[dyOff + t * out + o];
                    if (g != 0f) axpy(g, x, xOff + t * in, dw, o * in, in);
                }
            }
        };
        if ((long) T * out * in < SERIAL_WORK) body.run(0, out);
        else Parallel.forRange(out, 1, body);
    }

    /** db[o] += Σ_t dy[t, o]. */
    public static void biasDb(float[] dy, int dyOff, int T, int out, float[] db) {
        for (int t = 0; t < T; t++) add(dy, dyOff + t * out, db, 0, out);
    }

    /** y[yOff+i] += a · x[xOff+i]. */
    public static void axpy(float a, float[] x, int xOff, float[] y, int yOff, int n) {
        int i = 0;
        FloatVector va = FloatVector.broadcast(F, a);
        for (int up = n - L; i <= up; i += L) {
            FloatVector.fromArray(F, x, xOff + i).fma(va, FloatVector.fromArray(F, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) y[yOff + i] = Math.fma(a, x[xOff + i], y[yOff + i]);
    }

    /** y[yOff+i] += x[xOff+i]. */
    public static void add(float[] x, int xOff, float[] y, int yOff, int n) {
        int i = 0;
        for (int up = n - L; i <= up; i += L) {
            FloatVector.fromArray(F, y, yOff + i).add(FloatVector.fromArray(F, x, xOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) y[yOff + i] += x[xOff + i];
    }

    /** Σ a[aOff+i]·b[bOff+i], float32 SIMD accumulation. */
    public static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        int i = 0;
        FloatVector s = FloatVector.zero(F);
        for (int up = n - L; i <= up; i += L) {
            s = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), s);
        }
        float r = s.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) r += a[aOff + i] * b[bOff + i];
        return r;
    }

    /** σ(v) = 1 / (1 + e^(−v)). */
    public static float sigmoid(float v) {
        return 1f / (1f + (float) Math.exp(-v));
    }

    /** d SiLU(v) / dv = σ(v)·(1 + v·(1 − σ(v))). */
    public static float siluGrad(float v) {
        float s = sigmoid(v);
        return s * (1f + v * (1f - s));
    }

    /** d softplus(v) / dv for the thresholded softplus of the forward pass: 1 above 20, σ(v) below. */
    public static float softplusGrad(float v) {
        return v > 20f ? 1f : sigmoid(v);
    }

    /** In place over [off, off+n): given p = softmax(ℓ) and dp = dL/dp, writes dL/dℓ_i = p_i·(dp_i − Σ_j p_j·dp_j) into dp. */
    public static void softmaxBackward(float[] p, int pOff, float[] dp, int dOff, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) s += (double) p[pOff + i] * dp[dOff + i];
        float sf = (float) s;
        for (int i = 0; i < n; i++) dp[dOff + i] = p[pOff + i] * (dp[dOff + i] - sf);
    }
}
