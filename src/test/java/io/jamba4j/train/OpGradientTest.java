package io.jamba4j.train;

import io.jamba4j.kernels.GradKernels;
import io.jamba4j.model.RMSNorm;
import io.jamba4j.kernels.VectorOps;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/** Gradients of the elementary ops, each against a finite difference or an exact float64 reference. */
class OpGradientTest {
    /** SiLU', softplus' (both branches of the threshold) and the softmax Jacobian against float64 central differences. */
    @Test
    void activationsAndSoftmax() {
        for (double v = -30; v <= 30; v += 0.37) {
            double h = 1e-5;
            double silu = (silu64(v + h) - silu64(v - h)) / (2 * h);
            assertEquals(silu, GradKernels.siluGrad((float) v), 2e-6 + 1e-5 * Math.abs(silu), "silu' at " + v);
            double sp = (softplus64(v + h) - softplus64(v - h)) / (2 * h);
            assertEquals(sp, GradKernels.softplusGrad((float) v), 2e-6 + 1e-5 * Math.abs(sp), "softplus' at " + v);
            // the float forward functions the derivatives belong to
            assertEquals(silu64(v), VectorOps.silu((float) v), 1e-6 * Math.max(1, Math.abs(v)));
            assertEquals(softplus64(v), VectorOps.softplus((float) v), 2e-6 * Math.max(1, Math.abs(v)));
        }
        SplittableRandom r = new SplittableRandom(1);
        int n = 7;
        double[] l = new double[n];
        float[] p = new float[n], dp = new float[n], w = new float[n];
        for (int i = 0; i < n; i++) {
            l[i] = r.nextGaussian() * 2;
            w[i] = (float) r.nextGaussian();
        }
        double[] p64 = softmax64(l);
        for (int i = 0; i < n; i++) {
            p[i] = (float) p64[i];
            dp[i] = w[i];
        }
        GradKernels.softmaxBackward(p, 0, dp, 0, n);
        for (int i = 0; i < n; i++) {
            double h = 1e-6;
            double[] lp = l.clone(), lm = l.clone();
            lp[i] += h;
            lm[i] -= h;
            double num = (dotW(softmax64(lp), w) - dotW(softmax64(lm), w)) / (2 * h);
            assertEquals(num, dp[i], 1e-6 + 1e-5 * Math.abs(num), "softmax row " + i);
        }
    }

    /** dX = dY·W and dW += dYᵀ·X against float64 loops (exact up to float32 rounding), serial and threaded sizes. */
    @Test
    void matmulBackwardKernels() {
        SplittableRandom r = new SplittableRandom(2);
        for (int[] dims : new int[][]{{3, 5, 7}, {17, 33, 65}, {40, 96, 130}}) {
            int T = dims[0], out = dims[1], in = dims[2];
            float[] x = GradCheck.randn(r, T * in, 1), w = GradCheck.randn(r, out * in, 1), dy = GradCheck.randn(r, T * out, 1);
            float[] dx = GradCheck.randn(r, T * in, 1), dw = GradCheck.randn(r, out * in, 1);
            float[] dx0 = dx.clone(), dw0 = dw.clone();
            GradKernels.matmulDx(dy, 0, T, w, out, in, dx, 0);
            GradKernels.matmulDw(dy, 0, T, x, 0, out, in, dw);
            for (int t = 0; t < T; t++) {
                for (int i = 0; i < in; i++) {
                    double s = dx0[t * in + i];
                    for (int o = 0; o < out; o++) s += (double) dy[t * out + o] * w[o * in + i];
                    assertEquals(s, dx[t * in + i], 2e-6 * Math.sqrt(out) * 4, "dx");
                }
            }
            for (int o = 0; o < out; o++) {
                for (int i = 0; i < in; i++) {
                    double s = dw0[o * in + i];
                    for (int t = 0; t < T; t++) s += (double) dy[t * out + o] * x[t * in + i];
                    assertEquals(s, dw[o * in + i], 2e-6 * Math.sqrt(T) * 4, "dw");
                }
            }
        }
    }

    /** RMSNorm: gradients w.r.t. the input rows and the weight, on a strided sub-row as the Mamba inner norms use it. */
    @Test
    void rmsNorm() {
        SplittableRandom r = new SplittableRandom(3);
        int rows = 5, n = 12, stride = 20, off = 3;
        float[] weight = GradCheck.randn(r, n, 0.5);
        for (int i = 0; i < n; i++) weight[i] += 1f;
        RMSNorm norm = new RMSNorm(weight, 1e-6);
        float[] x = GradCheck.randn(r, rows * stride, 1.5), wOut = GradCheck.randn(r, rows * stride, 1);
        GradCheck.Loss loss = () -> {
            float[] y = new float[rows * stride];
            norm.forwardTrain(x, y, rows, stride, off, new float[rows], 0);
            return GradCheck.weighted(y, wOut);
        };
        float[] y = new float[rows * stride], rstd = new float[rows];
        norm.forwardTrain(x, y, rows, stride, off, rstd, 0);
        float[] ref = new float[rows * stride];
        norm.forward(x, ref, rows, stride, off);
        assertArrayEquals(ref, y, "training forward = inference forward");
        float[] dx = new float[rows * stride], dWeight = new float[n];
        norm.backward(x, rstd, 0, wOut, dx, dWeight, rows, stride, off);
        for (int row = 0; row < rows; row++) {
            for (int i = 0; i < stride; i++) if (i < off || i >= off + n) assertEquals(0f, dx[row * stride + i], "outside the norm");
        }
        GradCheck c = new GradCheck(loss, null, 1e-3, 1e-5, 4).check("x", x, dx, 3, 4, 4).check("weight", weight, dWeight, 3, 4, 4);
        System.out.println("rmsNorm: " + c.summary());
        c.assertOk();
    }

    /** Cross-entropy: value against a float64 log-sum-exp, gradient by finite differences, ignored targets. */
    @Test
    void crossEntropy() {
        SplittableRandom r = new SplittableRandom(5);
        int rows = 6, v = 11;
        float[] logits = GradCheck.randn(r, rows * v, 2);
        int[] targets = {3, 0, CrossEntropy.IGNORE_INDEX, 10, 7, 7};
        double ref = 0;
        for (int row = 0; row < rows; row++) {
            if (targets[row] < 0) continue;
            double[] l = new double[v];
            for (int i = 0; i < v; i++) l[i] = logits[row * v + i];
            ref -= Math.log(softmax64(l)[targets[row]]);
        }
        ref /= 5;
        float[] d = new float[rows * v];
        // float32 exponentials (about 2 ulp each) summed in float lanes: ~1e-7 relative, far below any training effect
        assertEquals(ref, CrossEntropy.forwardBackward(logits, targets, rows, v, CrossEntropy.IGNORE_INDEX, d), 1e-6);
        for (int i = 0; i < v; i++) assertEquals(0f, d[2 * v + i], "ignored row");
        GradCheck c = new GradCheck(() -> CrossEntropy.forwardBackward(logits, targets, rows, v, CrossEntropy.IGNORE_INDEX, null),
                null, 1e-4, 1e-6, 6).check("logits", logits, d, 3, 5, 5);
        System.out.println("crossEntropy: " + c.summary());
        c.assertOk();
        assertEquals(0, CrossEntropy.forwardBackward(logits, new int[]{-100, -100, -100, -100, -100, -100}, rows, v, -100, d));
    }

    static double silu64(double v) { return v / (1 + Math.exp(-v)); }
    static double softplus64(double v) { return v > 20 ? v : Math.log1p(Math.exp(v)); }

    static double[] softmax64(double[] l) {
        double m = Double.NEGATIVE_INFINITY;
        for (double v : l) m = Math.max(m, v);
        double s = 0;
        double[] p = new double[l.length];
        for (int i = 0; i < l.length; i++) s += p[i] = Math.exp(l[i] - m);
        for (int i = 0; i < l.length; i++) p[i] /= s;
        return p;
    }

    static double dotW(double[] p, float[] w) {
        double s = 0;
        for (int i = 0; i < p.length; i++) s += p[i] * w[i];
        return s;
    }
}
