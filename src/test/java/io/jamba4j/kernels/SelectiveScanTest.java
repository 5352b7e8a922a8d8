package io.jamba4j.kernels;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class SelectiveScanTest {
    static float[] rnd(Random r, int n, double scale, double shift) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (r.nextGaussian() * scale + shift);
        return a;
    }

    @Test
    void expIsWithinAFewUlpOfMathExp() {
        int n = 200_003;
        float[] x = new float[n];
        Random r = new Random(1);
        for (int i = 0; i < n; i++) x[i] = (float) (-87.3 + r.nextDouble() * (88 + 87.3));
        x[0] = 0f; x[1] = -0f; x[2] = 88f; x[3] = -87.29f; x[4] = 1e-8f; x[5] = -1e-8f;
        float[] v = new float[n];
        SelectiveScan.exp(x, v, n);
        double maxRel = 0;
        for (int i = 0; i < n; i++) {
            double ref = Math.exp(x[i]);
            double rel = Math.abs(v[i] - ref) / ref;
            maxRel = Math.max(maxRel, rel);
            assertEquals(SelectiveScan.exp(x[i]), v[i], "scalar and vector agree at " + x[i]);
        }
        assertTrue(maxRel < 3e-7, "max relative error " + maxRel); // ~2.5 ulp
        // out of range: 0 below, saturated above
        float[] e = {-87.4f, -200f, Float.NEGATIVE_INFINITY, 89f, 1000f};
        float[] o = new float[e.length];
        SelectiveScan.exp(e, o, e.length);
        assertEquals(0f, o[0]); assertEquals(0f, o[1]); assertEquals(0f, o[2]);
        assertEquals((float) Math.exp(88), o[3], 1e-6 * Math.exp(88));
        assertEquals(0f, SelectiveScan.exp(-100f));
    }

    /** The mixer's steps 2–3 and 6–10 in plain double-checked scalar code, state layout [N][Din]. */
    @Test
    void kernelsMatchAScalarReferenceAndCarryState() {
        Random r = new Random(7);
        for (int din : new int[]{8, 37, 64, 300}) {
            int n = 16, k = 4, T = 9, pw = 5 + 2 * n, bOff = 5, cOff = 5 + n;
            float[] xz = rnd(r, T * 2 * din, 1, 0), conv0 = rnd(r, (k - 1) * din, 1, 0);
            float[] w = rnd(r, din * k, 0.5, 0), bias = rnd(r, din, 0.1, 0);
            float[] dt = rnd(r, T * din, 2, -1), dtBias = rnd(r, din, 1, 0);
            float[] bc = rnd(r, T * pw, 1, 0), a = new float[din * n], d = rnd(r, din, 1, 0);
            for (int i = 0; i < a.length; i++) a[i] = (float) -Math.exp(r.nextGaussian());
            float[] h0 = rnd(r, n * din, 1, 0);

            // reference
            float[] uRef = new float[T * din], yRef = new float[T * din], dtRef = dt.clone(), hRef = h0.clone();
            for (int t = 0; t < T; t++) for (int c = 0; c < din; c++) {
                double s = bias[c];
                for (int j = 0; j < k; j++) {
                    int ti = t - (k - 1) + j;
                    s += w[c * k + j] * (ti >= 0 ? xz[ti * 2 * din + c] : conv0[(k - 1 + ti) * din + c]);
                }
                uRef[t * din + c] = (float) (s / (1 + Math.exp(-s)));
                float v = dt[t * din + c] + dtBias[c];
                dtRef[t * din + c] = v > 20 ? v : (float) Math.log(1 + Math.exp(v));
            }
            for (int t = 0; t < T; t++) for (int c = 0; c < din; c++) {
                double delta = dtRef[t * din + c], x = uRef[t * din + c], acc = 0;
                for (int s = 0; s < n; s++) {
                    double hs = hRef[s * din + c] * Math.exp(delta * a[c * n + s]) + bc[t * pw + bOff + s] * x * delta;
                    hRef[s * din + c] = (float) hs;
                    acc += hs * bc[t * pw + cOff + s];
                }
                double g = xz[t * 2 * din + din + c];
                yRef[t * din + c] = (float) ((acc + d[c] * x) * g / (1 + Math.exp(-g)));
            }

            // kernels, whole sequence at once and token by token
            float[] wT = SelectiveScan.transpose(w, din, k), aT = SelectiveScan.transpose(a, din, n);
            float[][] u2 = new float[2][], y2 = new float[2][], h2 = new float[2][];
            for (int mode = 0; mode < 2; mode++) {
                float[] conv = conv0.clone(), h = h0.clone(), u = new float[T * din], y = new float[T * din], dtv = dt.clone();
                if (mode == 0) {
                    SelectiveScan.convSilu(T, din, k, xz, 0, 2 * din, conv, wT, bias, u);
                    SelectiveScan.softplusBias(dtv, T, din, dtBias);
                    SelectiveScan.scan(T, din, n, u, dtv, bc, pw, bOff, cOff, aT, d, xz, din, 2 * din, h, y);
                } else {
                    for (int t = 0; t < T; t++) {
                        float[] ut = new float[din], dtt = new float[din], yt = new float[din], bct = new float[pw];
                        float[] xzt = java.util.Arrays.copyOfRange(xz, t * 2 * din, (t + 1) * 2 * din);
                        System.arraycopy(dt, t * din, dtt, 0, din);
                        System.arraycopy(bc, t * pw, bct, 0, pw);
                        SelectiveScan.convSilu(1, din, k, xzt, 0, 2 * din, conv, wT, bias, ut);
                        SelectiveScan.softplusBias(dtt, 1, din, dtBias);
                        SelectiveScan.scan(1, din, n, ut, dtt, bct, pw, bOff, cOff, aT, d, xzt, din, 2 * din, h, yt);
                        System.arraycopy(ut, 0, u, t * din, din);
                        System.arraycopy(yt, 0, y, t * din, din);
                        System.arraycopy(dtt, 0, dtv, t * din, din);
                    }
                }
                for (int i = 0; i < T * din; i++) {
                    assertEquals(uRef[i], u[i], 1e-5 * (1 + Math.abs(uRef[i])), "u " + i);
                    assertEquals(dtRef[i], dtv[i], 1e-5 * (1 + Math.abs(dtRef[i])), "dt " + i);
                    assertEquals(yRef[i], y[i], 1e-4 * (1 + Math.abs(yRef[i])), "y " + i);
                }
                for (int i = 0; i < n * din; i++) assertEquals(hRef[i], h[i], 1e-4 * (1 + Math.abs(hRef[i])), "h " + i);
                // the conv window now holds the last K−1 x rows
                for (int j = 0; j < k - 1; j++) for (int c = 0; c < din; c++) {
                    assertEquals(xz[(T - (k - 1) + j) * 2 * din + c], conv[j * din + c]);
                }
                u2[mode] = u; y2[mode] = y; h2[mode] = h;
            }
            assertArrayEquals(u2[0], u2[1], "batch-invariant u");
            assertArrayEquals(y2[0], y2[1], "batch-invariant y");
            assertArrayEquals(h2[0], h2[1], "batch-invariant state");
        }
    }

    /**
     * The softplus' logarithm is written with plain float operations: within 2 ulp of Math.log on [1, 2^30), and the
     * vector loop gives the scalar tail's bits (batch invariance must not depend on which channels the tail gets, nor
     * on whether the loop runs interpreted or compiled).
     */
    @Test
    void softplusLogIsAccurateAndTheSameInVectorAndScalarCode() {
        Random r = new Random(11);
        for (int i = 0; i < 200_000; i++) {
            float y = (float) Math.exp(r.nextDouble() * 30 * Math.log(2));
            if (y < 1f) continue;
            double want = Math.log(y);
            float got = SelectiveScan.log1Up(y);
            assertTrue(Math.abs(got - want) <= 2 * Math.ulp((float) want) + 1e-30, y + ": " + got + " vs " + want);
        }
        assertEquals(0f, SelectiveScan.log1Up(1f));
        int din = 67, T = 5;
        float[] dt = new float[T * din], bias = new float[din];
        for (int i = 0; i < dt.length; i++) dt[i] = (float) (r.nextGaussian() * 12);
        for (int i = 0; i < din; i++) bias[i] = (float) r.nextGaussian();
        for (int rep = 0; rep < 3000; rep++) { // until the vector loop is compiled
            float[] got = dt.clone();
            SelectiveScan.softplusBias(got, T, din, bias);
            if (rep % 1000 != 0 && rep != 2999) continue;
            for (int t = 0; t < T; t++) for (int c = 0; c < din; c++) {
                float v = dt[t * din + c] + bias[c];
                float want = v > 20f ? v : SelectiveScan.log1Up(1f + SelectiveScan.exp(v));
                assertEquals(want, got[t * din + c], "t " + t + " c " + c + " rep " + rep);
            }
        }
    }
}
