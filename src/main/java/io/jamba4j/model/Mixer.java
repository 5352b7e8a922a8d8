package io.jamba4j.model;

/** The sequence-mixing half of a layer: attention or Mamba. */
public sealed interface Mixer permits Attention, MambaMixer {
    /**
     * out[t] = mix(a[0..t]) for the T new tokens (rows of H floats) that follow the {@code position} tokens already
     * in {@code cache}; updates the cache with the new tokens.
     */
    void forward(float[] a, float[] out, int T, int position, Cache.LayerCache cache, Workspace ws);
}
