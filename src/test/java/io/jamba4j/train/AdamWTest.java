package io.jamba4j.train;

import io.jamba4j.model.JambaConfig;
import io.jamba4j.model.JambaModel;
import io.jamba4j.model.Workspace;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class AdamWTest {
    /** One step by hand: bias-corrected first step moves each weight by ≈ lr·sign(g), plus decoupled decay. */
    @Test
    void firstStepMatchesTheFormula() {
        Parameters p = new Parameters();
        float[] w = {1f, -2f, 0.5f};
        float[] b = {0.3f};
        p.add("x.weight", w, 3);
        p.add("x.bias", b, 1);
        Gradients g = new Gradients(p);
        g.get("x.weight")[0] = 0.1f;
        g.get("x.weight")[1] = -4f;
        g.get("x.bias")[0] = 2f;
        new AdamW(0.01, 0.9, 0.999, 1e-8, 0.1).step(p, g);
        assertEquals(1 * (1 - 0.001) - 0.01, w[0], 1e-6);
        assertEquals(-2 * (1 - 0.001) + 0.01, w[1], 1e-6);
        assertEquals(0.5 * (1 - 0.001), w[2], 1e-7); // zero gradient: decay only
        assertEquals(0.3 - 0.01, b[0], 1e-6);        // bias: no decay
        assertFalse(AdamW.decays("model.layers.0.mamba.A_log"));
        assertFalse(AdamW.decays("model.layers.0.mamba.D"));
        assertFalse(AdamW.decays("model.layers.0.input_layernorm.weight"));
        assertFalse(AdamW.decays("model.layers.0.mamba.dt_layernorm.weight"));
        assertTrue(AdamW.decays("model.layers.0.mamba.x_proj.weight"));
    }

    /**
     * A tiny hybrid model (attention, Mamba, MoE) memorises a short repeated sequence: the loss falls from ln(64) ≈ 4.2
     * to well under 0.5 in 100 AdamW steps, and the inference forward on the trained weights predicts the sequence.
     */
    @Test
    void tinyModelOverfitsARepeatedSequence() {
        JambaConfig.Builder cb = ModelGradientTest.tiny(false).toBuilder();
        cb.initializerRange = 0.02; // HF's default init
        cb.routerAuxLossCoef = 0.001;
        JambaConfig c = cb.build().validate("tiny");
        TrainingModel m = TrainingModel.randomInit(c, 42).scanChunk(4);
        int[] motif = {5, 17, 33, 2, 60, 41, 9, 28};
        int[][] batch = new int[2][17];
        for (int b = 0; b < 2; b++) for (int i = 0; i < 17; i++) batch[b][i] = motif[(i + 3 * b) % motif.length];
        AdamW opt = new AdamW(1e-2);
        Gradients g = m.newGradients();
        float first = 0, last = 0;
        for (int step = 0; step < 100; step++) {
            g.zero();
            last = m.lossAndGrad(batch, g);
            if (step == 0) first = last;
            opt.step(m, g);
        }
        System.out.println("overfit: loss " + first + " → " + last);
        assertTrue(first > 3.5, "initial loss " + first);
        assertTrue(last < 0.3, "final loss " + last);
        // the inference path computes with the trained weights: greedy next tokens follow the motif
        JambaModel jm = m.model();
        int[] in = java.util.Arrays.copyOf(batch[0], 16);
        float[] logits = new float[16 * 64];
        jm.forward(in, 0, 16, jm.newCache(16), new Workspace(), logits, true);
        int right = 0;
        for (int t = 4; t < 16; t++) {
            int best = 0;
            for (int v = 1; v < 64; v++) if (logits[t * 64 + v] > logits[t * 64 + best]) best = v;
            if (best == batch[0][t + 1]) right++;
        }
        assertEquals(12, right, "greedy predictions after the first few tokens");
    }
}
