package io.jamba4j.model;


/**
 * Model FLOPs of a Jamba forward pass, counted from the config the way MFU figures are (multiply-add = 2 FLOPs; only
 * the work the math needs — not the scan states the backward pass recomputes, not normalisations or softmaxes):
 * every linear layer with its active experts only (router + top-k experts), the causal attention scores and weighted
 * sums over an average of (S+1)/2 keys, the Mamba conv (K taps per channel) and the selective scan (per channel and
 * state: e^(ΔA), the state update and the readout, counted as 6 FLOPs). A training step (forward + backward) is
 * counted as 3× the forward, the usual convention (the backward computes two products per forward product).
 */
public final class Flops {
    private Flops() {}

    /** Forward FLOPs per token for sequences of {@code seqLen} tokens. */
    public static double forwardPerToken(JambaConfig c, int seqLen) {
        double h = c.hiddenSize;
        double f = 0;
        for (LayerSpec l : c.layers()) {
            if (l.isAttention()) {
                double dq = (double) c.numAttentionHeads * c.headDim(), dkv = (double) c.numKeyValueHeads * c.headDim();
                f += 2 * h * (dq + 2 * dkv) + 2 * dq * h;          // q, k, v, o projections
                f += 2 * 2 * dq * (seqLen + 1) / 2.0;               // q·k and p·v over the causal context
            } else {
                double din = c.mambaInner(), n = c.mambaDState, r = c.mambaDtRank;
                f += 2 * h * 2 * din;                               // in_proj
                f += 2 * c.mambaDConv * din;                        // depthwise conv
                f += 2 * din * (r + 2 * n);                         // x_proj
                f += 2 * r * din;                                   // dt_proj
                f += 6 * din * n;                                   // selective scan
                f += 2 * din * h;                                   // out_proj
            }
            double mlp = 3 * 2 * h * c.intermediateSize;            // gate, up, down
            if (l.isMoe()) f += 2 * h * l.numExperts() + c.numExpertsPerTok * mlp;
            else f += mlp;
        }
        f += 2 * h * c.vocabSize;                                   // lm_head
        return f;
    }

    /** Forward + backward FLOPs per token (3× the forward). */
    public static double trainingPerToken(JambaConfig c, int seqLen) {
        return 3 * forwardPerToken(c, seqLen);
    }
}
