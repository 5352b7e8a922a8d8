package io.jamba4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jamba4j.Jamba;
import io.jamba4j.format.Npy;
import io.jamba4j.generate.Sampler;
import io.jamba4j.generate.Session;
import io.jamba4j.model.ModelException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "logits", description = {
        "Evaluate token ids as one prefill and write log-probabilities (the fixtures' ref/ layout):",
        "  DIR/logprobs.npy      float32 [T, vocab], row t = log-softmax of the distribution of token t+1",
        "  DIR/greedy.json       N greedy ids decoded one at a time with the cache (--greedy N)",
        "  DIR/gen_logprobs.npy  float32 [N, vocab], row j after feeding greedy[j]"})
final class LogitsCommand implements Callable<Integer> {
    @Mixin
    ModelOption model;

    @Option(names = "--ids", required = true, description = "A JSON array of token ids (or an object with a 'tokens' array).")
    Path idsFile;

    @Option(names = "--out", required = true, description = "Output directory.")
    Path out;

    @Option(names = "--greedy", description = "Greedy decode steps after the prompt (default: ${DEFAULT-VALUE}).", defaultValue = "0")
    int greedy;

    @Mixin
    KvTypeOption kv;

    @Override
    public Integer call() throws Exception {
        int[] ids = readIds(idsFile);
        try (Jamba j = model.load()) {
            int v = j.config().vocabSize;
            Session s = j.newSession(ids.length + greedy, kv.type);
            float[] logits = s.evaluateAll(ids);
            Files.createDirectories(out);
            logSoftmaxRows(logits, ids.length, v);
            Npy.writeFloat32(out.resolve("logprobs.npy"), logits, ids.length, v);
            if (greedy > 0) {
                float[] last = new float[v];
                System.arraycopy(logits, (ids.length - 1) * v, last, 0, v);
                int[] tokens = new int[greedy];
                float[] gen = new float[greedy * v];
                int next = Sampler.argmax(last, 0, v);
                for (int k = 0; k < greedy; k++) {
                    tokens[k] = next;
                    float[] row = s.step(next);
                    System.arraycopy(row, 0, gen, k * v, v);
                    next = Sampler.argmax(row, 0, v);
                }
                logSoftmaxRows(gen, greedy, v);
                Npy.writeFloat32(out.resolve("gen_logprobs.npy"), gen, greedy, v);
                new ObjectMapper().writeValue(out.resolve("greedy.json").toFile(), tokens);
            }
        }
        return 0;
    }

    static int[] readIds(Path file) throws java.io.IOException {
        JsonNode n;
        try {
            n = new ObjectMapper().readTree(file.toFile());
        } catch (java.io.IOException e) {
            throw new ModelException(file + ": not valid JSON: " + e.getMessage());
        }
        if (n != null && n.isObject()) n = n.get("tokens");
        if (n == null || !n.isArray()) throw new ModelException(file + ": expected a JSON array of token ids");
        int[] ids = new int[n.size()];
        for (int i = 0; i < ids.length; i++) {
            if (!n.get(i).canConvertToInt()) throw new ModelException(file + ": entry " + i + " (" + n.get(i) + ") is not an integer token id");
            ids[i] = n.get(i).asInt();
        }
        if (ids.length == 0) throw new ModelException(file + ": the id list is empty");
        return ids;
    }

    /** In place: each row of {@code v} floats becomes log_softmax(row), accumulated in double. */
    static void logSoftmaxRows(float[] x, int rows, int v) {
        for (int r = 0; r < rows; r++) {
            int o = r * v;
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < v; i++) max = Math.max(max, x[o + i]);
            double sum = 0;
            for (int i = 0; i < v; i++) sum += Math.exp(x[o + i] - max);
            double lse = max + Math.log(sum);
            for (int i = 0; i < v; i++) x[o + i] = (float) (x[o + i] - lse);
        }
    }
}
