package io.jamba4j.model;

import io.jamba4j.kernels.VectorOps;

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
        inputNorm.forward(h, normed, T);
        mixer.forward(normed, tmp, T, position, cache.layer(spec.index()), ws);
        VectorOps.add(tmp, 0, h, 0, T * hs);
        preFfNorm.forward(h, normed, T);
        ffn.forward(normed, tmp, T, ws);
        VectorOps.add(tmp, 0, h, 0, T * hs);
    }
}
