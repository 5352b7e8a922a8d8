package io.jamba4j.cli;

import io.jamba4j.generate.SamplingParams;
import io.jamba4j.generate.Session;
import io.jamba4j.model.JambaConfig;
import io.jamba4j.model.ModelException;
import io.jamba4j.tokenizer.Tokenizer;
import io.jamba4j.tokenizer.Tokenizers;
import io.jamba4j.train.LossCurve;
import io.jamba4j.train.Presets;
import io.jamba4j.train.TokenShards;
import io.jamba4j.train.TrainConfig;
import io.jamba4j.train.Trainer;
import io.jamba4j.train.TrainingModel;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "train", description = {
        "Train a Jamba model from scratch (or continue a run with --resume) on token shards from `jamba data prepare`.",
        "Writes OUT/checkpoint-STEP (HF model + optimizer state, atomically), OUT/latest, OUT/train_log.csv, OUT/loss_curve.png."})
final class TrainCommand implements Callable<Integer> {
    static final class Shape {
        @Option(names = "--config", description = "An HF config.json for the model.")
        Path config;
        @Option(names = "--preset", description = "A named shape: ${COMPLETION-CANDIDATES}.", completionCandidates = PresetNames.class)
        String preset;
    }

    static final class PresetNames extends java.util.ArrayList<String> {
        PresetNames() {
            super(java.util.List.of(Presets.NAMES));
        }
    }

    @ArgGroup(exclusive = true)
    Shape shape;
    @Option(names = "--data", required = true, description = "A directory from `jamba data prepare` (train.bin, val.bin, meta.json).")
    Path data;
    @Option(names = "--tokenizer", required = true, description = "The tokenizer the data was prepared with (saved with every checkpoint).")
    Path tokenizer;
    @Option(names = "--out", required = true, description = "Output directory.")
    Path out;
    @Option(names = "--resume", description = "Continue the run saved in --out.")
    boolean resume;
    @Option(names = "--steps", defaultValue = "1000") int steps;
    @Option(names = "--batch", defaultValue = "8") int batch;
    @Option(names = "--seq-len", defaultValue = "256") int seqLen;
    @Option(names = "--accum", defaultValue = "1", description = "Gradient accumulation micro-batches per step.") int accum;
    @Option(names = "--lr", defaultValue = "3e-3") double lr;
    @Option(names = "--min-lr-ratio", defaultValue = "0.1") double minLrRatio;
    @Option(names = "--warmup", description = "Warm-up steps (default: steps/20).") Integer warmup;
    @Option(names = "--weight-decay", defaultValue = "0.1") double weightDecay;
    @Option(names = "--clip", defaultValue = "1.0", description = "Global gradient-norm clip (0 = off).") double clip;
    @Option(names = "--seed", defaultValue = "1234") long seed;
    @Option(names = "--eval-every", defaultValue = "100") int evalEvery;
    @Option(names = "--eval-batches", defaultValue = "8") int evalBatches;
    @Option(names = "--save-every", defaultValue = "200") int saveEvery;
    @Option(names = "--skip-nonfinite", description = "Skip steps with NaN/Inf loss or gradients instead of stopping.") boolean skipNonFinite;
    @Option(names = "--sample-prompt", defaultValue = "The", description = "Prompt of the sample generated at each validation.") String samplePrompt;

    @Override
    public Integer call() throws Exception {
        Tokenizer tok = Tokenizers.fromHf(tokenizer);
        TrainConfig cfg = new TrainConfig(steps, batch, seqLen, accum, lr, minLrRatio, warmup != null ? warmup : Math.max(1, steps / 20),
                weightDecay, 0.9, 0.95, clip, seed, evalEvery, evalBatches, saveEvery, skipNonFinite);
        try (TokenShards d = TokenShards.open(data)) {
            Trainer trainer = resume ? Trainer.resume(out, d, cfg, tok) : null;
            if (resume && trainer == null) throw new ModelException(out + ": nothing to resume (no 'latest' checkpoint)");
            if (trainer == null) {
                if (shape == null) throw new ModelException("give --config or --preset for a new run");
                JambaConfig c = shape.config != null ? JambaConfig.fromJson(shape.config) : Presets.get(shape.preset, tok.vocabSize());
                if (tok.vocabSize() > c.vocabSize) throw new ModelException("the tokenizer has " + tok.vocabSize() + " tokens, more than vocab_size " + c.vocabSize);
                trainer = new Trainer(TrainingModel.randomInit(c, seed), d, cfg, out, tok);
            }
            JambaConfig c = trainer.model().config();
            System.err.printf("model: %,d parameters, %s; data: %,d training tokens; from step %d to %d%n",
                    c.totalParams(), c.scheduleDiagram(), d.trainTokens(), trainer.step(), steps);
            Trainer t = trainer;
            try (ProgressBar pb = new ProgressBarBuilder().setTaskName("train").setInitialMax(steps).setStyle(ProgressBarStyle.ASCII)
                    .setUpdateIntervalMillis(500).continuousUpdate().showSpeed().build()) {
                pb.stepTo(trainer.step());
                trainer.run(steps, (step, total, loss, rate, norm, tps, val) -> {
                    pb.stepTo(step);
                    pb.setExtraMessage(String.format("loss %.3f%s | %.0f tok/s", loss, val == null ? "" : String.format(" val %.3f", val), tps));
                    if (val != null) {
                        Session s = new Session(t.model().model(), tok, 64, tok.eosId().stream().toArray());
                        String sample = s.generate(samplePrompt, SamplingParams.greedy(24), null).text();
                        pb.pause();
                        System.err.printf("%nstep %d: train loss %.4f, val loss %.4f (ppl %.1f), lr %.2e | %s%s%n", step, loss, val, Math.exp(val), rate,
                                samplePrompt, sample.replace('\n', ' '));
                        pb.resume();
                    }
                });
            }
            LossCurve.write(out.resolve("train_log.csv"), out.resolve("loss_curve.png"), "jamba4j training: " + c.scheduleDiagram());
            System.err.println("wrote " + out.resolve("latest") + ", " + out.resolve("loss_curve.png"));
        }
        return 0;
    }
}
