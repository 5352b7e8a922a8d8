package io.jamba4j.train;

/**
 * Hyper-parameters of a training run.
 *
 * @param steps         optimizer steps in the whole run
 * @param batch         sequences per micro-batch
 * @param seqLen        tokens per sequence (each sample is seqLen + 1 tokens: inputs and shifted targets)
 * @param accumulation  micro-batches whose gradients are averaged per step
 * @param lr            peak learning rate
 * @param minLrRatio    the cosine decays to lr · minLrRatio
 * @param warmup        linear warm-up steps
 * @param weightDecay   AdamW decoupled weight decay (not on norms, biases, A_log, D)
 * @param beta1         AdamW β1
 * @param beta2         AdamW β2
 * @param gradClip      global gradient-norm clip (0 = off)
 * @param seed          seeds initialisation and data sampling
 * @param evalEvery     validation every this many steps (0 = only at the end)
 * @param evalBatches   micro-batches per validation
 * @param saveEvery     checkpoint every this many steps (0 = only at the end)
 * @param skipNonFinite skip a step whose loss or gradients are NaN/Inf instead of stopping
 */
public record TrainConfig(int steps, int batch, int seqLen, int accumulation, double lr, double minLrRatio, int warmup,
                          double weightDecay, double beta1, double beta2, double gradClip, long seed, int evalEvery,
                          int evalBatches, int saveEvery, boolean skipNonFinite) {
    public TrainConfig {
        if (steps < 1 || batch < 1 || seqLen < 1 || accumulation < 1) throw new IllegalArgumentException("steps, batch, seq-len and accumulation must be positive");
        if (!(lr > 0)) throw new IllegalArgumentException("learning rate must be positive, got " + lr);
        if (warmup < 0 || evalEvery < 0 || saveEvery < 0 || evalBatches < 1) throw new IllegalArgumentException("warmup/eval/save settings must be non-negative");
    }

    /** Small-model defaults: AdamW (0.9, 0.95), weight decay 0.1, clip 1.0, cosine to 10%. */
    public static TrainConfig defaults(int steps, int batch, int seqLen, double lr) {
        return new TrainConfig(steps, batch, seqLen, 1, lr, 0.1, Math.max(1, steps / 20), 0.1, 0.9, 0.95, 1.0, 1234,
                Math.max(1, steps / 10), 4, 0, false);
    }

    public TrainConfig withSaveEvery(int n) {
        return new TrainConfig(steps, batch, seqLen, accumulation, lr, minLrRatio, warmup, weightDecay, beta1, beta2, gradClip, seed, evalEvery, evalBatches, n, skipNonFinite);
    }

    public TrainConfig withSteps(int n) {
        return new TrainConfig(n, batch, seqLen, accumulation, lr, minLrRatio, warmup, weightDecay, beta1, beta2, gradClip, seed, evalEvery, evalBatches, saveEvery, skipNonFinite);
    }

    /** Linear warm-up to lr, then cosine decay to lr · minLrRatio at the last step. */
    public double lrAt(int step) {
        if (step < warmup) return lr * (step + 1) / warmup;
        double progress = steps <= warmup ? 1 : (double) (step - warmup) / Math.max(1, steps - 1 - warmup);
        double min = lr * minLrRatio;
        return min + 0.5 * (lr - min) * (1 + Math.cos(Math.PI * Math.min(1, progress)));
    }
}
