package io.jamba4j.train;

import io.jamba4j.kernels.GradKernels;
import io.jamba4j.kernels.Parallel;

/**
 * Softmax cross-entropy over rows of logits, averaged over the rows whose target is not the ignore index (PyTorch's
 * {@code cross_entropy(reduction="mean", ignore_index=...)}). SIMD exponentials (about 2 ulp), each row's sum of
 * exponentials in float lanes then double; losses summed in double.
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
        float inv = (float) (1.0 / count);
        double[] rowLoss = new double[rows];
        // rows in parallel; each row's loss is summed in row order below, so the result does not depend on threads
        Parallel.forRange(rows, 16, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int y = targets[r];
                if (y == ignoreIndex) continue;
                double lse = GradKernels.logSumExp(logits, r * vocab, vocab);
                rowLoss[r] = lse - logits[r * vocab + y];
                if (dLogits != null) {
                    GradKernels.softmaxScaled(logits, r * vocab, vocab, (float) lse, inv, dLogits, r * vocab);
                    dLogits[r * vocab + y] -= inv;
                }
            }
        });
        double total = 0;
        for (int r = 0; r < rows; r++) total += rowLoss[r];
        return total / count;
    }
}
