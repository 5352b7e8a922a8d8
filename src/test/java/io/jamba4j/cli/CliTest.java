package io.jamba4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.jamba4j.model.FixtureSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** The CLI run in-process: exit codes, output, and clear errors on bad input. */
class CliTest {
    record Run(int code, String out, String err) {}

    static synchronized Run run(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = Main.run(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    static String fixture(String name, String file) {
        return FixtureSupport.dir(name).resolve(file).toString();
    }

    @ParameterizedTest
    @ValueSource(strings = {"A-tiny-dense", "B-hybrid-moe", "C-jamba-v0.1-like"})
    void infoAndGenerateWorkOnEveryFixtureInBothFormats(String name) {
        for (String file : new String[]{"hf", "model.gguf"}) {
            Run info = run("info", "-m", fixture(name, file), "--context", "1000");
            assertEquals(0, info.code(), info.err());
            assertTrue(info.out().contains("schedule:") && info.out().contains("params:") && info.out().contains("cache:"), info.out());
            Run gen = run("generate", "--no-simd-check", "-m", fixture(name, file), "-p", "The sea", "-n", "8", "--seed", "3");
            assertEquals(0, gen.code(), gen.err());
            assertTrue(gen.out().startsWith("The sea"), gen.out());
            assertTrue(gen.err().matches("(?s).*\\[prompt \\d+ tokens, prefill [\\d.]+ tok/s \\| generated \\d+ tokens, decode [\\d.]+ tok/s \\| stop: \\w+].*"), gen.err());
        }
    }

    @Test
    void f16KvCacheOnGenerateBenchAndLogits(@TempDir Path tmp) throws Exception {
        String m = fixture("B-hybrid-moe", "model.gguf");
        Run gen = run("generate", "--no-simd-check", "-m", m, "-p", "The sea", "-n", "6", "--seed", "3", "--kv-type", "f16");
        assertEquals(0, gen.code(), gen.err());
        assertTrue(gen.out().startsWith("The sea"), gen.out());
        Run bench = run("bench", "--no-simd-check", "-m", m, "--prompt", "40", "--gen", "4", "--reps", "2", "--kv-type", "f16", "--profile",
                "--warmup", "1");
        assertEquals(0, bench.code(), bench.err());
        var o = new ObjectMapper().readTree(bench.out());
        assertEquals("f16", o.get("kv_type").asText());
        assertTrue(o.get("decode_heap_bytes_per_token").asLong() >= 0, bench.out());
        assertEquals(1, o.get("warmup").asInt());
        assertTrue(o.get("cold_prefill_tok_s").asDouble() > 0 && o.get("cold_decode_tok_s").asDouble() > 0, bench.out());
        // --profile: every part of the decode, and what lies outside them, as shares of the decode's time adding up to 1
        for (String which : new String[]{"prefill_profile", "decode_profile"}) {
            var prof = o.get(which);
            double shares = 0;
            for (String part : new String[]{"embedding", "norms_and_residuals", "attention", "mamba", "mlp", "moe", "head", "outside_parts"}) {
                assertTrue(prof.has(part), which + ": " + part + " in " + prof);
                double share = prof.get(part).get("share").asDouble();
                assertTrue(share >= 0 && share <= 1, which + ": " + part + ": " + share);
                shares += share;
            }
            assertEquals(1.0, shares, 0.01, which + ": " + prof);
            assertTrue(prof.get("mamba").get("products_gb_s").asDouble() > 0, which + ": " + prof);
        }
        // 2 layers × K,V × 2 heads × 8 × 2 B × (40 + 4 + 16 positions, rounded up to whole key tiles of 16)
        assertEquals(2 * 2 * 2 * 8 * 2 * 64, o.get("kv_cache_bytes").asLong());
        Path ids = tmp.resolve("ids.json");
        Files.writeString(ids, "[1, 5, 9, 17]");
        Run lg = run("logits", "-m", m, "--ids", ids.toString(), "--out", tmp.resolve("o").toString(), "--greedy", "2", "--kv-type", "f16");
        assertEquals(0, lg.code(), lg.err());
        assertTrue(Files.exists(tmp.resolve("o/gen_logprobs.npy")));
        Run bad = run("generate", "--no-simd-check", "-m", m, "-p", "x", "--kv-type", "q8");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("f32 or f16"), bad.err());
    }

    /**
     * What `bench` counts as one decode step's weights is the same model in both formats: GGUF stacks each layer's
     * experts in one tensor (sliced to the first top-k), HF keeps one tensor per expert (taken by index).
     */
    @Test
    void benchCountsTheSameStepWeightsInBothFormats() throws Exception {
        long[] bytes = new long[2];
        int[] experts = new int[2];
        String[] files = {"hf", "model.gguf"};
        for (int f = 0; f < 2; f++) {
            try (io.jamba4j.Jamba j = io.jamba4j.Jamba.load(Path.of(fixture("B-hybrid-moe", files[f])))) {
                long all = 0, embed = j.model().embedTokens().byteSize();
                for (var t : j.checkpoint().weights().tensors().values()) all += t.byteSize();
                long expertBytes = 0;
                for (var t : j.checkpoint().weights().tensors().entrySet()) {
                    if (t.getKey().contains("_exps.") || t.getKey().contains(".experts.")) expertBytes += t.getValue().byteSize();
                }
                var cfg = j.config();
                for (var t : BenchCommand.stepWeights(j)) {
                    bytes[f] += t.byteSize();
                    if (t.name().contains("_exps") || t.name().contains(".experts.")) experts[f]++;
                }
                // everything but the embedding and the experts not taken
                assertEquals(all - embed - expertBytes + expertBytes * cfg.numExpertsPerTok / cfg.numExperts, bytes[f], files[f]);
            }
        }
        assertEquals(bytes[0], bytes[1]);
        // 4 MoE layers (of 8) × 3 matrices × top-2 experts, as tensors of one expert each in both formats
        assertEquals(4 * 3 * 2, experts[0]);
        assertEquals(experts[0], experts[1]);
    }

    @Test
    void infoOnAConfigAloneShowsThePublishedJambaNumbers() {
        String config = java.nio.file.Path.of("configs/jamba-v0.1.json").toAbsolutePath().toString();
        Run r = run("info", "--config", config, "--context", "262144", "--kv-type", "f16");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("51,570,323,328 total, 12,110,311,296 active"), r.out());
        assertTrue(r.out().contains("KV 4.00 GiB in f16") && r.out().contains("Mamba state 16.6 MiB"), r.out());
        Run f32 = run("info", "--config", config, "--context", "262144");
        assertEquals(0, f32.code(), f32.err());
        assertTrue(f32.out().contains("KV 8.00 GiB in f32"), f32.out());
        Run legacy = run("info", "--config", config, "--context", "262144", "--kv-bytes", "2");
        assertTrue(legacy.out().contains("KV 4.00 GiB in f16"), legacy.out());
        assertNotEquals(0, run("info", "--config", config, "--kv-type", "q4").code());
    }

    @Test
    void trainingPipelineFromTextToCheckpointAndPerplexity(@TempDir Path tmp) throws Exception {
        Path corpus = tmp.resolve("corpus");
        Files.createDirectories(corpus);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 400; i++) sb.append("The sea number ").append(i % 23).append(" meets the long shore; the hybrid model reads it.\n%\n");
        Files.writeString(corpus.resolve("fortunes.txt"), sb);
        Run r = run("tokenizer", "train", corpus.toString(), "--vocab-size", "400", "--out", tmp.resolve("tok").toString());
        assertEquals(0, r.code(), r.err());
        r = run("data", "prepare", corpus.toString(), "--tokenizer", tmp.resolve("tok").toString(), "--out", tmp.resolve("data").toString(), "--val-fraction", "0.1");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("unigram_entropy_nats"), r.out());
        r = run("train", "--preset", "tiny", "--data", tmp.resolve("data").toString(), "--tokenizer", tmp.resolve("tok").toString(),
                "--out", tmp.resolve("run").toString(), "--steps", "4", "--batch", "2", "--seq-len", "16", "--eval-every", "2", "--save-every", "2");
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.exists(tmp.resolve("run/checkpoint-4/model.safetensors")) && Files.exists(tmp.resolve("run/loss_curve.png")), r.err());
        r = run("train", "--resume", "--data", tmp.resolve("data").toString(), "--tokenizer", tmp.resolve("tok").toString(),
                "--out", tmp.resolve("run").toString(), "--steps", "6", "--batch", "2", "--seq-len", "16");
        assertEquals(0, r.code(), r.err());
        assertEquals("checkpoint-6", Files.readString(tmp.resolve("run/latest")).strip());
        r = run("eval", "-m", tmp.resolve("run/checkpoint-6").toString(), "--data", tmp.resolve("data").toString(), "--context", "32");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("perplexity"), r.out());
        r = run("train", "--preset", "nope", "--data", tmp.resolve("data").toString(), "--tokenizer", tmp.resolve("tok").toString(), "--out", tmp.resolve("x").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("unknown preset 'nope'"), r.err());
    }

    @Test
    void tokenizeEqualsTheFixtureIds() throws Exception {
        var entries = new ObjectMapper().readTree(FixtureSupport.dir("A-tiny-dense").resolve("tokenize.json").toFile());
        for (var e : entries) {
            Run r = run("tokenize", "--tokenizer", fixture("A-tiny-dense", "hf"), "--text", e.get("text").asText());
            assertEquals(0, r.code(), r.err());
            assertEquals(e.get("ids_hf").toString().replace(",", ", "), r.out().trim(), e.get("text").asText());
        }
    }

    @Test
    void logitsWritesTheReferenceLayout(@TempDir Path tmp) throws Exception {
        Run r = run("logits", "-m", fixture("A-tiny-dense", "model.gguf"), "--ids", fixture("A-tiny-dense", "ref/prompt.json"),
                "--out", tmp.toString(), "--greedy", "4");
        assertEquals(0, r.code(), r.err());
        var lp = io.jamba4j.format.Npy.read(tmp.resolve("logprobs.npy"));
        assertArrayEquals(new int[]{66, 512}, lp.shape());
        var gen = io.jamba4j.format.Npy.read(tmp.resolve("gen_logprobs.npy"));
        assertArrayEquals(new int[]{4, 512}, gen.shape());
        var ref = FixtureSupport.reference("A-tiny-dense", "ref");
        int[] greedy = new ObjectMapper().readValue(tmp.resolve("greedy.json").toFile(), int[].class);
        assertArrayEquals(java.util.Arrays.copyOf(ref.greedy(), 4), greedy);
        assertTrue(FixtureSupport.maxAbsDiff(lp.data(), 0, ref.logprobs().data(), 0, 66 * 512) < 1e-4);
    }

    @Test
    void badInputGivesAClearErrorAndExitCode2(@TempDir Path tmp) throws Exception {
        Path gguf = tmp.resolve("cut.gguf");
        byte[] all = Files.readAllBytes(Path.of(fixture("A-tiny-dense", "model.gguf")));
        Files.write(gguf, java.util.Arrays.copyOf(all, all.length / 2));
        Run r = run("info", "-m", gguf.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("cut.gguf"), r.err());

        r = run("info", "-m", tmp.resolve("missing.gguf").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("missing.gguf"), r.err());

        Path ids = tmp.resolve("ids.json");
        Files.writeString(ids, "[1, 999999]");
        r = run("logits", "-m", fixture("A-tiny-dense", "model.gguf"), "--ids", ids.toString(), "--out", tmp.resolve("o").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("999999") && r.err().contains("vocabulary"), r.err());

        Files.writeString(ids, "[]");
        r = run("logits", "-m", fixture("A-tiny-dense", "model.gguf"), "--ids", ids.toString(), "--out", tmp.resolve("o").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("empty"), r.err());

        r = run("generate", "--no-simd-check", "-m", fixture("A-tiny-dense", "model.gguf"), "-p", "a long prompt that will not fit", "--context", "3");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("context"), r.err());

        r = run("generate", "--no-simd-check", "-m", fixture("A-tiny-dense", "model.gguf"), "-p", "x", "--top-p", "0");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("top-p"), r.err());

        Path cfg = tmp.resolve("bad");
        Files.createDirectories(cfg);
        Files.writeString(cfg.resolve("config.json"), "{\"hidden_size\": 10, \"num_attention_heads\": 3}");
        r = run("info", "-m", cfg.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("config.json") && r.err().contains("num_attention_heads"), r.err());
    }
}
