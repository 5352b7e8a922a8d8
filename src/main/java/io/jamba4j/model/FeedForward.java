package io.jamba4j.model;

/** The feed-forward half of a layer: a dense SwiGLU MLP or a routed mixture of SwiGLU experts. */
public sealed interface FeedForward permits Mlp, MoE {
    /** out[t] = FFN(b[t]) for T rows of H floats. */
    void forward(float[] b, float[] out, int T, Workspace ws);
}
