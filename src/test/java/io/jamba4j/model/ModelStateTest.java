package io.jamba4j.model;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The cache carries every layer's state correctly across any split of the sequence (spec §9 tests b, c). */
class ModelStateTest {
    @Test
    void chunkedPrefillAndTokenByTokenEqualOnePrefill() throws Exception {
        FixtureSupport.Reference r = FixtureSupport.reference("B-hybrid-moe", "ref");
        try (ModelLoader.Checkpoint ckpt = ModelLoader.open(FixtureSupport.dir("B-hybrid-moe").resolve("model.gguf"))) {
            JambaModel m = ModelLoader.build(ckpt);
            int v = m.vocabSize(), T = r.tokens().length;
            float[] whole = new float[T * v];
            m.forward(r.tokens(), 0, T, m.newCache(T), new Workspace(), whole, true);

            for (int[] split : new int[][]{{1, 2, 3, 5, 8, 13, 34}, {T - 1, 1}, {2, T - 2}}) {
                Cache cache = m.newCache(T);
                Workspace ws = new Workspace();
                float[] parts = new float[T * v];
                int at = 0;
                for (int len : split) {
                    len = Math.min(len, T - at);
                    float[] rows = new float[len * v];
                    m.forward(r.tokens(), at, len, cache, ws, rows, true);
                    System.arraycopy(rows, 0, parts, at * v, len * v);
                    at += len;
                }
                while (at < T) { // the rest one token at a time
                    float[] row = new float[v];
                    m.forward(r.tokens(), at, 1, cache, ws, row, false);
                    System.arraycopy(row, 0, parts, at * v, v);
                    at++;
                }
                assertEquals(T, cache.position());
                double d = FixtureSupport.maxAbsDiff(whole, 0, parts, 0, T * v);
                assertTrue(d < 2e-5, "split " + java.util.Arrays.toString(split) + ": max |Δ logit| " + d);
            }
        }
    }

    /**
     * With quantized weights the activations are rounded to Q8_0 before each product, so a last-bit difference between
     * the one-token and the many-token kernels could flip a rounding and move the output visibly. The quantized kernels
     * therefore accumulate in the same order whatever the batch: decoding token by token gives bit-identical logits to
     * one prefill of the whole sequence.
     */
    @Test
    void quantizedDecodeIsBitIdenticalToPrefill() throws Exception {
        FixtureSupport.Reference r = FixtureSupport.reference("A-tiny-dense", "ref-q8_0");
        try (ModelLoader.Checkpoint ckpt = ModelLoader.open(FixtureSupport.dir("A-tiny-dense").resolve("model-q8_0.gguf"))) {
            JambaModel m = ModelLoader.build(ckpt);
            int v = m.vocabSize(), T = r.tokens().length, N = r.greedy().length;
            int[] all = new int[T + N];
            System.arraycopy(r.tokens(), 0, all, 0, T);
            System.arraycopy(r.greedy(), 0, all, T, N);
            float[] whole = new float[(T + N) * v];
            m.forward(all, 0, T + N, m.newCache(T + N), new Workspace(), whole, true);
            Cache cache = m.newCache(T + N);
            Workspace ws = new Workspace();
            m.forward(all, 0, T, cache, ws, null, false);
            float[] row = new float[v];
            for (int j = 0; j < N; j++) {
                m.forward(all, T + j, 1, cache, ws, row, false);
                assertArrayEquals(java.util.Arrays.copyOfRange(whole, (T + j) * v, (T + j + 1) * v), row, "decode step " + j);
            }
        }
    }

    @Test
    void contextOverflowAndBadIdsAreClearErrors() throws Exception {
        try (ModelLoader.Checkpoint ckpt = ModelLoader.open(FixtureSupport.dir("A-tiny-dense").resolve("model.gguf"))) {
            JambaModel m = ModelLoader.build(ckpt);
            Cache c = m.newCache(4);
            Workspace ws = new Workspace();
            var e = assertThrows(ModelException.class, () -> m.forward(new int[]{1, 2, 3, 4, 5}, 0, 5, c, ws, null, false));
            assertTrue(e.getMessage().contains("context"), e.getMessage());
            e = assertThrows(ModelException.class, () -> m.forward(new int[]{1, 512}, 0, 2, c, ws, null, false));
            assertTrue(e.getMessage().contains("512") && e.getMessage().contains("vocabulary"), e.getMessage());
            e = assertThrows(ModelException.class, () -> m.forward(new int[]{-1}, 0, 1, c, ws, null, false));
            assertTrue(e.getMessage().contains("-1"), e.getMessage());
            e = assertThrows(ModelException.class, () -> m.forward(new int[0], 0, 0, c, ws, null, false));
            assertTrue(e.getMessage().contains("empty"), e.getMessage());
            assertEquals(0, c.position(), "a rejected call leaves the cache untouched");
        }
    }

    /**
     * HF allows {@code mamba_proj_bias=true} and {@code mamba_conv_bias=false} (llama.cpp does not): the biases are used
     * when present, a missing conv bias is not required, state still carries across splits, and HF round trips keep them.
     */
    @Test
    void projectionBiasAndNoConvBias(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
        JambaConfig.Builder b = new JambaConfig.Builder();
        b.vocabSize = 300; b.hiddenSize = 32; b.intermediateSize = 48; b.numHiddenLayers = 2;
        b.numAttentionHeads = 4; b.numKeyValueHeads = 2; b.attnLayerPeriod = 2; b.attnLayerOffset = 1;
        b.numExperts = 1; b.numExpertsPerTok = 1; b.mambaProjBias = true; b.mambaConvBias = false;
        JambaConfig c = b.build().validate("test");
        WeightSet w = RandomInit.create(c, 11);
        assertFalse(w.has("model.layers.0.mamba.conv1d.bias"));
        // give the projection biases values so that they matter
        float[] inBias = w.tensors().get("model.layers.0.mamba.in_proj.bias").toFloats();
        float[] outBias = w.tensors().get("model.layers.0.mamba.out_proj.bias").toFloats();
        java.util.Map<String, io.jamba4j.tensor.Tensor> t = new java.util.LinkedHashMap<>(w.tensors());
        for (int i = 0; i < inBias.length; i++) inBias[i] = 0.05f * (i % 7 - 3);
        for (int i = 0; i < outBias.length; i++) outBias[i] = 0.02f * (i % 5 - 2);
        t.put("model.layers.0.mamba.in_proj.bias", io.jamba4j.tensor.Tensor.ofFloats("model.layers.0.mamba.in_proj.bias", inBias, inBias.length));
        t.put("model.layers.0.mamba.out_proj.bias", io.jamba4j.tensor.Tensor.ofFloats("model.layers.0.mamba.out_proj.bias", outBias, outBias.length));
        WeightSet biased = new WeightSet("test", t);
        JambaModel m = ModelBuilder.build(c, biased);
        JambaModel noBias = ModelBuilder.build(c, w);
        int[] ids = {1, 50, 60, 70, 80, 90, 100, 110};
        float[] a = new float[ids.length * 300], z = new float[ids.length * 300];
        m.forward(ids, 0, ids.length, m.newCache(16), new Workspace(), a, true);
        noBias.forward(ids, 0, ids.length, noBias.newCache(16), new Workspace(), z, true);
        assertTrue(FixtureSupport.maxAbsDiff(a, 0, z, 0, a.length) > 1e-4, "the biases change the output");
        Cache cache = m.newCache(16);
        Workspace ws = new Workspace();
        float[] row = new float[300];
        m.forward(ids, 0, 3, cache, ws, null, false);
        for (int i = 3; i < ids.length; i++) {
            m.forward(ids, i, 1, cache, ws, row, false);
            assertTrue(FixtureSupport.maxAbsDiff(row, 0, a, i * 300, 300) < 1e-5, "step " + i);
        }
        CheckpointWriter.writeHf(c, biased, null, io.jamba4j.tensor.GgmlType.F32, tmp, 1L << 30);
        try (ModelLoader.Checkpoint ck = ModelLoader.open(tmp)) {
            assertTrue(ck.config().mambaProjBias);
            assertFalse(ck.config().mambaConvBias);
            JambaModel back = ModelLoader.build(ck);
            float[] r = new float[ids.length * 300];
            back.forward(ids, 0, ids.length, back.newCache(16), new Workspace(), r, true);
            assertArrayEquals(a, r);
        }
    }

    /** Four layers, one of each kind: Mamba + MoE, attention + dense MLP, Mamba + MoE, attention + dense MLP. */
    static JambaConfig everyLayerKind() {
        JambaConfig.Builder b = new JambaConfig.Builder();
        b.vocabSize = 64; b.hiddenSize = 32; b.intermediateSize = 48; b.numHiddenLayers = 4;
        b.numAttentionHeads = 4; b.numKeyValueHeads = 2; b.attnLayerPeriod = 2; b.attnLayerOffset = 1;
        b.numExperts = 4; b.numExpertsPerTok = 2; b.expertLayerPeriod = 2; b.expertLayerOffset = 0;
        return b.build().validate("test");
    }

    @Test
    void randomInitBuildsAndRunsEveryLayerKind() {
        JambaConfig c = everyLayerKind();
        WeightSet w = RandomInit.create(c, 7);
        JambaModel m = ModelBuilder.build(c, w);
        assertTrue(w.unused().isEmpty(), "init creates exactly the tensors the model uses: " + w.unused());
        float[] logits = new float[64];
        m.forward(new int[]{1, 5, 9}, 0, 3, m.newCache(8), new Workspace(), logits, false);
        for (float x : logits) assertTrue(Float.isFinite(x));
        WeightSet again = RandomInit.create(c, 7);
        assertArrayEquals(w.tensors().get("model.layers.1.self_attn.q_proj.weight").toFloats(),
                again.tensors().get("model.layers.1.self_attn.q_proj.weight").toFloats(), "seeded init is reproducible");
        assertEquals(0f, w.tensors().get("model.embed_tokens.weight").toFloats()[5], "padding row 0 is zero");
    }
}
