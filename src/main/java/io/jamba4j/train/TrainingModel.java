package io.jamba4j.train;

import io.jamba4j.model.JambaConfig;
import io.jamba4j.model.JambaLayer;
import io.jamba4j.model.JambaModel;
import io.jamba4j.model.ModelBuilder;
import io.jamba4j.model.MambaMixer;
import io.jamba4j.model.MoE;
import io.jamba4j.model.RandomInit;
import io.jamba4j.model.WeightSet;
import io.jamba4j.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * A Jamba model whose weights are trainable float32 {@link Parameters}: the inference blocks ({@link #model()}) are
 * built directly on the parameter arrays, so inference always sees the current weights (after changing A_log call
 * {@link #syncDerived()}, which refreshes the mixers' A = −exp(A_log)).
 *
 * <p>{@link #lossAndGrad} runs the training forward over a batch, the mean next-token cross-entropy plus
 * router_aux_loss_coef·L_aux (spec §6.3, when the model has MoE layers), and the backward pass.
 */
public final class TrainingModel {
    private final JambaConfig config;
    private final Parameters params;
    private final JambaModel model;
    private final List<MambaMixer> mambas = new ArrayList<>();
    private final List<String> aLogNames = new ArrayList<>();
    private int scanChunk = 64;
    private int ignoreIndex = CrossEntropy.IGNORE_INDEX;
    private double auxCoef;
    private double lastCe, lastAux;
    JambaModel.TrainState lastState; // for tests: the saved activations of the last call

    private TrainingModel(JambaConfig c, Parameters p) {
        this.config = c;
        this.params = p;
        this.auxCoef = c.routerAuxLossCoef;
        this.model = build(c, p);
        syncDerived();
    }

    /** HF random initialisation (spec §6.1) as trainable parameters. */
    public static TrainingModel randomInit(JambaConfig c, long seed) {
        return of(c, RandomInit.create(c, seed));
    }

    /** Trainable float32 copies of {@code w} (a GGUF-style A is converted back to A_log = ln(−A)). */
    public static TrainingModel of(JambaConfig c, WeightSet w) {
        Parameters p = new Parameters();
        for (var e : w.tensors().entrySet()) {
            String name = e.getKey();
            Tensor t = e.getValue();
            if (name.endsWith(".mamba.A")) {
                float[] a = t.toFloats();
                for (int i = 0; i < a.length; i++) a[i] = (float) Math.log(-(double) a[i]);
                p.add(name.substring(0, name.length() - 1) + "A_log", a, t.shape());
            } else {
                p.add(name, t.toFloats(), t.shape());
            }
        }
        return new TrainingModel(c, p);
    }

    public JambaConfig config() { return config; }
    public Parameters parameters() { return params; }
    /** The inference model computing with the parameter arrays. */
    public JambaModel model() { return model; }

    /** Tokens per recomputation chunk of the Mamba scan backward (default 64). */
    public TrainingModel scanChunk(int chunk) {
        if (chunk <= 0) throw new IllegalArgumentException("chunk = " + chunk);
        this.scanChunk = chunk;
        return this;
    }

    /** Target id that does not count in the cross-entropy (default −100). */
    public TrainingModel ignoreIndex(int id) {
        this.ignoreIndex = id;
        return this;
    }

    /** Weight of L_aux in the loss (default: the config's router_aux_loss_coef). */
    public TrainingModel auxLossCoef(double coef) {
        this.auxCoef = coef;
        return this;
    }

    /** A zeroed gradient set for this model's parameters (with the A = −exp(A_log) arrays mapped to A_log). */
    public Gradients newGradients() {
        Gradients g = new Gradients(params);
        for (int i = 0; i < mambas.size(); i++) g.alias(mambas.get(i).aArray(), aLogNames.get(i));
        return g;
    }

    /** Recomputes the values blocks derive from parameters (A = −exp(A_log)) after an update. */
    public void syncDerived() {
        for (int i = 0; i < mambas.size(); i++) {
            float[] aLog = params.get(aLogNames.get(i));
            float[] a = mambas.get(i).aArray();
            for (int j = 0; j < a.length; j++) a[j] = (float) -Math.exp(aLog[j]);
            mambas.get(i).refreshDerived();
        }
    }

    /** The cross-entropy of the last {@link #lossAndGrad} / {@link #loss} call. */
    public double lastCrossEntropy() { return lastCe; }

    /** L_aux (unscaled) of the last call; 0 without MoE layers. */
    public double lastAuxLoss() { return lastAux; }

    /**
     * B sequences of S+1 tokens: inputs are tokens [0, S), targets tokens [1, S] of each. Runs forward and backward,
     * accumulates the gradients into {@code g} (call {@link Gradients#zero()} first for a fresh step) and returns
     * mean CE + coef·L_aux.
     */
    public float lossAndGrad(int[][] batchTokens, Gradients g) {
        return (float) run(batchTokens, g);
    }

    /** The same loss without the backward pass. */
    public double loss(int[][] batchTokens) {
        return run(batchTokens, null);
    }

    /** Logits (rows of V) of the training forward for one sequence, for checks against the inference forward. */
    public float[] trainingLogits(int[] tokens) {
        return model.forwardTrain(tokens, 1, tokens.length, scanChunk).logits;
    }

    private double run(int[][] batch, Gradients g) {
        int b = batch.length;
        if (b == 0) throw new IllegalArgumentException("empty batch");
        int s = batch[0].length - 1;
        if (s < 1) throw new IllegalArgumentException("sequences need at least 2 tokens");
        int[] in = new int[b * s], tgt = new int[b * s];
        for (int i = 0; i < b; i++) {
            if (batch[i].length != s + 1) throw new IllegalArgumentException("sequence " + i + " has " + batch[i].length + " tokens, expected " + (s + 1));
            System.arraycopy(batch[i], 0, in, i * s, s);
            System.arraycopy(batch[i], 1, tgt, i * s, s);
        }
        for (int i = 0; i < in.length; i++) if (in[i] == ignoreIndex) in[i] = config.padTokenId; // padded inputs
        int v = config.vocabSize;
        JambaModel.TrainState st = model.forwardTrain(in, b, s, scanChunk);
        lastState = st;
        float[] dLogits = g == null ? null : new float[b * s * v];
        lastCe = CrossEntropy.forwardBackward(st.logits, tgt, b * s, v, ignoreIndex, dLogits);
        List<MoE.Activations> moe = new ArrayList<>();
        for (int l = 0; l < config.numHiddenLayers; l++) {
            MoE.Activations m = st.layer(l).moe();
            if (m != null) moe.add(m);
        }
        lastAux = LoadBalancingLoss.forwardBackward(moe, config.numExperts, config.numExpertsPerTok, g == null ? 0 : auxCoef);
        if (g != null) model.backward(st, dLogits, g);
        return lastCe + auxCoef * lastAux;
    }

    // ---------------------------------------------------------------------------------------------------------------

    /**
     * The inference blocks, assembled by {@link ModelBuilder} directly on the parameter arrays (heap float32 tensors are
     * shared, not copied), so that the same objects run training and inference; the Mamba mixers are remembered with
     * their A_log names to refresh A = −exp(A_log) after updates.
     */
    private JambaModel build(JambaConfig c, Parameters p) {
        JambaModel m = ModelBuilder.build(c, p.asWeightSet("trainable parameters"));
        for (JambaLayer layer : m.layers()) {
            if (layer.mixer() instanceof MambaMixer mm) {
                mambas.add(mm);
                aLogNames.add("model.layers." + layer.spec().index() + ".mamba.A_log");
            }
        }
        return m;
    }
}
