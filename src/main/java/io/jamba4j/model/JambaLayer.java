package io.jamba4j.model;

import io.jamba4j.kernels.GradKernels;
import io.jamba4j.kernels.VectorOps;
import io.jamba4j.train.Gradients;

/**
 * One decoder layer, the same pre-norm residual skeleton for both mixer kinds (spec §4.1):
 * h' = h + Mixer(RMSNorm(h)); h = h' + FFN(RMSNorm(h')).
 */
public final class JambaLayer {
    final LayerSpec spec;
    final RMSNorm inputNorm;   // input_layernorm (GGUF attn_norm)
    final Mixer mixer;
    final RMSNorm preFfNorm;   // pre_ff_layernorm (GGUF ffn_norm)
    final FeedForward ffn;

    public JambaLayer(LayerSpec spec, RMSNorm inputNorm, Mixer mixer, RMSNorm preFfNorm, FeedForward ffn) {
        this.spec = spec;
        this.inputNorm = inputNorm;
        this.mixer = mixer;
        this.preFfNorm = preFfNorm;
        this.ffn = ffn;
    }

    public LayerSpec spec() {
        return spec;
    }

    public Mixer mixer() {
        return mixer;
    }

    public FeedForward ffn() {
        return ffn;
    }

    /** Updates the T rows of {@code h} (H floats each) in place. */
    void forward(float[] h, int T, int position, Cache cache, Workspace ws) {
        int hs = inputNorm.size();
        float[] normed = ws.get(Workspace.Slot.NORMED, T * hs);
        float[] tmp = ws.get(Workspace.Slot.MIX_OUT, T * hs);
        StepProfile p = ws.profile();
        long t = p == null ? 0 : System.nanoTime();
        inputNorm.forward(h, normed, T);
        if (p != null) t = p.end(StepProfile.Part.NORMS_AND_RESIDUALS, t);
        mixer.forward(normed, tmp, T, position, cache.layer(spec.index()), ws);
        if (p != null) t = p.end(spec.isAttention() ? StepProfile.Part.ATTENTION : StepProfile.Part.MAMBA, t);
        VectorOps.add(tmp, 0, h, 0, T * hs);
        preFfNorm.forward(h, normed, T);
        if (p != null) t = p.end(StepProfile.Part.NORMS_AND_RESIDUALS, t);
        ffn.forward(normed, tmp, T, ws);
        if (p != null) t = p.end(spec.isMoe() ? StepProfile.Part.MOE : StepProfile.Part.MLP, t);
        VectorOps.add(tmp, 0, h, 0, T * hs);
        if (p != null) p.end(StepProfile.Part.NORMS_AND_RESIDUALS, t);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Training

    public RMSNorm inputNorm() {
        return inputNorm;
    }

    public RMSNorm preFfNorm() {
        return preFfNorm;
    }

    /** Saved values of one layer's training forward. */
    public static final class Activations {
        float[] hIn, a, rstd1, hMid, b, rstd2;
        Object mixer; // Attention.Activations or MambaMixer.Activations
        Object ffn;   // Mlp.Activations or MoE.Activations

        /** The router statistics of an MoE layer, or null for a dense one. */
        public MoE.Activations moe() {
            return ffn instanceof MoE.Activations m ? m : null;
        }
    }

    /** hOut = layer(hIn) for B fresh sequences of S rows; hIn must stay unchanged until backward. */
    public Activations forwardTrain(float[] hIn, float[] hOut, int B, int S, int scanChunk) {
        int hs = inputNorm.size(), T = B * S;
        Activations s = new Activations();
        s.hIn = hIn;
        s.a = new float[T * hs];
        s.rstd1 = new float[T];
        inputNorm.forwardTrain(hIn, s.a, T, hs, 0, s.rstd1, 0);
        float[] m = new float[T * hs];
        s.mixer = switch (mixer) {
            case Attention at -> at.forwardTrain(s.a, m, B, S);
            case MambaMixer mm -> mm.forwardTrain(s.a, m, B, S, scanChunk);
        };
        s.hMid = new float[T * hs];
        for (int i = 0; i < T * hs; i++) s.hMid[i] = hIn[i] + m[i];
        s.b = new float[T * hs];
        s.rstd2 = new float[T];
        preFfNorm.forwardTrain(s.hMid, s.b, T, hs, 0, s.rstd2, 0);
        float[] f = new float[T * hs];
        s.ffn = switch (ffn) {
            case Mlp mlp -> mlp.forwardTrain(s.b, 0, f, 0, T);
            case MoE moe -> moe.forwardTrain(s.b, f, T);
        };
        for (int i = 0; i < T * hs; i++) hOut[i] = s.hMid[i] + f[i];
        return s;
    }

    /** In place: {@code dh} holds ∂L/∂hOut on entry and ∂L/∂hIn on return; weight gradients accumulate into g. */
    public void backward(Activations s, float[] dh, Gradients g) {
        int hs = inputNorm.size(), T = s.rstd1.length;
        float[] db = new float[T * hs];
        switch (ffn) {
            case Mlp mlp -> mlp.backward((Mlp.Activations) s.ffn, dh, 0, db, 0, g);
            case MoE moe -> moe.backward((MoE.Activations) s.ffn, dh, db, g);
        }
        preFfNorm.backward(s.hMid, s.rstd2, 0, db, dh, g.of(preFfNorm.weight()), T, hs, 0);
        float[] da = new float[T * hs];
        switch (mixer) {
            case Attention at -> at.backward((Attention.Activations) s.mixer, dh, da, g);
            case MambaMixer mm -> mm.backward((MambaMixer.Activations) s.mixer, dh, da, g);
        }
        inputNorm.backward(s.hIn, s.rstd1, 0, da, dh, g.of(inputNorm.weight()), T, hs, 0);
    }
}
