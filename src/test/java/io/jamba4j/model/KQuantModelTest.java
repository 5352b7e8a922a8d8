package io.jamba4j.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jamba4j.format.GgufFile;
import io.jamba4j.tensor.GgmlType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Q4_K / Q6_K GGUFs end to end: a random hybrid MoE model whose matrices are mostly whole 256-blocks
 * (src/test/resources/interop-kquant.json: hidden 256; intermediate 544 = 17·32 sends ffn_down to the Q8_0 fallback,
 * dt_rank 16 sends ssm_dt to F16) is written, loaded through the normal loader and run.
 */
class KQuantModelTest {
    @TempDir
    static Path tmp;
    static JambaConfig config;
    static WeightSet weights;

    @BeforeAll
    static void init() throws Exception {
        ObjectNode root = (ObjectNode) new ObjectMapper().readTree(KQuantModelTest.class.getResourceAsStream("/interop-kquant.json"));
        root.remove("_name");
        config = JambaConfig.fromJson(root, "interop-kquant.json");
        weights = RandomInit.create(config, 11);
    }

    static Path write(GgmlType type) throws Exception {
        Path out = tmp.resolve(type + ".gguf");
        if (!out.toFile().exists()) CheckpointWriter.writeGguf(config, weights, null, type, "kquant-test", out);
        return out;
    }

    static final int[] TOKENS = {1, 300, 301, 302, 500, 600, 700, 800, 900, 10, 20, 30};

    static float[] logProbs(Path file) throws Exception {
        try (ModelLoader.Checkpoint c = ModelLoader.open(file)) {
            JambaModel m = ModelLoader.build(c);
            int v = m.vocabSize(), T = TOKENS.length;
            float[] lg = new float[T * v];
            m.forward(TOKENS, 0, T, m.newCache(T), new Workspace(), lg, true);
            FixtureSupport.logSoftmax(lg, T, v);
            return lg;
        }
    }

    @Test
    void tensorTypesFollowTheFallbackPolicy() throws Exception {
        for (GgmlType type : new GgmlType[]{GgmlType.Q4_K, GgmlType.Q6_K}) {
            try (GgufFile g = GgufFile.open(write(type))) {
                assertEquals(type, g.tensor("token_embd.weight").type());
                assertEquals(type, g.tensor("blk.0.ssm_in.weight").type());
                assertEquals(type, g.tensor("blk.0.ssm_x.weight").type());
                assertEquals(type, g.tensor("blk.0.ssm_out.weight").type());
                assertEquals(type, g.tensor("blk.2.attn_q.weight").type());
                assertEquals(type, g.tensor("blk.1.ffn_gate_exps.weight").type());
                assertEquals(GgmlType.Q8_0, g.tensor("blk.1.ffn_down_exps.weight").type(), "rows of 544: whole 32-blocks only");
                assertEquals(GgmlType.Q8_0, g.tensor("blk.0.ffn_down.weight").type());
                assertEquals(GgmlType.F16, g.tensor("blk.0.ssm_dt.weight").type(), "rows of 16: not even 32-blocks");
                assertEquals(GgmlType.F32, g.tensor("blk.0.ssm_conv1d.weight").type());
                assertEquals(GgmlType.F32, g.tensor("blk.1.ffn_gate_inp.weight").type(), "router stays F32");
                assertEquals(GgmlType.F32, g.tensor("blk.0.ssm_a").type());
                long ftype = ((Number) g.metadata().get("general.file_type")).longValue();
                assertEquals(type == GgmlType.Q4_K ? 14 : 18, ftype);
            }
        }
    }

    @Test
    void quantizedModelsStayCloseToF32() throws Exception {
        float[] ref = logProbs(write(GgmlType.F32));
        double prev = 0;
        for (GgmlType type : new GgmlType[]{GgmlType.Q6_K, GgmlType.Q4_K}) {
            float[] lp = logProbs(write(type));
            double sum = 0;
            for (int i = 0; i < lp.length; i++) {
                assertTrue(Float.isFinite(lp[i]), type + " logit " + i);
                sum += Math.abs(lp[i] - ref[i]);
            }
            double mean = sum / lp.length;
            assertTrue(mean < (type == GgmlType.Q6_K ? 0.02 : 0.1), type + ": mean |Δ log-prob| vs F32 " + mean);
            assertTrue(mean > prev, "Q4_K should be further from F32 than Q6_K");
            prev = mean;
        }
    }

    /**
     * As for Q8_0 (ModelStateTest): decoding token by token is bit-identical to one prefill. Every matrix must be
     * quantized for that (the float kernels accumulate in a different order for one token than for many), so this uses
     * a dense variant (no F32 router) with dt_rank 32 (ssm_dt falls back to Q8_0, not F16).
     */
    @Test
    void decodeIsBitIdenticalToPrefill() throws Exception {
        ObjectNode root = (ObjectNode) new ObjectMapper().readTree(KQuantModelTest.class.getResourceAsStream("/interop-kquant.json"));
        root.remove("_name");
        root.put("num_experts", 1);
        root.put("num_experts_per_tok", 1);
        root.put("mamba_dt_rank", 32);
        JambaConfig dense = JambaConfig.fromJson(root, "interop-kquant.json (dense)");
        WeightSet w = RandomInit.create(dense, 12);
        for (GgmlType type : new GgmlType[]{GgmlType.Q4_K, GgmlType.Q6_K}) {
            Path file = tmp.resolve("dense-" + type + ".gguf");
            CheckpointWriter.writeGguf(dense, w, null, type, "kquant-dense", file);
            try (ModelLoader.Checkpoint ckpt = ModelLoader.open(file)) {
                JambaModel m = ModelLoader.build(ckpt);
                int v = m.vocabSize(), N = TOKENS.length, P = 4;
                float[] whole = new float[N * v];
                m.forward(TOKENS, 0, N, m.newCache(N), new Workspace(), whole, true);
                Cache cache = m.newCache(N);
                Workspace ws = new Workspace();
                m.forward(TOKENS, 0, P, cache, ws, null, false);
                float[] row = new float[v];
                for (int j = P; j < N; j++) {
                    m.forward(TOKENS, j, 1, cache, ws, row, false);
                    assertArrayEquals(java.util.Arrays.copyOfRange(whole, j * v, (j + 1) * v), row, type + " decode step " + j);
                }
            }
        }
    }
}
