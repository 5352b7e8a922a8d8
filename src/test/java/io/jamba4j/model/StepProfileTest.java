package io.jamba4j.model;

import io.jamba4j.kernels.MatMul;
import io.jamba4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class StepProfileTest {
    static long bytes(WeightSet w, String name) {
        Tensor t = w.tensors().get(name);
        assertNotNull(t, name);
        return t.byteSize();
    }

    /**
     * A decode step's profile charges each block's matrix products to its part, each weight once (the MoE's router
     * and its top-k experts only), and nothing to the embedding; profiling does not change the logits.
     */
    @Test
    void chargesEachBlocksProductsToItsPartAndLeavesTheLogitsAlone() {
        JambaConfig c = ModelStateTest.everyLayerKind();
        WeightSet w = RandomInit.create(c, 5);
        JambaModel m = ModelBuilder.build(c, w);
        int[] prompt = {1, 7, 9, 11};
        int v = c.vocabSize;

        Cache plainCache = m.newCache(16);
        Workspace plainWs = new Workspace();
        m.forward(prompt, 0, prompt.length, plainCache, plainWs, null, false);
        float[] plain = new float[v];
        m.forward(new int[]{13}, 0, 1, plainCache, plainWs, plain, false);

        Cache cache = m.newCache(16);
        Workspace ws = new Workspace();
        m.forward(prompt, 0, prompt.length, cache, ws, null, false);
        StepProfile p = new StepProfile();
        ws.profile(p);
        float[] profiled = new float[v];
        long wallStart = System.nanoTime();
        m.forward(new int[]{13}, 0, 1, cache, ws, profiled, false);
        long wall = System.nanoTime() - wallStart;
        assertArrayEquals(plain, profiled, "profiling changes nothing");

        Map<StepProfile.Part, StepProfile.Totals> t = p.totals();
        long mamba = 0, attention = 0, mlp = 0, moe = 0;
        for (LayerSpec l : c.layers()) {
            String pre = "model.layers." + l.index() + ".";
            if (l.isAttention()) {
                for (String s : new String[]{"q_proj", "k_proj", "v_proj", "o_proj"}) attention += bytes(w, pre + "self_attn." + s + ".weight");
            } else {
                for (String s : new String[]{"in_proj", "x_proj", "dt_proj", "out_proj"}) mamba += bytes(w, pre + "mamba." + s + ".weight");
            }
            if (l.isMoe()) {
                moe += bytes(w, pre + "feed_forward.router.weight");
                // every expert has the same shapes, so the top-k's bytes do not depend on which are picked
                for (String s : new String[]{"gate_proj", "up_proj", "down_proj"}) {
                    moe += c.numExpertsPerTok * bytes(w, pre + "feed_forward.experts.0." + s + ".weight");
                }
            } else {
                for (String s : new String[]{"gate_proj", "up_proj", "down_proj"}) mlp += bytes(w, pre + "feed_forward." + s + ".weight");
            }
        }
        assertEquals(mamba, t.get(StepProfile.Part.MAMBA).productBytes(), "Mamba's products");
        assertEquals(attention, t.get(StepProfile.Part.ATTENTION).productBytes(), "attention's products");
        assertEquals(mlp, t.get(StepProfile.Part.MLP).productBytes(), "the dense MLPs' products");
        assertEquals(moe, t.get(StepProfile.Part.MOE).productBytes(), "the MoE's router and top-k experts");
        assertEquals(bytes(w, "lm_head.weight"), t.get(StepProfile.Part.HEAD).productBytes(), "the head");
        assertEquals(0, t.get(StepProfile.Part.EMBEDDING).productBytes());
        assertEquals(0, t.get(StepProfile.Part.NORMS_AND_RESIDUALS).productBytes());
        for (StepProfile.Part part : StepProfile.Part.values()) {
            StepProfile.Totals x = t.get(part);
            assertTrue(x.nanos() > 0, part + " was timed");
            assertTrue(x.productNanos() <= x.nanos(), part + ": its products are inside its time");
        }
        assertTrue(p.totalNanos() <= wall, "the parts lie within the pass");

        p.reset();
        assertEquals(0, p.totalNanos());
        ws.profile(null);
        m.forward(new int[]{14}, 0, 1, cache, ws, profiled, false);
        assertEquals(0, p.totalNanos(), "a detached profile is not fed");
    }

    /** The product clock counts the outermost call once: a batch of products, and a product that runs a batch inside. */
    @Test
    void productClockCountsOutermostCallsOnly() {
        JambaConfig c = ModelStateTest.everyLayerKind();
        WeightSet w = RandomInit.create(c, 6);
        Tensor a = w.tensors().get("model.layers.1.self_attn.q_proj.weight");
        Tensor b = w.tensors().get("model.layers.1.self_attn.k_proj.weight");
        float[] x = new float[a.cols()], y = new float[(int) a.rows() + (int) b.rows()];
        long bytes0 = MatMul.productBytes(), nanos0 = MatMul.productNanos();
        MatMul.matmul(a, x, 0, 1, y, 0); // T = 1 runs through a batch of one inside
        assertEquals(a.byteSize(), MatMul.productBytes() - bytes0);
        MatMul.batch().add(a, x, 0, 1, y, 0).add(b, x, 0, 1, y, (int) a.rows()).run();
        assertEquals(2 * a.byteSize() + b.byteSize(), MatMul.productBytes() - bytes0);
        assertTrue(MatMul.productNanos() > nanos0);
    }
}
