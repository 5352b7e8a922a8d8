package io.jamba4j.model;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * An 8K-token prefill through a whole model (fixture B: two attention layers among Mamba and MoE layers), with the
 * F16 cache: it completes, the scratch memory stays bounded by the prompt chunk (no T×T scores: those would be
 * 256 MiB per head), and the cache holds exactly what the context asks for. (FlashAttentionTest runs an 8K prefill
 * through the F32 kernel in one call.)
 */
class LongContextTest {
    @Test
    void eightThousandTokenPrefillKeepsScratchBounded() throws Exception {
        try (ModelLoader.Checkpoint ckpt = ModelLoader.open(FixtureSupport.dir("B-hybrid-moe").resolve("model.gguf"))) {
            JambaModel m = ModelLoader.build(ckpt);
            int T = 8192, v = m.vocabSize();
            int[] ids = new int[T + 1];
            for (int i = 0; i <= T; i++) ids[i] = 3 + (int) ((i * 2654435761L) % 500);
            float[] row = new float[v];
            Cache cache = m.newCache(T + 1, KvType.F16);
            Workspace ws = new Workspace();
            m.forward(ids, 0, T, cache, ws, row, false);
            m.forward(ids, T, 1, cache, ws, row, false);
            assertEquals(T + 1, cache.position());
            for (float x : row) assertTrue(Float.isFinite(x));
            assertTrue(ws.bytes() < 8L * 1024 * 1024, "workspace holds " + ws.bytes() + " bytes after an 8K prefill");
            // the resident-memory estimate's working-buffer term covers what the prefill really held, and not by far
            long est = MemoryEstimate.workspaceBytes(m.config(), JambaModel.DEFAULT_CHUNK);
            assertTrue(ws.bytes() <= est && ws.bytes() > est / 2, "workspace " + ws.bytes() + " bytes vs estimate " + est);
            JambaConfig c = m.config();
            assertEquals(c.kvCacheBytes(T + 1, 2) + c.mambaStateBytes(), cache.bytes());
        }
    }
}
