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

    // ---------------------------------------------------------------------------------------------------------------
    // Training: forward that saves 1/rms per row, and its backward.

    /** The weight array (a trainable parameter). */
    public float[] weight() {
        return weight;
    }

    /**
     * As {@link #forward(float[], float[], int, int, int)} and also saves rstd[rstdOff + r] = 1/sqrt(mean(x²) + eps)
     * for each row, computed as the inference kernel does (double sum of squares, float mean, float rsqrt).
     */
    public void forwardTrain(float[] x, float[] out, int rows, int stride, int offset, float[] rstd, int rstdOff) {
        int n = weight.length;
        for (int r = 0; r < rows; r++) {
            int o = r * stride + offset;
            double sum = 0;
            for (int i = 0; i < n; i++) {
                float v = x[o + i];
                sum += v * v;
            }
            float mean = (float) (sum / n);
            float scale = 1f / (float) Math.sqrt(mean + eps);
            rstd[rstdOff + r] = scale;
            for (int i = 0; i < n; i++) out[o + i] = (x[o + i] * scale) * weight[i];
        }
    }

    /**
     * Backward of {@link #forwardTrain}: with y_i = w_i·x_i·s, s = (mean(x²) + eps)^(−1/2),
     * dx_i += s·w_i·dy_i − s³/n · x_i · Σ_j w_j·dy_j·x_j and dw_i += dy_i·x_i·s.
     * {@code x} is the saved input (not the output); dx and dy have the same row layout as x; dx may not alias dy.
     */
    public void backward(float[] x, float[] rstd, int rstdOff, float[] dy, float[] dx, float[] dWeight,
                         int rows, int stride, int offset) {
        int n = weight.length;
        for (int r = 0; r < rows; r++) {
            int o = r * stride + offset;
            float s = rstd[rstdOff + r];
            double dot = 0;
            for (int i = 0; i < n; i++) {
                float xv = x[o + i], g = dy[o + i];
                dot += (double) weight[i] * g * xv;
                dWeight[i] += g * xv * s;
            }
            float c = (float) (dot * s * s * s / n);
            for (int i = 0; i < n; i++) dx[o + i] += s * weight[i] * dy[o + i] - c * x[o + i];
        }
    }
}
