package io.jamba4j.kernels;

/** Element-wise and reduction helpers on float arrays (scalar for now; the SIMD versions replace these). */
public final class VectorOps {
    private VectorOps() {}

    public static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        float s = 0;
        for (int i = 0; i < n; i++) s += a[aOff + i] * b[bOff + i];
        return s;
    }

    /** y[yOff..] += alpha · x[xOff..]. */
    public static void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        for (int i = 0; i < n; i++) y[yOff + i] += alpha * x[xOff + i];
    }

    /** y[yOff..] += x[xOff..]. */
    public static void add(float[] x, int xOff, float[] y, int yOff, int n) {
        for (int i = 0; i < n; i++) y[yOff + i] += x[xOff + i];
    }

    /**
     * out = weight ⊙ x / sqrt(mean(x²) + eps) over n elements; squares accumulated in double (as ggml does), then
     * the scale is applied and the weight multiplied separately.
     */
    public static void rmsnorm(float[] x, int xOff, float[] weight, float[] out, int outOff, int n, float eps) {
        double ss = 0;
        for (int i = 0; i < n; i++) {
            float v = x[xOff + i];
            ss += v * v;
        }
        float mean = (float) (ss / n);
        float scale = (float) (1.0 / Math.sqrt(mean + eps));
        for (int i = 0; i < n; i++) out[outOff + i] = (x[xOff + i] * scale) * weight[i];
    }

    public static float silu(float v) {
        return v / (1.0f + (float) Math.exp(-v));
    }

    /** In-place SiLU over n elements. */
    public static void silu(float[] x, int off, int n) {
        for (int i = 0; i < n; i++) x[off + i] = silu(x[off + i]);
    }

    /** softplus(v) = ln(1 + e^v), linear above 20 (PyTorch's and ggml's threshold). */
    public static float softplus(float v) {
        return v > 20f ? v : (float) Math.log1p(Math.exp(v));
    }

    /** In-place softmax over x[off..off+n), float32 with max subtraction. */
    public static void softmax(float[] x, int off, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, x[off + i]);
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float e = (float) Math.exp(x[off + i] - max);
            x[off + i] = e;
            sum += e;
        }
        float inv = (float) (1.0 / sum);
        for (int i = 0; i < n; i++) x[off + i] *= inv;
    }
}
