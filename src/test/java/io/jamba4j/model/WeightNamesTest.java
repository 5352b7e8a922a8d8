package io.jamba4j.model;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class WeightNamesTest {
    @Test
    void tokenEmbeddingInEitherNaming() {
        assertTrue(WeightNames.isTokenEmbedding("token_embd.weight"));
        assertTrue(WeightNames.isTokenEmbedding("model.embed_tokens.weight"));
        for (String other : new String[]{"output.weight", "lm_head.weight", "blk.0.attn_q.weight", "token_embd", "x"}) {
            assertFalse(WeightNames.isTokenEmbedding(other), other);
        }
    }

    @Test
    void ggufAndHfNamesMapBothWays() {
        String[][] pairs = {
                {"token_embd.weight", "model.embed_tokens.weight"},
                {"output.weight", "lm_head.weight"},
                {"blk.3.ssm_dt.weight", "model.layers.3.mamba.dt_proj.weight"},
                {"blk.12.attn_q.weight", "model.layers.12.self_attn.q_proj.weight"},
                {"blk.1.ffn_gate_inp.weight", "model.layers.1.feed_forward.router.weight"}};
        for (String[] p : pairs) {
            assertEquals(p[1], WeightNames.ggufToHf(p[0]), p[0]);
            assertEquals(p[0], WeightNames.hfToGguf(p[1]), p[1]);
        }
        assertEquals("blk.0.ssm_a", WeightNames.hfToGguf("model.layers.0.mamba.A_log"));
        assertNull(WeightNames.ggufToHf("blk.0.no_such.weight"));
        assertNull(WeightNames.hfToGguf("model.layers.0.nothing"));
    }
}
