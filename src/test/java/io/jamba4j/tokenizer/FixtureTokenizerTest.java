package io.jamba4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The fixtures' tokenize.json: HF ids (transformers.js) and llama.cpp ids on the same vocabulary. */
class FixtureTokenizerTest {
    static final Path FIXTURES = Path.of("src/test/resources/fixtures");

    record Case(String text, int[] ids, int[] idsParseSpecial, int[] idsHf) {}

    static Stream<String> fixtures() throws Exception {
        try (Stream<Path> s = Files.list(FIXTURES)) {
            return s.filter(d -> Files.exists(d.resolve("tokenize.json"))).map(d -> d.getFileName().toString()).sorted().toList().stream();
        }
    }

    static List<Case> cases(String fixture) throws Exception {
        JsonNode root = new ObjectMapper().readTree(FIXTURES.resolve(fixture).resolve("tokenize.json").toFile());
        List<Case> out = new ArrayList<>();
        for (JsonNode e : root) out.add(new Case(e.get("text").asText(), ints(e.get("ids")), ints(e.get("ids_parse_special")), ints(e.get("ids_hf"))));
        return out;
    }

    static int[] ints(JsonNode arr) {
        int[] r = new int[arr.size()];
        for (int i = 0; i < r.length; i++) r[i] = arr.get(i).intValue();
        return r;
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void hfTokenizerMatchesTransformersJs(String fixture) throws Exception {
        Tokenizer tok = Tokenizers.fromHf(FIXTURES.resolve(fixture).resolve("hf"));
        for (Case c : cases(fixture)) {
            assertArrayEquals(c.idsHf, tok.encode(c.text), () -> fixture + ": " + c.text);
            // llama.cpp parse_special=false == HF with special tokens not split out
            assertArrayEquals(c.ids, tok.encode(c.text, false, false), () -> fixture + " no-special: " + c.text);
            assertEquals(c.text, tok.decode(tok.encode(c.text, false, false)), () -> fixture + " round trip");
        }
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void ggufMetadataFromModelFileMatchesLlamaCpp(String fixture) throws Exception {
        Map<String, Object> meta = MiniGguf.metadata(FIXTURES.resolve(fixture).resolve("model.gguf"));
        Tokenizer tok = Tokenizers.fromGgufMetadata(meta);
        for (Case c : cases(fixture)) {
            assertArrayEquals(c.ids, tok.encode(c.text, false, false), () -> fixture + ": " + c.text);
            assertArrayEquals(c.idsParseSpecial, tok.encode(c.text, false, true), () -> fixture + " parse_special: " + c.text);
            assertEquals(c.text, tok.decode(tok.encode(c.text, false, false)), () -> fixture + " round trip");
        }
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void exportedGgufMetadataReproducesHfIds(String fixture) throws Exception {
        Tokenizer hf = Tokenizers.fromHf(FIXTURES.resolve(fixture).resolve("hf"));
        Map<String, Object> meta = hf.toGgufMetadata();
        assertEquals("llama", meta.get("tokenizer.ggml.model"));
        assertEquals(Boolean.TRUE, meta.get("tokenizer.ggml.add_space_prefix"));
        assertEquals(Boolean.TRUE, meta.get("tokenizer.ggml.add_bos_token"));
        assertEquals(1L, meta.get("tokenizer.ggml.bos_token_id"));
        Tokenizer gguf = Tokenizers.fromGgufMetadata(meta);
        assertEquals(hf.vocabSize(), gguf.vocabSize());
        for (Case c : cases(fixture)) {
            assertArrayEquals(c.idsHf, gguf.encode(c.text), () -> fixture + ": " + c.text);
            assertArrayEquals(c.ids, gguf.encode(c.text, false, false), () -> fixture + " no-special: " + c.text);
            assertArrayEquals(hf.encode(c.text, true), gguf.encode(c.text, true));
        }
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void writeHfRoundTrip(String fixture, @TempDir Path tmp) throws Exception {
        Tokenizer hf = Tokenizers.fromHf(FIXTURES.resolve(fixture).resolve("hf"));
        hf.writeHf(tmp.resolve("from-hf"));
        Tokenizer again = Tokenizers.fromHf(tmp.resolve("from-hf"));
        Tokenizer gguf = Tokenizers.fromGgufMetadata(MiniGguf.metadata(FIXTURES.resolve(fixture).resolve("model.gguf")));
        gguf.writeHf(tmp.resolve("from-gguf"));
        Tokenizer fromGguf = Tokenizers.fromHf(tmp.resolve("from-gguf"));
        for (Case c : cases(fixture)) {
            assertArrayEquals(c.idsHf, again.encode(c.text), () -> "HF rewritten: " + c.text);
            assertArrayEquals(hf.encode(c.text, true), again.encode(c.text, true));
            assertArrayEquals(c.idsHf, fromGguf.encode(c.text), () -> "GGUF written as HF: " + c.text);
            assertArrayEquals(hf.encode(c.text, true), fromGguf.encode(c.text, true));
            assertEquals(hf.decode(c.idsHf), fromGguf.decode(c.idsHf));
        }
    }
}
