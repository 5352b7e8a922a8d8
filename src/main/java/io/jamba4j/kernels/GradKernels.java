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
        // C = dx (M = T rows), A(m, k) = dy[m·out + k], B = w [out][in]
        gemmAcc(dy, dyOff, out, 1, T, out, w, 0, in, dx, dxOff, in);
    }

    /** dw[o, i] += Σ_t dy[t, o] · x[t, i]: rows of {@code out} at dyOff, of {@code in} at xOff. */
    public static void matmulDw(float[] dy, int dyOff, int T, float[] x, int xOff, int out, int in, float[] dw) {
        Objects.checkFromIndexSize(dyOff, T * out, dy.length);
        Objects.checkFromIndexSize(xOff, T * in, x.length);
        Objects.checkFromIndexSize(0, out * in, dw.length);
        // C = dw (M = out rows), A(m, k) = dy[k·out + m] (dy transposed), B = x [T][in]
        gemmAcc(dy, dyOff, 1, out, out, T, x, xOff, in, dw, 0, in);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // C[m][n] += Σ_k A(m, k) · B[k][n] with A(m, k) = a[aOff + m·sm + k·sk] (any strides, so both dY·W and dYᵀ·X are
    // one kernel without transposing), B row-major [K][N], C row-major [M][N] (both with row stride N).
    // For each block of KC values of k: B's block is packed into panels of 2 vectors of columns ([panel][k][2L], zero
    // padded), and for each tile of MR rows A is packed as [k][MR] (zero padded); the micro-kernel then keeps an MR × 2L
    // tile of C in registers for the whole k block (per k: 2 vector loads, MR broadcasts, 2·MR FMAs), reading the packs
    // with constant strides (so the JIT drops the bounds checks from the inner loop). Threads take disjoint row tiles;
    // every C element sums its k in the same order whatever the thread count.

    private static final int MR = 6;
    private static final int NR = 2 * L;
    private static final int KC = 256;

    private static final class GemmScratch {
        float[] bp = new float[0];
        float[] ap = new float[KC * MR];
        float[] ct = new float[MR * NR];
    }

    private static final ThreadLocal<GemmScratch> GEMM = ThreadLocal.withInitial(GemmScratch::new);

    static void gemmAcc(float[] a, int aOff, int sm, int sk, int M, int K, float[] b, int bOff, int ldb,
                        float[] c, int cOff, int ldc) {
        if (ldb != ldc) throw new IllegalArgumentException("ldb " + ldb + " != ldc " + ldc);
        int N = ldb;
        if (M == 0 || K == 0 || N == 0) return;
        int panels = (N + NR - 1) / NR;
        GemmScratch main = GEMM.get();
        if (main.bp.length < panels * KC * NR) main.bp = new float[panels * KC * NR];
        float[] bp = main.bp;
        int tiles = (M + MR - 1) / MR;
        boolean serial = (long) M * K * N < SERIAL_WORK || tiles < 2;
        int grain = Math.max(1, (tiles + 2 * Parallel.threads() - 1) / (2 * Parallel.threads()));
        for (int k0 = 0; k0 < K; k0 += KC) {
            int kc = Math.min(KC, K - k0);
            packB(b, bOff + k0 * N, N, kc, panels, bp);
            int kk0 = k0;
            Parallel.IntRangeBody body = (t0, t1) -> {
                GemmScratch sc = GEMM.get();
                for (int t = t0; t < t1; t++) {
                    int m = t * MR, rows = Math.min(MR, M - m);
                    boolean direct = rows == MR;
                    if (!direct) packA(a, aOff + m * sm + kk0 * sk, sm, sk, rows, kc, sc.ap);
                    int a0 = aOff + m * sm + kk0 * sk;
                    for (int p = 0; p < panels; p++) {
                        int n = p * NR, cols = Math.min(NR, N - n);
                        int ci = cOff + m * N + n;
                        if (direct && cols == NR) {
                            tile(a, a0, sm, sk, bp, p * KC * NR, kc, c, ci, N);
                        } else {
                            if (direct) packA(a, a0, sm, sk, rows, kc, sc.ap);
                            java.util.Arrays.fill(sc.ct, 0f);
                            tile(sc.ap, 0, 1, MR, bp, p * KC * NR, kc, sc.ct, 0, NR);
                            for (int r = 0; r < rows; r++) {
                                for (int j = 0; j < cols; j++) c[ci + r * N + j] += sc.ct[r * NR + j];
                            }
                        }
                    }
                }
            };
            if (serial) body.run(0, tiles);
            else Parallel.forRange(tiles, grain, body);
        }
    }

    /** bp[p][k][0..NR) = B[k][p·NR ..] for k in [0, kc), zero beyond column N. */
    private static void packB(float[] b, int bOff, int N, int kc, int panels, float[] bp) {
        for (int p = 0; p < panels; p++) {
            int n = p * NR, cols = Math.min(NR, N - n), dst = p * KC * NR;
            for (int k = 0; k < kc; k++) {
                int d = dst + k * NR, src = bOff + k * N + n;
                if (cols == NR) {
                    FloatVector.fromArray(F, b, src).intoArray(bp, d);
                    FloatVector.fromArray(F, b, src + L).intoArray(bp, d + L);
                } else {
                    for (int j = 0; j < cols; j++) bp[d + j] = b[src + j];
                    for (int j = cols; j < NR; j++) bp[d + j] = 0f;
                }
            }
        }
    }

    /** ap[k][r] = A(r, k) for r in [0, rows), k in [0, kc); zero rows up to MR. */
    private static void packA(float[] a, int aOff, int sm, int sk, int rows, int kc, float[] ap) {
        for (int k = 0; k < kc; k++) {
            int src = aOff + k * sk, d = k * MR;
            for (int r = 0; r < rows; r++) ap[d + r] = a[src + r * sm];
            for (int r = rows; r < MR; r++) ap[d + r] = 0f;
        }
    }

    /**
     * C[r][0..NR) += Σ_k A(r, k) · bp[bo + k·NR ..] for the MR rows of C at ci (row stride ldc), with A(r, k) =
     * a[a0 + r·sm + k·sk]: read in place for full row tiles, or from a pack ([k][MR]: sm = 1, sk = MR) for edge tiles.
     */
    private static void tile(float[] a, int a0, int sm, int sk, float[] bp, int bo, int kc, float[] c, int ci, int ldc) {
        FloatVector c00 = FloatVector.zero(F), c01 = FloatVector.zero(F), c10 = FloatVector.zero(F), c11 = FloatVector.zero(F);
        FloatVector c20 = FloatVector.zero(F), c21 = FloatVector.zero(F), c30 = FloatVector.zero(F), c31 = FloatVector.zero(F);
        FloatVector c40 = FloatVector.zero(F), c41 = FloatVector.zero(F), c50 = FloatVector.zero(F), c51 = FloatVector.zero(F);
        for (int k = 0; k < kc; k++) {
            FloatVector b0 = FloatVector.fromArray(F, bp, bo + k * NR), b1 = FloatVector.fromArray(F, bp, bo + k * NR + L);
            int ai = a0 + k * sk;
            FloatVector x = FloatVector.broadcast(F, a[ai]);
            c00 = b0.fma(x, c00); c01 = b1.fma(x, c01);
            x = FloatVector.broadcast(F, a[ai + 1 * sm]);
            c10 = b0.fma(x, c10); c11 = b1.fma(x, c11);
            x = FloatVector.broadcast(F, a[ai + 2 * sm]);
            c20 = b0.fma(x, c20); c21 = b1.fma(x, c21);
            x = FloatVector.broadcast(F, a[ai + 3 * sm]);
            c30 = b0.fma(x, c30); c31 = b1.fma(x, c31);
            x = FloatVector.broadcast(F, a[ai + 4 * sm]);
            c40 = b0.fma(x, c40); c41 = b1.fma(x, c41);
            x = FloatVector.broadcast(F, a[ai + 5 * sm]);
            c50 = b0.fma(x, c50); c51 = b1.fma(x, c51);
        }
        // no helper taking vectors here: C2 would box the accumulators if it did not inline it
        int r0 = ci, r1 = ci + ldc, r2 = ci + 2 * ldc, r3 = ci + 3 * ldc, r4 = ci + 4 * ldc, r5 = ci + 5 * ldc;
        c00.add(FloatVector.fromArray(F, c, r0)).intoArray(c, r0); c01.add(FloatVector.fromArray(F, c, r0 + L)).intoArray(c, r0 + L);
        c10.add(FloatVector.fromArray(F, c, r1)).intoArray(c, r1); c11.add(FloatVector.fromArray(F, c, r1 + L)).intoArray(c, r1 + L);
        c20.add(FloatVector.fromArray(F, c, r2)).intoArray(c, r2); c21.add(FloatVector.fromArray(F, c, r2 + L)).intoArray(c, r2 + L);
        c30.add(FloatVector.fromArray(F, c, r3)).intoArray(c, r3); c31.add(FloatVector.fromArray(F, c, r3 + L)).intoArray(c, r3 + L);
        c40.add(FloatVector.fromArray(F, c, r4)).intoArray(c, r4); c41.add(FloatVector.fromArray(F, c, r4 + L)).intoArray(c, r4 + L);
        c50.add(FloatVector.fromArray(F, c, r5)).intoArray(c, r5); c51.add(FloatVector.fromArray(F, c, r5 + L)).intoArray(c, r5 + L);
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
        // lanes summed in a fixed order (VectorOps.sumLanes): exact resume needs the same bits whenever a step runs
        float r = VectorOps.sumLanes(s);
        for (; i < n; i++) r += a[aOff + i] * b[bOff + i];
        return r;
    }

    /** σ(v) = 1 / (1 + e^(−v)), with {@link SelectiveScan#exp(float)} (the scalar twin of the SIMD kernels' lanes). */
    public static float sigmoid(float v) {
        return 1f / (1f + SelectiveScan.exp(-v));
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

    // ---------------------------------------------------------------------------------------------------------------
    // Element-wise activations (SIMD, the exponential of SelectiveScan.exp; the forwards are the inference kernels'
    // float operations, so training and inference agree bit for bit). σ(v) = 1 / (1 + e^(−v)), SiLU(v) = v·σ(v).

    /** out[t·din + c] = y[t·din + c] · SiLU(z[zOff + t·zStride + c]): the Mamba gate, as the inference scan applies it. */
    public static void siluGate(float[] y, float[] z, int zOff, int zStride, int T, int din, float[] out) {
        int cv = din / L * L;
        for (int t = 0; t < T; t++) {
            int o = t * din, zo = zOff + t * zStride;
            int c = 0;
            for (; c < cv; c += L) {
                FloatVector g = FloatVector.fromArray(F, z, zo + c);
                FloatVector e = SelectiveScan.expV(g.neg());
                FloatVector.fromArray(F, y, o + c).mul(g.div(e.add(1f))).intoArray(out, o + c);
            }
            for (; c < din; c++) {
                float g = z[zo + c];
                out[o + c] = y[o + c] * (g / (1f + SelectiveScan.exp(-g)));
            }
        }
    }

    /**
     * Backward of {@link #siluGate}: dy = dOut·SiLU(z) (written), dz[zOff + t·zStride + c] = dOut·y·SiLU'(z) (written),
     * with SiLU'(v) = σ(v)·(1 + v·(1 − σ(v))).
     */
    public static void siluGateBackward(float[] dOut, float[] y, float[] z, int zOff, int zStride, int T, int din,
                                        float[] dy, float[] dz) {
        int cv = din / L * L;
        for (int t = 0; t < T; t++) {
            int o = t * din, zo = zOff + t * zStride;
            int c = 0;
            for (; c < cv; c += L) {
                FloatVector g = FloatVector.fromArray(F, z, zo + c);
                FloatVector sig = FloatVector.broadcast(F, 1f).div(SelectiveScan.expV(g.neg()).add(1f));
                FloatVector d = FloatVector.fromArray(F, dOut, o + c);
                d.mul(g.mul(sig)).intoArray(dy, o + c);
                FloatVector grad = sig.mul(g.mul(sig.neg().add(1f)).add(1f));
                d.mul(FloatVector.fromArray(F, y, o + c)).mul(grad).intoArray(dz, zo + c);
            }
            for (; c < din; c++) {
                float g = z[zo + c], d = dOut[o + c];
                dy[o + c] = d * (g * sigmoid(g));
                dz[zo + c] = d * y[o + c] * siluGrad(g);
            }
        }
    }

    /** SwiGLU backward: dUp = dAct·SiLU(gate), dGate = dAct·up·SiLU'(gate), over n elements (written). */
    public static void siluMulBackward(float[] dAct, float[] gate, float[] up, float[] dGate, float[] dUp, int n) {
        int i = 0;
        for (int upTo = n - L; i <= upTo; i += L) {
            FloatVector g = FloatVector.fromArray(F, gate, i);
            FloatVector sig = FloatVector.broadcast(F, 1f).div(SelectiveScan.expV(g.neg()).add(1f));
            FloatVector d = FloatVector.fromArray(F, dAct, i);
            d.mul(g.mul(sig)).intoArray(dUp, i);
            d.mul(FloatVector.fromArray(F, up, i)).mul(sig.mul(g.mul(sig.neg().add(1f)).add(1f))).intoArray(dGate, i);
        }
        for (; i < n; i++) {
            float g = gate[i];
            dUp[i] = dAct[i] * (g * sigmoid(g));
            dGate[i] = dAct[i] * up[i] * siluGrad(g);
        }
    }

    /** out = dDelta · softplus'(v) over n elements, for the thresholded softplus (1 above 20, σ(v) below). */
    public static void softplusBackward(float[] dDelta, float[] v, float[] out, int n) {
        int i = 0;
        for (int upTo = n - L; i <= upTo; i += L) {
            FloatVector x = FloatVector.fromArray(F, v, i);
            FloatVector sig = FloatVector.broadcast(F, 1f).div(SelectiveScan.expV(x.neg()).add(1f));
            sig = sig.blend(1f, x.compare(VectorOperators.GT, 20f));
            FloatVector.fromArray(F, dDelta, i).mul(sig).intoArray(out, i);
        }
        for (; i < n; i++) out[i] = dDelta[i] * softplusGrad(v[i]);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Causal depthwise conv1d of one training sequence (zero history), SIMD across channels; taps transposed [K][Din].

    /**
     * For the S rows of one sequence (input x_t = xz[xzOff + t·xzStride + c]): pre[t·din + c] = b[c] + Σ_j
     * wT[j][c]·x_{t−(K−1)+j} (zero before the sequence; the inference kernel's FMA order) and u = SiLU(pre), rows at
     * {@code rowOff} of pre and u. {@code bias} may be null.
     */
    public static void convSiluTrain(int S, int din, int k, float[] xz, int xzOff, int xzStride, float[] wT, float[] bias,
                                     float[] pre, float[] u, int rowOff) {
        int cv = din / L * L;
        for (int t = 0; t < S; t++) {
            int o = (rowOff + t) * din;
            int c = 0;
            for (; c < cv; c += L) {
                FloatVector s = bias != null ? FloatVector.fromArray(F, bias, c) : FloatVector.zero(F);
                for (int j = 0; j < k; j++) {
                    int ti = t - (k - 1) + j;
                    if (ti >= 0) s = FloatVector.fromArray(F, wT, j * din + c).fma(FloatVector.fromArray(F, xz, xzOff + ti * xzStride + c), s);
                    else s = FloatVector.fromArray(F, wT, j * din + c).fma(FloatVector.zero(F), s);
                }
                s.intoArray(pre, o + c);
                s.div(SelectiveScan.expV(s.neg()).add(1f)).intoArray(u, o + c);
            }
            for (; c < din; c++) {
                float s = bias != null ? bias[c] : 0f;
                for (int j = 0; j < k; j++) {
                    int ti = t - (k - 1) + j;
                    s = Math.fma(wT[j * din + c], ti >= 0 ? xz[xzOff + ti * xzStride + c] : 0f, s);
                }
                pre[o + c] = s;
                u[o + c] = s / (1f + SelectiveScan.exp(-s));
            }
        }
    }

    /**
     * Backward of {@link #convSiluTrain} for one sequence given du: accumulates dx (into dxz at the input's layout),
     * dwT ([K][Din]) and db (may be null).
     */
    public static void convSiluTrainBackward(int S, int din, int k, float[] xz, int xzOff, int xzStride, float[] wT,
                                             float[] pre, float[] du, int rowOff, float[] dxz, float[] dwT, float[] db) {
        int cv = din / L * L;
        for (int t = 0; t < S; t++) {
            int o = (rowOff + t) * din;
            int c = 0;
            for (; c < cv; c += L) {
                FloatVector v = FloatVector.fromArray(F, pre, o + c);
                FloatVector sig = FloatVector.broadcast(F, 1f).div(SelectiveScan.expV(v.neg()).add(1f));
                FloatVector dc = FloatVector.fromArray(F, du, o + c).mul(sig.mul(v.mul(sig.neg().add(1f)).add(1f)));
                if (db != null) FloatVector.fromArray(F, db, c).add(dc).intoArray(db, c);
                for (int j = 0; j < k; j++) {
                    int ti = t - (k - 1) + j;
                    if (ti < 0) continue;
                    int xi = xzOff + ti * xzStride + c, wi = j * din + c;
                    FloatVector.fromArray(F, dwT, wi).add(dc.mul(FloatVector.fromArray(F, xz, xi))).intoArray(dwT, wi);
                    FloatVector.fromArray(F, dxz, xi).add(dc.mul(FloatVector.fromArray(F, wT, wi))).intoArray(dxz, xi);
                }
            }
            for (; c < din; c++) {
                float dc = du[o + c] * siluGrad(pre[o + c]);
                if (db != null) db[c] += dc;
                for (int j = 0; j < k; j++) {
                    int ti = t - (k - 1) + j;
                    if (ti < 0) continue;
                    int xi = xzOff + ti * xzStride + c;
                    dwT[j * din + c] += dc * xz[xi];
                    dxz[xi] += dc * wT[j * din + c];
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Softmax rows for the cross-entropy

    /** log Σ_i e^(x[off+i]) over n values: max-subtracted, lanes summed in a fixed order, in double at the end. */
    public static double logSumExp(float[] x, int off, int n) {
        FloatVector mv = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (int upTo = n - L; i <= upTo; i += L) mv = mv.max(FloatVector.fromArray(F, x, off + i));
        float max = mv.reduceLanes(VectorOperators.MAX); // exact whatever the order
        for (; i < n; i++) max = Math.max(max, x[off + i]);
        if (max == Float.NEGATIVE_INFINITY || max == Float.POSITIVE_INFINITY || Float.isNaN(max)) return max;
        FloatVector sv = FloatVector.zero(F);
        i = 0;
        for (int upTo = n - L; i <= upTo; i += L) sv = sv.add(SelectiveScan.expV(FloatVector.fromArray(F, x, off + i).sub(max)));
        double sum = 0;
        sum += VectorOps.sumLanes(sv);
        for (; i < n; i++) sum += SelectiveScan.exp(x[off + i] - max);
        return max + Math.log(sum);
    }

    /** out[oOff+i] = e^(x[off+i] − lse) · scale over n values. */
    public static void softmaxScaled(float[] x, int off, int n, float lse, float scale, float[] out, int oOff) {
        int i = 0;
        for (int upTo = n - L; i <= upTo; i += L) {
            SelectiveScan.expV(FloatVector.fromArray(F, x, off + i).sub(lse)).mul(scale).intoArray(out, oOff + i);
        }
        for (; i < n; i++) out[oOff + i] = SelectiveScan.exp(x[off + i] - lse) * scale;
    }
}
