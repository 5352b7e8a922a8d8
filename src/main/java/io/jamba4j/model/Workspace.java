package io.jamba4j.model;

import java.util.EnumMap;

/**
 * Scratch buffers for one forward pass, grown on demand and reused, so that steady-state decoding allocates nothing.
 * One workspace per thread of generation (a model is shared; a workspace is not).
 */
public final class Workspace {
    /** What a buffer is for; each block takes the slots it needs. */
    public enum Slot { HIDDEN, NORMED, MIX_OUT, FFN_OUT, Q, K, V, ATT, XZ, U, P, DT, Y, GATE, UP, ACT, ROUTER, GATHER, EXPERT_OUT, LOGITS,
        EXPERT_IDS, EXPERT_WEIGHTS, EXPERT_ROWS, EXPERT_ROW_WEIGHTS }

    private final EnumMap<Slot, float[]> buffers = new EnumMap<>(Slot.class);
    private final EnumMap<Slot, int[]> intBuffers = new EnumMap<>(Slot.class);
    private StepProfile profile;

    /** The profile forward passes with this workspace feed, or null (the default: nothing is timed). */
    public StepProfile profile() {
        return profile;
    }

    /** Attaches {@code profile} (or detaches, with null): forward passes with this workspace then time their parts. */
    public void profile(StepProfile profile) {
        this.profile = profile;
    }

    /** A buffer of at least {@code n} floats for {@code slot} (contents unspecified). */
    public float[] get(Slot slot, int n) {
        float[] b = buffers.get(slot);
        if (b == null || b.length < n) {
            b = new float[n];
            buffers.put(slot, b);
        }
        return b;
    }

    /** Bytes held by all buffers. */
    public long bytes() {
        long b = 0;
        for (float[] f : buffers.values()) b += 4L * f.length;
        for (int[] i : intBuffers.values()) b += 4L * i.length;
        return b;
    }

    /** An int buffer of at least {@code n} elements for {@code slot} (contents unspecified). */
    public int[] getInts(Slot slot, int n) {
        int[] b = intBuffers.get(slot);
        if (b == null || b.length < n) {
            b = new int[n];
            intBuffers.put(slot, b);
        }
        return b;
    }
}
