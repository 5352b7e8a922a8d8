package io.jamba4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jamba4j.Jamba;
import io.jamba4j.kernels.KernelBench;
import io.jamba4j.kernels.Parallel;
import io.jamba4j.model.JambaConfig;
import io.jamba4j.model.ModelLoader;
import io.jamba4j.train.AdamW;
import io.jamba4j.model.Flops;
import io.jamba4j.train.Gradients;
import io.jamba4j.train.Presets;
import io.jamba4j.train.TrainingModel;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

@Command(name = "bench-train", description = {
        "Training throughput: full steps (forward, backward, AdamW) on random token batches of a model shape, after warm-up",
        "steps. Reports tokens/s, the model FLOPs of forward+backward (3x the forward, see train/Flops) as GFLOP/s, and",
        "that as a fraction of the fp32 FMA peak measured in the same run. Prints one JSON line."})
final class TrainBenchCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    static final class Shape {
        @Option(names = "--config", description = "An HF config.json.") Path config;
        @Option(names = "--preset", description = "A preset name (see `jamba train --help`).") String preset;
        @Option(names = "--model", description = "A model directory or .gguf whose config is used (default: the bundled model).") Path model;
    }

    @ArgGroup(exclusive = true) Shape shape;
    @Option(names = "--vocab-size", defaultValue = "8192", description = "Vocabulary size for --preset (default: ${DEFAULT-VALUE}).") int vocab;
    @Option(names = "--batch", defaultValue = "8") int batch;
    @Option(names = "--seq-len", defaultValue = "256") int seqLen;
    @Option(names = "--steps", defaultValue = "5", description = "Timed steps (default: ${DEFAULT-VALUE}).") int steps;
    @Option(names = "--warmup", defaultValue = "2", description = "Untimed warm-up steps (default: ${DEFAULT-VALUE}).") int warmup;
    @Option(names = "--no-peak", description = "Skip the FMA peak probe.") boolean noPeak;

    @Override
    public Integer call() throws Exception {
        var simd = Main.simdCheck(main.noSimdCheck);
        JambaConfig c;
        String name;
        if (shape != null && shape.config != null) {
            c = JambaConfig.fromJson(shape.config);
            name = shape.config.toString();
        } else if (shape != null && shape.preset != null) {
            c = Presets.get(shape.preset, vocab);
            name = shape.preset;
        } else {
            Path m = shape != null && shape.model != null ? shape.model : Jamba.defaultModelPath();
            if (m == null) throw new IllegalArgumentException("no --config, --preset or --model, and the bundled default model was not found");
            try (ModelLoader.Checkpoint ck = ModelLoader.open(m, io.jamba4j.format.Residency.MAPPED)) {
                c = ck.config();
            }
            name = m.toString();
        }
        simd.join();
        TrainingModel model = TrainingModel.randomInit(c, 7);
        Gradients g = model.newGradients();
        AdamW opt = new AdamW(1e-4, 0.9, 0.95, 1e-8, 0.1);
        SplittableRandom r = new SplittableRandom(99);
        int[][] tokens = new int[batch][seqLen + 1];
        double best = Double.MAX_VALUE, sum = 0, fwdBest = Double.MAX_VALUE;
        for (int i = 0; i < warmup + steps; i++) {
            for (int[] row : tokens) for (int t = 0; t < row.length; t++) row[t] = 3 + r.nextInt(c.vocabSize - 3);
            long a = System.nanoTime();
            g.zero();
            model.lossAndGrad(tokens, g);
            opt.step(model, g);
            long b = System.nanoTime();
            model.loss(tokens);
            long e = System.nanoTime();
            if (i >= warmup) {
                best = Math.min(best, (b - a) / 1e9);
                sum += (b - a) / 1e9;
                fwdBest = Math.min(fwdBest, (e - b) / 1e9);
            }
        }
        double tok = (double) batch * seqLen;
        double flopsTok = Flops.trainingPerToken(c, seqLen);
        double gflops = tok * flopsTok / best / 1e9;
        ObjectNode o = new ObjectMapper().createObjectNode();
        o.put("shape", name);
        o.put("engine", "jamba4j");
        o.put("params", c.totalParams());
        o.put("active_params", c.activeParams());
        o.put("threads", Parallel.threads());
        o.put("batch", batch);
        o.put("seq_len", seqLen);
        o.put("steps", steps);
        o.put("step_s_best", round(best, 4));
        o.put("step_s_mean", round(sum / steps, 4));
        o.put("train_tok_s", round(tok / best, 1));
        o.put("forward_tok_s", round(tok / fwdBest, 1));
        o.put("train_gflop_per_token", round(flopsTok / 1e9, 5));
        o.put("train_gflop_s", round(gflops, 1));
        o.put("forward_gflop_s", round(tok * Flops.forwardPerToken(c, seqLen) / fwdBest / 1e9, 1));
        if (!noPeak) {
            double peak = KernelBench.fmaPeak();
            o.put("fma_peak_gflop_s", round(peak, 1));
            o.put("train_fraction_of_peak", round(gflops / peak, 3));
        }
        System.out.println(o);
        return 0;
    }

    private static double round(double v, int digits) {
        double s = Math.pow(10, digits);
        return Math.round(v * s) / s;
    }
}
