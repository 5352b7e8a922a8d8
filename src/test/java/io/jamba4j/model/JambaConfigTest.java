package io.jamba4j.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class JambaConfigTest {
    static JambaConfig v01() {
        return new JambaConfig.Builder().build().validate("defaults");
    }

    @Test
    void defaultsAreJambaV01WithItsPublishedParameterCounts() {
        JambaConfig c = v01();
        assertEquals(256, c.mambaDtRank, "dt_rank auto = ceil(4096/16)");
        assertEquals(51_570_323_328L, c.totalParams());
        assertEquals(12_110_311_296L, c.activeParams());
        assertEquals(4, c.numAttentionLayers());
        assertEquals(16, c.numMoeLayers());
        assertEquals(105_308_448L, c.mixerParams(c.layer(0)));
        assertEquals(41_943_040L, c.mixerParams(c.layer(4)));
        for (int i : new int[]{4, 12, 20, 28}) assertTrue(c.layer(i).isAttention());
        assertFalse(c.layer(4).isMoe());
        assertTrue(c.layer(1).isMoe());
    }

    @Test
    void cacheSizesFollowTheSpecFormula() {
        JambaConfig c = v01();
        assertEquals(4L << 30, c.kvCacheBytes(262_144, 2), "4 GiB of 16-bit KV at 256K tokens");
        assertEquals(17_432_576L, c.mambaStateBytes(), "LC Mamba state per sequence");
    }

    @Test
    void readsFixtureConfigAndRoundTripsThroughJson(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        JambaConfig c = JambaConfig.fromJson(FixtureSupport.dir("B-hybrid-moe").resolve("hf/config.json"));
        assertEquals("M· ME A· ME M· ME A· ME", c.scheduleDiagram());
        Path f = tmp.resolve("config.json");
        Files.writeString(f, c.toJson().toPrettyString());
        JambaConfig back = JambaConfig.fromJson(f);
        assertEquals(c.toJson(), back.toJson());
    }

    @Test
    void autoDtRankAndLegacyKeys() {
        ObjectNode o = new ObjectMapper().createObjectNode();
        o.put("hidden_size", 100);
        o.put("num_attention_heads", 4);
        o.put("num_key_value_heads", 2);
        o.put("mamba_dt_rank", "auto");
        o.put("n_ctx", 1234);
        o.put("mamba_inner_layernorms", true);
        JambaConfig c = JambaConfig.fromJson(o, "x");
        assertEquals(7, c.mambaDtRank, "ceil(100/16)");
        assertEquals(1234, c.maxPositionEmbeddings);
        assertFalse(c.toJson().has("mamba_inner_layernorms"));
    }

    @Test
    void rejectsInconsistentConfigsNamingTheSourceAndKey() {
        ObjectNode o = new ObjectMapper().createObjectNode();
        o.put("hidden_size", 100);
        o.put("num_attention_heads", 3);
        var e = assertThrows(ModelException.class, () -> JambaConfig.fromJson(o, "cfg.json"));
        assertTrue(e.getMessage().contains("cfg.json") && e.getMessage().contains("not divisible by num_attention_heads"), e.getMessage());

        ObjectNode p = new ObjectMapper().createObjectNode();
        p.put("attn_layer_period", 4);
        p.put("attn_layer_offset", 4);
        e = assertThrows(ModelException.class, () -> JambaConfig.fromJson(p, "cfg.json"));
        assertTrue(e.getMessage().contains("attn_layer_period"), e.getMessage());

        ObjectNode q = new ObjectMapper().createObjectNode();
        q.put("expert_layer_period", 1);
        q.put("expert_layer_offset", 1);
        e = assertThrows(ModelException.class, () -> JambaConfig.fromJson(q, "cfg.json"));
        assertTrue(e.getMessage().contains("expert_layer_period"), e.getMessage());

        ObjectNode r = new ObjectMapper().createObjectNode();
        r.put("hidden_size", "big");
        e = assertThrows(ModelException.class, () -> JambaConfig.fromJson(r, "cfg.json"));
        assertTrue(e.getMessage().contains("'hidden_size'"), e.getMessage());

        ObjectNode s = new ObjectMapper().createObjectNode();
        s.put("model_type", "llama");
        e = assertThrows(ModelException.class, () -> JambaConfig.fromJson(s, "cfg.json"));
        assertTrue(e.getMessage().contains("model_type"), e.getMessage());
    }

    @Test
    void periodDetectionRecoversSchedules() {
        assertArrayEquals(new int[]{8, 4}, GgufConfig.periodOf(new boolean[]{false, false, false, false, true, false, false, false, false, false, false, false, true, false, false, false}));
        assertArrayEquals(new int[]{2, 1}, GgufConfig.periodOf(new boolean[]{false, true, false, true}));
        int[] none = GgufConfig.periodOf(new boolean[]{false, false, false});
        assertTrue(none[1] >= 3 && none[0] > none[1]);
    }
}
