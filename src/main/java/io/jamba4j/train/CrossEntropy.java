package io.jamba4j.train;

/**
 * Softmax cross-entropy over rows of logits, averaged over the rows whose target is not the ignore index (PyTorch's
 * {@code cross_entropy(reduction="mean", ignore_index=...)}). The log-sum-exp is accumulated in double.
 */
public final class CrossEntropy {
    private CrossEntropy() {}

    /** PyTorch's default ignore index. */
    public static final int IGNORE_INDEX = -100;

    /**
     * Returns mean_r −log softmax(logits[r])[targets[r]] over counted rows (0 if none), and, when {@code dLogits} is not
     * null, writes ∂loss/∂logits = (softmax − onehot(target)) / count into it (zero rows for ignored targets).
     */
    public static double forwardBackward(float[] logits, int[] targets, int rows, int vocab, int ignoreIndex, float[] dLogits) {
        int count = 0;
        for (int r = 0; r < rows; r++) {
            int y = targets[r];
            if (y == ignoreIndex) continue;
            if (y < 0 || y >= vocab) throw new IllegalArgumentException("target " + y + " at row " + r + " is outside [0, " + vocab + ")");
            count++;
        }
        if (dLogits != null) java.util.Arrays.fill(dLogits, 0, rows * vocab, 0f);
        if (count == 0) return 0;
        double total = 0;
        double inv = 1.0 / count;
        for (int r = 0; r < rows; r++) {
            int y = targets[r];
            if (y == ignoreIndex) continue;
            int off = r * vocab;
            float max = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < vocab; i++) max = Math.max(max, logits[off + i]);
            double sum = 0;
            for (int i = 0; i < vocab; i++) sum += Math.exp((double) logits[off + i] - max);
            double lse = max + Math.log(sum);
            total += lse - logits[off + y];
            if (dLogits != null) {
                for (int i = 0; i < vocab; i++) dLogits[off + i] = (float) (Math.exp(logits[off + i] - lse) * inv);
                dLogits[off + y] -= (float) inv;
            }
        }
        return total * inv;
    }
}
