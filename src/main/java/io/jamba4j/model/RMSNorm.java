package io.jamba4j.model;

import io.jamba4j.kernels.VectorOps;

/** RMSNorm_n(v; g) = g ⊙ v / sqrt(mean(v²) + eps), applied to each row of n elements independently (spec §4.2). */
public final class RMSNorm {
    final float[] weight;
    final float eps;

    public RMSNorm(float[] weight, double eps) {
        this.weight = weight;
        this.eps = (float) eps;
    }

    public int size() {
        return weight.length;
    }

    /** out[r] = RMSNorm(x[r]) for rows r in [0, rows); x and out have row stride {@code stride}, the norm covers the first {@code size()} elements at {@code offset} of each row. */
    public void forward(float[] x, float[] out, int rows, int stride, int offset) {
        int n = weight.length;
        for (int r = 0; r < rows; r++) {
            VectorOps.rmsnorm(x, r * stride + offset, weight, out, r * stride + offset, n, eps);
        }
    }

    /** One row: out[outOff..] = RMSNorm(x[xOff..]). */
    public void forward(float[] x, int xOff, float[] out, int outOff) {
        VectorOps.rmsnorm(x, xOff, weight, out, outOff, weight.length, eps);
    }

    /** Rows of exactly {@code size()} elements. */
    public void forward(float[] x, float[] out, int rows) {
        forward(x, out, rows, weight.length, 0);
    }
}
