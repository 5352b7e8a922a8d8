package io.jamba4j.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jamba4j.format.SafetensorsCheckpoint;
import io.jamba4j.format.SafetensorsWriter;
import io.jamba4j.model.CheckpointWriter;
import io.jamba4j.model.ModelLoader;
import io.jamba4j.tensor.GgmlType;
import io.jamba4j.tensor.Tensor;
import io.jamba4j.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A training checkpoint: an HF model directory (config.json, model.safetensors, tokenizer files — what the inference
 * engine loads and {@code jamba convert --to gguf} converts) plus the training state: {@code optimizer.safetensors}
 * (AdamW moments, float32) and {@code trainer.json} (step, optimizer step count, the run's settings).
 *
 * <p>Written atomically: everything goes into {@code OUT/checkpoint-STEP.tmp}, which is renamed to
 * {@code OUT/checkpoint-STEP} when complete; then the pointer file {@code OUT/latest} is replaced (temp file + rename).
 * A run killed at any moment leaves the previous checkpoint intact and {@code latest} pointing at a complete directory.
 */
public final class TrainingCheckpoint {
    private TrainingCheckpoint() {}

    /** What a resumed run needs. */
    public record State(Path dir, TrainingModel model, int step, int optimizerSteps,
                        Map<String, float[]> m, Map<String, float[]> v, ObjectNode trainer) {}

    public static Path save(Path out, int step, TrainingModel model, AdamW opt, Tokenizer tok, ObjectNode trainerInfo) throws IOException {
        Files.createDirectories(out);
        Path tmp = out.resolve("checkpoint-" + step + ".tmp");
        deleteRecursively(tmp);
        CheckpointWriter.writeHf(model.config(), model.parameters().asWeightSet("training step " + step), tok, GgmlType.F32, tmp, Long.MAX_VALUE);
        SafetensorsWriter w = new SafetensorsWriter();
        for (var e : opt.firstMoments().entrySet()) w.add(Tensor.ofFloats("m." + e.getKey(), e.getValue(), e.getValue().length));
        for (var e : opt.secondMoments().entrySet()) w.add(Tensor.ofFloats("v." + e.getKey(), e.getValue(), e.getValue().length));
        if (!opt.firstMoments().isEmpty()) w.write(tmp.resolve("optimizer.safetensors"));
        ObjectNode t = trainerInfo.deepCopy();
        t.put("step", step);
        t.put("optimizer_steps", opt.steps());
        Files.writeString(tmp.resolve("trainer.json"), t.toPrettyString());
        Path dir = out.resolve("checkpoint-" + step);
        deleteRecursively(dir);
        Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
        Path latestTmp = out.resolve("latest.tmp");
        Files.writeString(latestTmp, dir.getFileName().toString() + "\n");
        Files.move(latestTmp, out.resolve("latest"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return dir;
    }

    /** The checkpoint {@code OUT/latest} points at, or null when the directory holds none. */
    public static State loadLatest(Path out) throws IOException {
        Path latest = out.resolve("latest");
        if (!Files.isRegularFile(latest)) return null;
        Path dir = out.resolve(Files.readString(latest).strip());
        if (!Files.isDirectory(dir)) throw new IOException(latest + " points at " + dir + ", which does not exist");
        return load(dir);
    }

    public static State load(Path dir) throws IOException {
        ObjectNode trainer = (ObjectNode) new ObjectMapper().readTree(dir.resolve("trainer.json").toFile());
        TrainingModel model;
        try (ModelLoader.Checkpoint ck = ModelLoader.openHf(dir, io.jamba4j.format.Residency.MAPPED)) {
            model = TrainingModel.of(ck.config(), ck.weights());
        }
        Map<String, float[]> m = new HashMap<>(), v = new HashMap<>();
        Path opt = dir.resolve("optimizer.safetensors");
        if (Files.exists(opt)) {
            try (SafetensorsCheckpoint st = SafetensorsCheckpoint.open(opt)) {
                for (var e : st.tensors().entrySet()) {
                    String n = e.getKey();
                    (n.startsWith("m.") ? m : v).put(n.substring(2), e.getValue().toFloats());
                }
            }
        }
        return new State(dir, model, trainer.path("step").asInt(), trainer.path("optimizer_steps").asInt(), m, v, trainer);
    }

    static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(q);
        }
    }
}
