package io.jamba4j.model;

/**
 * What one decoder layer is made of: its sequence mixer (attention or Mamba) and its feed-forward (a dense SwiGLU MLP
 * when {@code numExperts == 1}, else a routed mixture of {@code numExperts} experts).
 */
public record LayerSpec(int index, Mixer mixer, int numExperts) {
    public enum Mixer { ATTENTION, MAMBA }

    public boolean isAttention() {
        return mixer == Mixer.ATTENTION;
    }

    public boolean isMoe() {
        return numExperts > 1;
    }

    /** One character for the mixer and one for the FFN, e.g. "A·" (attention, dense) or "M≡" (Mamba, MoE). */
    public String glyph() {
        return (isAttention() ? "A" : "M") + (isMoe() ? "E" : "·");
    }
}
