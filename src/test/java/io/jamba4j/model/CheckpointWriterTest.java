package io.jamba4j.model;

import io.jamba4j.Jamba;
import io.jamba4j.format.GgufFile;
import io.jamba4j.tensor.GgmlType;
import io.jamba4j.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** Writing models back out: GGUF → HF → GGUF keeps every tensor's bytes; HF → GGUF → model gives the same outputs. */
class CheckpointWriterTest {
    static void convert(Path from, String to, GgmlType type, Path out) throws Exception {
        try (Jamba j = Jamba.load(from)) {
            if (to.equals("hf")) CheckpointWriter.writeHf(j.config(), j.checkpoint().weights(), j.tokenizer(), type, out, 200_000);
            else CheckpointWriter.writeGguf(j.config(), j.checkpoint().weights(), j.tokenizer(), type, "test", out);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"A-tiny-dense", "B-hybrid-moe", "C-jamba-v0.1-like"})
    void ggufToHfToGgufIsByteIdenticalInTensorData(String fixture, @TempDir Path tmp) throws Exception {
        Path src = FixtureSupport.dir(fixture).resolve("model.gguf");
        convert(src, "hf", GgmlType.F32, tmp.resolve("hf"));
        convert(tmp.resolve("hf"), "gguf", GgmlType.F32, tmp.resolve("back.gguf"));
        try (GgufFile a = GgufFile.open(src); GgufFile b = GgufFile.open(tmp.resolve("back.gguf"))) {
            assertEquals(a.tensors().size(), b.tensors().size());
            for (Tensor t : a.tensors()) {
                Tensor u = b.tensor(t.name());
                assertNotNull(u, t.name());
                assertEquals(t.type(), u.type(), t.name());
                assertArrayEquals(t.shape(), u.shape(), t.name());
                assertEquals(-1, t.data().mismatch(u.data()), t.name() + " bytes");
            }
            for (String k : a.metadata().keySet()) {
                if (k.equals("general.name") || k.equals("tokenizer.ggml.scores")) continue; // name from the path; scores re-derived from merges
                assertEquals(a.metadata().get(k), b.metadata().get(k), k);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"F16", "BF16", "Q8_0", "Q4_0"})
    void quantizedGgufLoadsAndStaysCloseToF32(String type, @TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("m.gguf");
        convert(FixtureSupport.dir("A-tiny-dense").resolve("hf"), "gguf", GgmlType.parse(type), out);
        FixtureSupport.Reference r = FixtureSupport.reference("A-tiny-dense", "ref");
        try (GgufFile g = GgufFile.open(out)) {
            assertEquals(GgmlType.F32, g.tensor("blk.0.ssm_conv1d.weight").type(), "conv stays F32");
            assertEquals(GgmlType.F32, g.tensor("blk.0.ssm_dt.bias").type(), "biases stay F32");
            assertEquals(GgmlType.F32, g.tensor("blk.0.ssm_a").type());
            GgmlType main = g.tensor("blk.0.ssm_in.weight").type();
            assertEquals(GgmlType.parse(type), main);
            GgmlType dt = g.tensor("blk.0.ssm_dt.weight").type();
            assertEquals(GgmlType.parse(type).isQuantized() ? GgmlType.F16 : GgmlType.parse(type), dt,
                    "dt_proj rows of 4 are not whole blocks: F16 fallback as in llama.cpp");
        }
        try (ModelLoader.Checkpoint c = ModelLoader.open(out)) {
            JambaModel m = ModelLoader.build(c);
            int v = m.vocabSize(), T = r.tokens().length;
            float[] lg = new float[T * v];
            m.forward(r.tokens(), 0, T, m.newCache(T), new Workspace(), lg, true);
            FixtureSupport.logSoftmax(lg, T, v);
            // tiny random models amplify rounding (the fixture README: Q8_0 vs F32 differs by up to 0.34), so bound the mean
            double sum = 0;
            for (int i = 0; i < T * v; i++) {
                assertTrue(Float.isFinite(lg[i]));
                sum += Math.abs(lg[i] - r.logprobs().data()[i]);
            }
            double mean = sum / (T * v);
            // Q4_0: 4-bit weights move a tiny random model a lot; scripts/interop-llamacpp.sh checks it against llama.cpp
            double tol = switch (type) { case "Q4_0" -> 1.0; case "Q8_0" -> 0.1; case "BF16" -> 0.03; default -> 0.005; };
            assertTrue(mean < tol, type + ": mean |Δ log-prob| vs the F32 reference " + mean);
        }
    }

    @Test
    void q8_0ConversionIsByteIdenticalToLlamaCppsConverter(@TempDir Path tmp) throws Exception {
        Path ours = tmp.resolve("q8.gguf");
        convert(FixtureSupport.dir("A-tiny-dense").resolve("hf"), "gguf", GgmlType.Q8_0, ours);
        try (GgufFile a = GgufFile.open(FixtureSupport.dir("A-tiny-dense").resolve("model-q8_0.gguf")); GgufFile b = GgufFile.open(ours)) {
            assertEquals(a.tensors().size(), b.tensors().size());
            for (Tensor t : a.tensors()) {
                Tensor u = b.tensor(t.name());
                assertEquals(t.type(), u.type(), t.name());
                if (t.name().endsWith("ssm_a")) {
                    // A = −exp(A_log): the fixture computed it from a float32 A_log with numpy's float32 exp, which is not correctly rounded; ours is: allow 4 ulps
                    float[] x = t.toFloats(), y = u.toFloats();
                    for (int i = 0; i < x.length; i++) assertTrue(Math.abs(x[i] - y[i]) <= 4 * Math.ulp(x[i]), t.name() + "[" + i + "] " + x[i] + " vs " + y[i]);
                } else {
                    assertEquals(-1, t.data().mismatch(u.data()), t.name() + " bytes differ from llama.cpp's converter");
                }
            }
        }
    }

    @Test
    void hfWriterShardsAndKeepsTheConfig(@TempDir Path tmp) throws Exception {
        convert(FixtureSupport.dir("B-hybrid-moe").resolve("hf"), "hf", GgmlType.BF16, tmp.resolve("bf16"));
        assertTrue(tmp.resolve("bf16/model.safetensors.index.json").toFile().exists(), "a 200 kB shard limit makes an index");
        JambaConfig a = JambaConfig.fromJson(FixtureSupport.dir("B-hybrid-moe").resolve("hf/config.json"));
        JambaConfig b = JambaConfig.fromJson(tmp.resolve("bf16/config.json"));
        assertEquals(a.scheduleDiagram(), b.scheduleDiagram());
        assertEquals("bfloat16", b.torchDtype);
        try (Jamba j = Jamba.load(tmp.resolve("bf16"))) {
            assertEquals(GgmlType.BF16, j.model().embedTokens().type());
            assertArrayEquals(new int[]{434, 277, 463, 458, 465, 394, 463, 464, 500}, j.tokenizer().encode("Hello, world!"));
        }
    }

    /**
     * Q4_K_M, llama.cpp's recipe: Q4_K throughout, Q6_K for output.weight and for ffn_down / attn_v where
     * {@code use_more_bits} holds. 16 layers (hidden 256, intermediate 512: whole 256-blocks, so nothing falls back):
     * ffn_down gets Q6_K in layers 0, 1 (first eighth), 14, 15 (last) and 4, 7, 10, 13 (every third between), as
     * llama.cpp's quantize gives a 16-layer model; of the two attention layers the second. And it loads and runs.
     */
    @Test
    void q4KMMixesQ6KIntoTheLayersLlamaCppGivesMoreBits(@TempDir Path tmp) throws Exception {
        com.fasterxml.jackson.databind.node.ObjectNode root = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode()
                .put("vocab_size", 512).put("hidden_size", 256).put("intermediate_size", 512).put("num_hidden_layers", 16)
                .put("num_attention_heads", 4).put("num_key_value_heads", 2).put("attn_layer_period", 8).put("attn_layer_offset", 4)
                .put("num_experts", 2).put("num_experts_per_tok", 1).put("expert_layer_period", 2).put("expert_layer_offset", 1)
                .put("mamba_d_state", 8).put("mamba_d_conv", 4).put("mamba_expand", 2).put("mamba_dt_rank", 16)
                .put("tie_word_embeddings", false);
        JambaConfig config = JambaConfig.fromJson(root, "q4km-test");
        Path out = tmp.resolve("m.gguf");
        CheckpointWriter.writeGguf(config, RandomInit.create(config, 3), null, GgufTypes.parse("q4_k_m"), "q4km", out);
        java.util.Set<Integer> moreBits = java.util.Set.of(0, 1, 4, 7, 10, 13, 14, 15);
        try (GgufFile g = GgufFile.open(out)) {
            assertEquals(15L, ((Number) g.metadata().get("general.file_type")).longValue(), "LLAMA_FTYPE_MOSTLY_Q4_K_M");
            assertEquals(GgmlType.Q6_K, g.tensor("output.weight").type());
            assertEquals(GgmlType.Q4_K, g.tensor("token_embd.weight").type());
            for (int i = 0; i < 16; i++) {
                String down = config.layers().get(i).isMoe() ? ".ffn_down_exps.weight" : ".ffn_down.weight";
                assertEquals(moreBits.contains(i) ? GgmlType.Q6_K : GgmlType.Q4_K, g.tensor("blk." + i + down).type(), "layer " + i + " ffn_down");
                String up = config.layers().get(i).isMoe() ? ".ffn_up_exps.weight" : ".ffn_up.weight";
                assertEquals(GgmlType.Q4_K, g.tensor("blk." + i + up).type(), "layer " + i + " ffn_up");
            }
            assertEquals(GgmlType.Q4_K, g.tensor("blk.4.attn_v.weight").type(), "first of two attention layers");
            assertEquals(GgmlType.Q6_K, g.tensor("blk.12.attn_v.weight").type(), "second (the last eighth)");
            assertEquals(GgmlType.Q4_K, g.tensor("blk.12.attn_q.weight").type());
            assertEquals(GgmlType.Q4_K, g.tensor("blk.0.ssm_in.weight").type());
        }
        // llama.cpp's 32-layer pattern (e.g. a 7B model's Q4_K_M ffn_down: 0-3, 6, 9, ..., 27, 28-31)
        StringBuilder q6 = new StringBuilder();
        for (int i = 0; i < 32; i++) if (GgufTypes.useMoreBits(i, 32)) q6.append(i).append(' ');
        assertEquals("0 1 2 3 6 9 12 15 18 21 24 27 28 29 30 31 ", q6.toString());
        try (ModelLoader.Checkpoint c = ModelLoader.open(out)) {
            JambaModel m = ModelLoader.build(c);
            int[] tokens = {1, 5, 9, 200, 300, 400};
            float[] lg = new float[tokens.length * m.vocabSize()];
            m.forward(tokens, 0, tokens.length, m.newCache(tokens.length), new Workspace(), lg, true);
            for (float x : lg) assertTrue(Float.isFinite(x));
        }
    }
}
