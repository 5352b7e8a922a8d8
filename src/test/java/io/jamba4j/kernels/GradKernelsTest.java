package io.jamba4j.kernels;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The backward GEMMs against float64 loops on shapes with every kind of edge (rows, columns, k blocks). */
class GradKernelsTest {
    private static float[] rand(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }

    @Test
    void matmulDxAndDwMatchFloat64() {
        SplittableRandom r = new SplittableRandom(3);
        int[][] shapes = {{1, 1, 1}, {5, 7, 3}, {6, 32, 16}, {13, 33, 70}, {300, 17, 41}, {37, 600, 64}, {520, 40, 129}};
        for (int[] sh : shapes) {
            int T = sh[0], out = sh[1], in = sh[2];
            float[] dy = rand(r, T * out + 3), x = rand(r, T * in + 5), w = rand(r, out * in);
            float[] dx0 = rand(r, T * in + 4), dw0 = rand(r, out * in);
            float[] dx = dx0.clone(), dw = dw0.clone();
            GradKernels.matmulDx(dy, 3, T, w, out, in, dx, 4);
            GradKernels.matmulDw(dy, 3, T, x, 5, out, in, dw);
            for (int t = 0; t < T; t++) {
                for (int i = 0; i < in; i++) {
                    double s = dx0[4 + t * in + i];
                    for (int o = 0; o < out; o++) s += (double) dy[3 + t * out + o] * w[o * in + i];
                    assertEquals(s, dx[4 + t * in + i], 1e-4 * (1 + Math.sqrt(out)), "dx " + T + "x" + out + "x" + in);
                }
            }
            for (int o = 0; o < out; o++) {
                for (int i = 0; i < in; i++) {
                    double s = dw0[o * in + i];
                    for (int t = 0; t < T; t++) s += (double) dy[3 + t * out + o] * x[5 + t * in + i];
                    assertEquals(s, dw[o * in + i], 1e-4 * (1 + Math.sqrt(T)), "dw " + T + "x" + out + "x" + in);
                }
            }
            for (int i = 0; i < 4; i++) assertEquals(dx0[i], dx[i], "dx before its offset untouched");
        }
    }

    /** Each element sums its k in a fixed order: the result is the same for any split of rows across threads. */
    @Test
    void gemmIsDeterministic() {
        SplittableRandom r = new SplittableRandom(4);
        int T = 700, out = 96, in = 80;
        float[] dy = rand(r, T * out), x = rand(r, T * in);
        float[] a = new float[out * in], b = new float[out * in];
        GradKernels.matmulDw(dy, 0, T, x, 0, out, in, a);
        GradKernels.matmulDw(dy, 0, T, x, 0, out, in, b);
        assertArrayEquals(a, b);
    }
}
