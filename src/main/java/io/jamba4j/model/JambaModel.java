package io.jamba4j.model;

import io.jamba4j.kernels.GradKernels;
import io.jamba4j.kernels.MatMul;
import io.jamba4j.tensor.Tensor;
import io.jamba4j.train.Gradients;

import java.util.List;

/**
 * The Jamba decoder: token embedding (no positional encoding), the layer stack, the final RMSNorm and the LM head
 * (spec §4.1). Immutable and shareable between threads; per-sequence state lives in a {@link Cache} and scratch
 * memory in a {@link Workspace}.
 */
public final class JambaModel {
    /** Prompts are evaluated in chunks of at most this many tokens (state carries across chunks). */
    public static final int DEFAULT_CHUNK = 512;

    private final JambaConfig config;
    private final Tensor embedTokens; // [V, H]
    private final List<JambaLayer> layers;
    private final RMSNorm finalNorm;
    private final Tensor lmHead;      // [V, H]; the embedding when tied

    public JambaModel(JambaConfig config, Tensor embedTokens, List<JambaLayer> layers, RMSNorm finalNorm, Tensor lmHead) {
        this.config = config;
        this.embedTokens = embedTokens;
        this.layers = List.copyOf(layers);
        this.finalNorm = finalNorm;
        this.lmHead = lmHead;
    }

    public JambaConfig config() { return config; }
    public List<JambaLayer> layers() { return layers; }
    public Tensor embedTokens() { return embedTokens; }
    public Tensor lmHead() { return lmHead; }
    public int vocabSize() { return config.vocabSize; }

    /** A fresh per-sequence cache able to hold {@code contextSize} tokens. */
    public Cache newCache(int contextSize) {
        return new Cache(config, contextSize);
    }

    /** A fresh per-sequence cache able to hold {@code contextSize} tokens, with K and V stored as {@code kvType}. */
    public Cache newCache(int contextSize, KvType kvType) {
        return new Cache(config, contextSize, kvType);
    }

    /**
     * Feeds {@code T} tokens ({@code tokens[off .. off+T)}) after what {@code cache} holds and advances the cache.
     * Logits: if {@code allRows}, T rows of V floats (row t = distribution of the token after tokens[off+t]) are
     * written to {@code logits}; otherwise only the last row. {@code logits} may be null to skip the head.
     */
    public void forward(int[] tokens, int off, int T, Cache cache, Workspace ws, float[] logits, boolean allRows) {
        if (T <= 0) throw new ModelException("nothing to evaluate: the token list is empty");
        if (T > cache.remaining()) {
            throw new ModelException("context full: " + cache.position() + " cached + " + T + " new tokens exceeds the context size " + cache.capacity());
        }
        int v = config.vocabSize;
        for (int i = 0; i < T; i++) {
            int id = tokens[off + i];
            if (id < 0 || id >= v) throw new ModelException("token id " + id + " at position " + i + " is outside the vocabulary [0, " + v + ")");
        }
        int h = config.hiddenSize;
        StepProfile profile = ws.profile();
        for (int start = 0; start < T; start += DEFAULT_CHUNK) {
            int n = Math.min(DEFAULT_CHUNK, T - start);
            float[] hidden = ws.get(Workspace.Slot.HIDDEN, n * h);
            long t = profile == null ? 0 : profile.begin();
            for (int t1 = 0; t1 < n; t1++) embedTokens.rowToFloats(tokens[off + start + t1], hidden, t1 * h);
            if (profile != null) profile.end(StepProfile.Part.EMBEDDING, t);
            int position = cache.position();
            for (JambaLayer layer : layers) layer.forward(hidden, n, position, cache, ws);
            cache.advance(n);
            if (logits == null) continue;
            t = profile == null ? 0 : System.nanoTime();
            head(hidden, n, start, T, logits, allRows, ws);
            if (profile != null) profile.end(StepProfile.Part.HEAD, t);
        }
    }

    /** The final norm and the output product of chunk [start, start + n) of a pass over T tokens (see forward). */
    private void head(float[] hidden, int n, int start, int T, float[] logits, boolean allRows, Workspace ws) {
        int h = config.hiddenSize;
        if (allRows) {
            float[] normed = ws.get(Workspace.Slot.NORMED, n * h);
            finalNorm.forward(hidden, normed, n);
            MatMul.matmul(lmHead, normed, 0, n, logits, start * config.vocabSize);
        } else if (start + n == T) {
            float[] normed = ws.get(Workspace.Slot.NORMED, h);
            finalNorm.forward(hidden, (n - 1) * h, normed, 0);
            MatMul.matmul(lmHead, normed, 0, 1, logits, 0);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Training

    public RMSNorm finalNorm() {
        return finalNorm;
    }

    /** Saved values of a whole-model training forward over B sequences of S tokens. */
    public static final class TrainState {
        int[] tokens;
        int batch, seq;
        JambaLayer.Activations[] layers;
        float[] hFinal, normed, rstd;
        /** B·S rows of V logits (row b·S + t predicts the token after tokens[b·S + t]). */
        public float[] logits;

        public JambaLayer.Activations layer(int i) {
            return layers[i];
        }
    }

    /**
     * The training forward: {@code tokens} holds B sequences of S tokens back to back, each a fresh sequence (empty
     * cache). Saves what {@link #backward} needs; the Mamba scans checkpoint their state every {@code scanChunk} tokens.
     */
    public TrainState forwardTrain(int[] tokens, int B, int S, int scanChunk) {
        int T = B * S, h = config.hiddenSize, v = config.vocabSize;
        if (tokens.length != T) throw new IllegalArgumentException(tokens.length + " tokens for " + B + " × " + S);
        TrainState s = new TrainState();
        s.tokens = tokens.clone();
        s.batch = B;
        s.seq = S;
        float[] hidden = new float[T * h];
        for (int t = 0; t < T; t++) {
            int id = tokens[t];
            if (id < 0 || id >= v) throw new ModelException("token id " + id + " is outside the vocabulary [0, " + v + ")");
            embedTokens.rowToFloats(id, hidden, t * h);
        }
        s.layers = new JambaLayer.Activations[layers.size()];
        for (int l = 0; l < layers.size(); l++) {
            float[] next = new float[T * h];
            s.layers[l] = layers.get(l).forwardTrain(hidden, next, B, S, scanChunk);
            hidden = next;
        }
        s.hFinal = hidden;
        s.normed = new float[T * h];
        s.rstd = new float[T];
        finalNorm.forwardTrain(hidden, s.normed, T, h, 0, s.rstd, 0);
        s.logits = new float[T * v];
        MatMul.matmul(lmHead, s.normed, 0, T, s.logits, 0);
        return s;
    }

    /**
     * Backward from ∂L/∂logits (same layout as {@code s.logits}) through the head, the final norm, every layer and the
     * embedding; accumulates into g (a tied head and embedding share one gradient).
     */
    public void backward(TrainState s, float[] dLogits, Gradients g) {
        int T = s.batch * s.seq, h = config.hiddenSize, v = config.vocabSize;
        float[] dNormed = new float[T * h];
        GradKernels.matmulDx(dLogits, 0, T, GradKernels.floats(lmHead), v, h, dNormed, 0);
        GradKernels.matmulDw(dLogits, 0, T, s.normed, 0, v, h, g.of(lmHead));
        float[] dh = new float[T * h];
        finalNorm.backward(s.hFinal, s.rstd, 0, dNormed, dh, g.of(finalNorm.weight()), T, h, 0);
        for (int l = layers.size() - 1; l >= 0; l--) layers.get(l).backward(s.layers[l], dh, g);
        // nn.Embedding(padding_idx = pad_token_id): the padding row gets no gradient from the lookup (a tied head still
        // contributes to it above, as in PyTorch)
        float[] dEmbed = g.of(embedTokens);
        for (int t = 0; t < T; t++) {
            if (s.tokens[t] != config.padTokenId) GradKernels.add(dh, t * h, dEmbed, s.tokens[t] * h, h);
        }
    }
}
