package io.jamba4j.kernels;

import io.jamba4j.tensor.Tensor;

/**
 * Matrix products of a weight tensor W [out, in] (any supported type) with float32 activations.
 * PLACEHOLDER: scalar reference implementation; to be replaced by the SIMD/threaded kernels.
 */
public final class MatMul {
    private MatMul() {}

    /**
     * Y[t, o] = Σ_i W[o, i] · X[t, i] for t in [0, T): X holds T rows of {@code in = w.cols()} floats starting at
     * {@code xOff}, Y receives T rows of {@code out = w.rows()} floats starting at {@code yOff}.
     */
    public static void matmul(Tensor w, float[] x, int xOff, int T, float[] y, int yOff) {
        int in = w.cols();
        int out = Math.toIntExact(w.rows());
        float[] row = new float[in];
        for (int o = 0; o < out; o++) {
            w.rowToFloats(o, row, 0);
            for (int t = 0; t < T; t++) {
                float s = 0;
                int xb = xOff + t * in;
                for (int i = 0; i < in; i++) s += row[i] * x[xb + i];
                y[yOff + t * out + o] = s;
            }
        }
    }
}
