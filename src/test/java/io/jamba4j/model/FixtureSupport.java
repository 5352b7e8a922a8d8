package io.jamba4j.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jamba4j.format.Npy;
import io.jamba4j.format.NpyArray;
import io.jamba4j.generate.Sampler;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;

/** The llama.cpp reference fixtures copied into src/test/resources/fixtures (see their README). */
public final class FixtureSupport {
    private FixtureSupport() {}

    public static final String[] NAMES = {"A-tiny-dense", "B-hybrid-moe", "C-jamba-v0.1-like"};

    public static Path dir(String name) {
        try {
            return Path.of(FixtureSupport.class.getResource("/fixtures/" + name + "/README.md").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reference outputs: prompt tokens, greedy ids, prompt log-probs [T, V], decode log-probs [N, V]. */
    public record Reference(int[] tokens, int[] greedy, NpyArray logprobs, NpyArray genLogprobs) {}

    public static Reference reference(String name, String refDir) throws IOException {
        Path d = dir(name).resolve(refDir);
        JsonNode eval = new ObjectMapper().readTree(d.resolve("eval.json").toFile());
        return new Reference(ints(eval.get("tokens")), ints(eval.get("greedy")),
                Npy.read(d.resolve("logprobs.npy")), Npy.read(d.resolve("gen_logprobs.npy")));
    }

    /** What {@link #replay} measured: worst |Δ log-prob| over the prompt and over the decode steps, and the greedy ids. */
    public record Replay(double promptWorst, double decodeWorst, int[] greedy) {}

    /**
     * Runs the reference's prompt through {@code model} as one batch into {@code cache}, then decodes greedily one
     * token at a time for as many steps as the reference did, comparing every position's log-probabilities with it.
     */
    public static Replay replay(JambaModel model, Cache cache, Reference r) {
        int v = model.vocabSize();
        int T = r.tokens().length, N = r.greedy().length;
        Workspace ws = new Workspace();
        float[] logits = new float[T * v];
        model.forward(r.tokens(), 0, T, cache, ws, logits, true);
        float[] last = java.util.Arrays.copyOfRange(logits, (T - 1) * v, T * v);
        logSoftmax(logits, T, v);
        double worst = 0;
        for (int t = 0; t < T; t++) worst = Math.max(worst, maxAbsDiff(logits, t * v, r.logprobs().data(), t * v, v));

        int[] greedy = new int[N];
        int next = Sampler.argmax(last, 0, v);
        float[] row = new float[v];
        double worstGen = 0;
        for (int j = 0; j < N; j++) {
            greedy[j] = next;
            model.forward(new int[]{next}, 0, 1, cache, ws, row, false);
            next = Sampler.argmax(row, 0, v);
            logSoftmax(row, 1, v);
            worstGen = Math.max(worstGen, maxAbsDiff(row, 0, r.genLogprobs().data(), j * v, v));
        }
        return new Replay(worst, worstGen, greedy);
    }

    static int[] ints(JsonNode a) {
        int[] r = new int[a.size()];
        for (int i = 0; i < r.length; i++) r[i] = a.get(i).asInt();
        return r;
    }

    /** max |a − b| over n elements. */
    public static double maxAbsDiff(float[] a, int aOff, float[] b, int bOff, int n) {
        double m = 0;
        for (int i = 0; i < n; i++) m = Math.max(m, Math.abs((double) a[aOff + i] - b[bOff + i]));
        return m;
    }

    /** In place log-softmax of each row, in double. */
    public static void logSoftmax(float[] x, int rows, int v) {
        for (int r = 0; r < rows; r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < v; i++) max = Math.max(max, x[r * v + i]);
            double s = 0;
            for (int i = 0; i < v; i++) s += Math.exp(x[r * v + i] - max);
            double lse = max + Math.log(s);
            for (int i = 0; i < v; i++) x[r * v + i] = (float) (x[r * v + i] - lse);
        }
    }
}
