package io.jamba4j.kernels;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class VectorOpsTest {
    static float[] rnd(int n, long seed) {
        Random r = new Random(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }

    @Test
    void siluMulMatchesMathExpAndIsPositionIndependent() {
        for (int n : new int[]{0, 1, 7, 16, 33, 1027}) {
            float[] g = rnd(n, 11 + n), u = rnd(n, 12 + n);
            for (int i = 0; i < n; i++) g[i] *= 8f;
            float[] y = g.clone();
            VectorOps.siluMul(y, u, n);
            for (int i = 0; i < n; i++) {
                double ref = g[i] / (1 + Math.exp(-g[i])) * u[i];
                assertEquals(ref, y[i], 1e-6 * Math.abs(ref) + 1e-30, "at " + i);
                // the same element alone (scalar tail) gives the same bits
                float[] one = {g[i]};
                VectorOps.siluMul(one, new float[]{u[i]}, 1);
                assertEquals(y[i], one[0]);
            }
        }
    }

    @Test
    void dotAxpyScaleAddMulMatchScalar() {
        for (int n : new int[]{0, 1, 7, 16, 33, 100, 1027}) {
            float[] a = rnd(n + 3, n), b = rnd(n + 5, n + 1);
            double ref = 0, abs = 0;
            for (int i = 0; i < n; i++) { ref += a[3 + i] * b[5 + i]; abs += Math.abs(a[3 + i] * b[5 + i]); }
            assertEquals(ref, VectorOps.dot(a, 3, b, 5, n), 1e-6 * abs + 1e-30);

            float[] y = b.clone();
            VectorOps.axpy(0.5f, a, 3, y, 5, n);
            for (int i = 0; i < n; i++) assertEquals(Math.fma(0.5f, a[3 + i], b[5 + i]), y[5 + i]);
            for (int i = 0; i < 5; i++) assertEquals(b[i], y[i]);

            float[] s = a.clone();
            VectorOps.scale(s, 3, n, 3f);
            for (int i = 0; i < n; i++) assertEquals(a[3 + i] * 3f, s[3 + i]);
            assertEquals(a[0], s[0]);

            float[] t = b.clone();
            VectorOps.add(a, 3, t, 5, n);
            for (int i = 0; i < n; i++) assertEquals(b[5 + i] + a[3 + i], t[5 + i]);
            float[] m = b.clone();
            VectorOps.mul(a, 3, m, 5, n);
            for (int i = 0; i < n; i++) assertEquals(b[5 + i] * a[3 + i], m[5 + i]);
        }
    }

    @Test
    void rmsnormFollowsLlamaCpp() {
        for (int n : new int[]{1, 13, 64, 1024}) {
            float[] x = rnd(n + 2, n);
            float[] w = rnd(n, n + 9);
            float eps = 1e-6f;
            double sum = 0;
            for (int i = 0; i < n; i++) sum += (double) (x[2 + i] * x[2 + i]);
            float mean = (float) (sum / n);
            float scale = 1f / (float) Math.sqrt(mean + eps);
            float[] out = new float[n + 1];
            VectorOps.rmsnorm(x, 2, w, out, 1, n, eps);
            for (int i = 0; i < n; i++) assertEquals((x[2 + i] * scale) * w[i], out[1 + i], "n=" + n + " i=" + i);
            // in place
            float[] xi = x.clone();
            VectorOps.rmsnorm(xi, 2, w, xi, 2, n, eps);
            for (int i = 0; i < n; i++) assertEquals(out[1 + i], xi[2 + i]);
        }
    }

    @Test
    void siluSoftmaxSoftplus() {
        float[] x = {-30f, -1f, 0f, 0.5f, 3f, 40f};
        float[] s = x.clone();
        VectorOps.silu(s, 0, s.length);
        for (int i = 0; i < x.length; i++) assertEquals(x[i] / (1 + Math.exp(-x[i])), s[i], 1e-6 * Math.max(1, Math.abs(x[i])));
        assertEquals(0f, s[2]);

        float[] p = {1f, 2f, 3f, 1000f, -5f};
        VectorOps.softmax(p, 1, 3); // [2, 3, 1000] -> one-hot on 1000
        assertEquals(1f, p[0]);
        assertEquals(1f, p[3], 1e-6f);
        assertEquals(0f, p[1], 1e-30f);
        float[] q = {0f, Float.parseFloat("0.6931472"), 0f};
        VectorOps.softmax(q, 0, 3); // e^x = 1, 2, 1 -> 0.25 0.5 0.25
        assertEquals(0.25f, q[0], 1e-6f);
        assertEquals(0.5f, q[1], 1e-6f);
        double tot = 0;
        float[] big = rnd(1000, 3);
        VectorOps.softmax(big, 0, 1000);
        for (float v : big) tot += v;
        assertEquals(1.0, tot, 1e-5);

        assertEquals(25f, VectorOps.softplus(25f));
        assertEquals((float) Math.log(1f + (float) Math.exp(20f)), VectorOps.softplus(20f));
        assertEquals((float) Math.log(2), VectorOps.softplus(0f), 1e-7f);
        assertEquals(0f, VectorOps.softplus(-30f)); // 1 + e^-30 == 1 in float, as logf(1 + expf(v)) in C
        assertEquals((float) Math.log(1f + (float) Math.exp(-5f)), VectorOps.softplus(-5f));
    }

    /** sumLanes: the same bits before and after the JIT compiles its callers (reduceLanes' order is not fixed). */
    @Test
    void dotDoesNotDependOnCompilation() {
        java.util.Random r = new java.util.Random(4);
        float[] a = new float[1000], b = new float[1000];
        for (int i = 0; i < a.length; i++) { a[i] = (float) r.nextGaussian(); b[i] = (float) r.nextGaussian() * 3; }
        float cold = VectorOps.dot(a, 0, b, 0, 1000);
        float[] c = java.util.Arrays.copyOf(a, 64), d = java.util.Arrays.copyOf(b, 64);
        float sink = 0;
        for (int i = 0; i < 200_000; i++) sink += VectorOps.dot(c, 0, d, 0, 64); // compiles dot
        float warm = VectorOps.dot(a, 0, b, 0, 1000);
        org.junit.jupiter.api.Assertions.assertEquals(Float.floatToIntBits(cold), Float.floatToIntBits(warm), "sink " + sink);
        double exact = 0;
        for (int i = 0; i < 1000; i++) exact += (double) a[i] * b[i];
        org.junit.jupiter.api.Assertions.assertEquals(exact, warm, 1e-3);
    }

    /** The stored-vector sumLanes (scalar, in place) gives the vector one's bits, on sums whose rounding depends on order. */
    @Test
    void storedSumLanesEqualsTheVectorOneBitForBit() {
        java.util.Random r = new java.util.Random(9);
        int L = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length();
        for (int k = 0; k < 1000; k++) {
            float[] t = new float[L + 3];
            for (int i = 0; i < t.length; i++) t[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(12) - 6));
            float vector = VectorOps.sumLanes(jdk.incubator.vector.FloatVector.fromArray(jdk.incubator.vector.FloatVector.SPECIES_PREFERRED, t, 3));
            float stored = VectorOps.sumLanes(t, 3);
            org.junit.jupiter.api.Assertions.assertEquals(Float.floatToIntBits(vector), Float.floatToIntBits(stored), "case " + k);
        }
    }

    /** siluMul's vector loop and its scalar loop (what SILU_WATCH falls back to) give the same bits. */
    @Test
    void siluMulVectorAndScalarAgreeBitForBit() {
        java.util.Random r = new java.util.Random(5);
        int n = 16 * 37 + 5;
        float[] gate = new float[n], up = new float[n], expected = new float[n];
        for (int i = 0; i < n; i++) {
            gate[i] = (float) (r.nextGaussian() * (i % 7 == 0 ? 30 : 3));
            up[i] = (float) r.nextGaussian();
            expected[i] = gate[i] / (1f + SelectiveScan.exp(-gate[i])) * up[i];
        }
        VectorOps.siluMul(gate, up, n);
        for (int i = 0; i < n; i++) org.junit.jupiter.api.Assertions.assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(gate[i]), "element " + i);
    }
}
