package io.jamba4j.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jamba4j.tokenizer.Tokenizer;

import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;

/**
 * The training loop: AdamW with linear warm-up + cosine decay, global gradient-norm clipping, gradient accumulation,
 * periodic validation, atomic checkpoints that resume exactly, and a CSV log ({@code OUT/train_log.csv}).
 *
 * <p>Determinism: the batch of step s is drawn from a generator seeded by (seed, s), and validation uses fixed
 * windows, so no random-generator state needs saving: a run resumed from a checkpoint of step n does exactly what
 * the uninterrupted run did from step n on (the kernels are deterministic for a given thread count).
 *
 * <p>A NaN/Inf loss or gradient stops the run with a message naming the step, before anything is written (or skips
 * that step when configured); a poisoned checkpoint is never saved.
 */
public final class Trainer {
    /** Progress callback, once per step. */
    public interface Listener {
        void onStep(int step, int totalSteps, double loss, double lr, double gradNorm, double tokensPerSecond, Double valLoss);
    }

    private final TrainingModel model;
    private final TokenShards data;
    private final TrainConfig cfg;
    private final Path out;
    private final Tokenizer tokenizer;
    private final AdamW opt;
    private int step;

    /** A fresh run from {@code model}'s current weights, or a resumed one (see {@link #resume}). */
    public Trainer(TrainingModel model, TokenShards data, TrainConfig cfg, Path out, Tokenizer tokenizer) {
        this(model, data, cfg, out, tokenizer, new AdamW(cfg.lr(), cfg.beta1(), cfg.beta2(), 1e-8, cfg.weightDecay()), 0);
    }

    private Trainer(TrainingModel model, TokenShards data, TrainConfig cfg, Path out, Tokenizer tokenizer, AdamW opt, int step) {
        if (data.vocabSize() > model.config().vocabSize) {
            throw new IllegalArgumentException("the data's vocabulary (" + data.vocabSize() + ") is larger than the model's (" + model.config().vocabSize + ")");
        }
        this.model = model;
        this.data = data;
        this.cfg = cfg;
        this.out = out;
        this.tokenizer = tokenizer;
        this.opt = opt;
        this.step = step;
    }

    /** Continues the run saved in {@code out} (its latest checkpoint), or null when there is none. */
    public static Trainer resume(Path out, TokenShards data, TrainConfig cfg, Tokenizer tokenizer) throws IOException {
        TrainingCheckpoint.State s = TrainingCheckpoint.loadLatest(out);
        if (s == null) return null;
        AdamW opt = new AdamW(cfg.lr(), cfg.beta1(), cfg.beta2(), 1e-8, cfg.weightDecay());
        opt.restore(s.optimizerSteps(), s.m(), s.v());
        return new Trainer(s.model(), data, cfg, out, tokenizer, opt, s.step());
    }

    public int step() { return step; }
    public TrainingModel model() { return model; }

    /** Trains until step {@code until} (at most the configured number of steps) and checkpoints at the end. */
    public void run(int until, Listener listener) throws IOException {
        int end = Math.min(until, cfg.steps());
        Gradients g = model.newGradients();
        Path log = out.resolve("train_log.csv");
        Files.createDirectories(out);
        if (!Files.exists(log)) Files.writeString(log, "step,lr,loss,grad_norm,val_loss,tokens_per_s\n");
        else dropLogRowsAfter(log, step);
        while (step < end) {
            long t0 = System.nanoTime();
            g.zero();
            double loss = 0;
            SplittableRandom rng = new SplittableRandom(cfg.seed() * 0x9E3779B97F4A7C15L + step);
            for (int micro = 0; micro < cfg.accumulation(); micro++) {
                int[][] batch = new int[cfg.batch()][];
                for (int b = 0; b < batch.length; b++) batch[b] = data.randomWindow(false, cfg.seqLen() + 1, rng);
                loss += model.lossAndGrad(batch, g);
            }
            loss /= cfg.accumulation();
            if (cfg.accumulation() > 1) g.scale(1f / cfg.accumulation());
            double norm = g.norm();
            if (!Double.isFinite(loss) || !Double.isFinite(norm)) {
                String what = "step " + (step + 1) + ": " + (!Double.isFinite(loss) ? "loss is " + loss : "gradient norm is " + norm);
                if (!cfg.skipNonFinite()) throw new NonFiniteException(what + "; stopping without saving (the last checkpoint is intact)");
                System.err.println("train: " + what + "; skipping the step");
                step++;
                continue;
            }
            if (cfg.gradClip() > 0 && norm > cfg.gradClip()) g.scale((float) (cfg.gradClip() / norm));
            double lr = cfg.lrAt(step);
            opt.setLr(lr);
            opt.step(model, g);
            step++;
            Double val = null;
            if (step == end || cfg.evalEvery() > 0 && step % cfg.evalEvery() == 0) val = validationLoss();
            double tps = (double) cfg.batch() * cfg.accumulation() * cfg.seqLen() / ((System.nanoTime() - t0) / 1e9);
            Files.writeString(log, String.format(java.util.Locale.ROOT, "%d,%.6g,%.6f,%.6f,%s,%.1f%n", step, lr, loss, norm,
                    val == null ? "" : String.format(java.util.Locale.ROOT, "%.6f", val), tps), StandardOpenOption.APPEND);
            if (listener != null) listener.onStep(step, cfg.steps(), loss, lr, norm, tps, val);
            if (cfg.saveEvery() > 0 && step % cfg.saveEvery() == 0 && step != end) save();
        }
        save();
    }

    /**
     * Removes the rows of steps after {@code step} (written by a run that was stopped before its next checkpoint), so
     * that a resumed run's log has each step once. Rewritten through a temporary file and an atomic rename.
     */
    static void dropLogRowsAfter(Path log, int step) throws IOException {
        List<String> lines = Files.readAllLines(log);
        List<String> keep = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (i > 0 && !line.isBlank()) {
                int comma = line.indexOf(',');
                try {
                    if (Integer.parseInt(comma < 0 ? line : line.substring(0, comma)) > step) continue;
                } catch (NumberFormatException e) {
                    throw new IOException(log + ": line " + (i + 1) + " does not start with a step number: '" + line + "'");
                }
            }
            keep.add(line);
        }
        if (keep.size() == lines.size()) return;
        Path tmp = log.resolveSibling(log.getFileName() + ".tmp");
        Files.write(tmp, keep);
        Files.move(tmp, log, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Mean loss over fixed validation windows (the same windows every time). */
    public double validationLoss() {
        SplittableRandom rng = new SplittableRandom(cfg.seed() ^ 0x5DEECE66DL);
        double sum = 0;
        for (int i = 0; i < cfg.evalBatches(); i++) {
            int[][] batch = new int[cfg.batch()][];
            for (int b = 0; b < batch.length; b++) batch[b] = data.randomWindow(true, cfg.seqLen() + 1, rng);
            sum += model.loss(batch);
        }
        return sum / cfg.evalBatches();
    }

    private void save() throws IOException {
        ObjectNode info = new ObjectMapper().valueToTree(cfg);
        TrainingCheckpoint.save(out, step, model, opt, tokenizer, info);
    }

    /** A NaN or infinite loss or gradient. */
    public static final class NonFiniteException extends RuntimeException {
        public NonFiniteException(String message) {
            super(message);
        }
    }
}
