package io.jamba4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Focused behaviours on the tiny fixture vocabulary and hand-written tokenizer.json files. */
class TokenizerUnitTest {
    static final Path TINY = Path.of("src/test/resources/fixtures/A-tiny-dense/hf");

    @Test
    void byteFallbackForCharactersOutsideTheVocabulary() {
        Tokenizer tok = Tokenizers.fromHf(TINY);
        int[] ids = tok.encode("🤖");
        // ▁ then the four UTF-8 bytes of U+1F916 as <0xXX> pieces
        List<String> pieces = new ArrayList<>();
        for (int id : ids) pieces.add(tok.piece(id));
        assertEquals(List.of("▁", "<0xF0>", "<0x9F>", "<0xA4>", "<0x96>"), pieces);
        assertEquals(TokenType.BYTE, tok.tokenType(ids[1]));
        assertEquals("🤖", tok.decode(ids));
    }

    @Test
    void streamingDecoderNeverEmitsHalfACharacter() {
        Tokenizer tok = Tokenizers.fromHf(TINY);
        int[] ids = tok.encode("a🤖b");
        StreamingDecoder sd = tok.streamingDecoder();
        List<String> chunks = new ArrayList<>();
        for (int id : ids) chunks.add(sd.next(id));
        chunks.add(sd.flush());
        assertEquals("a🤖b", String.join("", chunks));
        for (String c : chunks) assertFalse(c.contains("\uFFFD"), chunks.toString());
        assertTrue(chunks.contains("🤖"), chunks.toString()); // emitted whole, once its 4th byte arrived
        // an incomplete sequence at the end comes out of flush() as U+FFFD
        StreamingDecoder partial = tok.streamingDecoder();
        assertEquals("", partial.next(tok.id("<0xF0>").getAsInt()));
        assertEquals("\uFFFD", partial.flush());
    }

    @Test
    void addedTokensAreSplitOutWithLstripAndRstrip(@TempDir Path dir) throws Exception {
        String json = Files.readString(TINY.resolve("tokenizer.json"));
        // add <mask> (lstrip) and <sep> (rstrip) and <w> (single_word) as added tokens after the vocabulary
        String extra = """
                {"id": 512, "content": "<mask>", "single_word": false, "lstrip": true, "rstrip": false, "normalized": false, "special": true},
                {"id": 513, "content": "<sep>", "single_word": false, "lstrip": false, "rstrip": true, "normalized": false, "special": false},
                {"id": 514, "content": "<w>", "single_word": true, "lstrip": false, "rstrip": false, "normalized": false, "special": false},
                """;
        json = json.replaceFirst("\"added_tokens\":\\s*\\[", "\"added_tokens\": [" + extra);
        Files.writeString(dir.resolve("tokenizer.json"), json);
        Tokenizer tok = Tokenizers.fromHf(dir);
        assertEquals(515, tok.vocabSize());
        int[] ids = tok.encode("a   <mask> b<sep>   c");
        int[] a = tok.encode("a"), b = tok.encode(" b"), c = tok.encode("c");
        int[] expected = concat(a, new int[] {512}, b, new int[] {513}, c);
        assertArrayEquals(expected, ids);
        assertTrue(tok.isSpecial(512));
        assertFalse(tok.isSpecial(513));
        // single_word: only when not inside a word
        assertEquals(514, tok.encode("x <w> y")[tok.encode("x ").length]);
        for (int id : tok.encode("x<w>y")) assertTrue(id != 514);
        // parseSpecial=false keeps special tokens as text but still splits non-special added tokens
        int[] noSpecial = tok.encode("<mask><sep>", false, false);
        assertEquals(513, noSpecial[noSpecial.length - 1]);
        for (int i = 0; i < noSpecial.length - 1; i++) assertTrue(noSpecial[i] < 512);
    }

    @Test
    void addSpecialUsesConfigAndPostProcessor() {
        Tokenizer tok = Tokenizers.fromHf(TINY);
        assertEquals(1, tok.bosId().getAsInt());
        assertEquals(2, tok.eosId().getAsInt());
        assertEquals(0, tok.unkId().getAsInt());
        assertTrue(tok.padId().isEmpty());
        int[] ids = tok.encode("Hello", true);
        assertEquals(1, ids[0]);
        assertArrayEquals(tok.encode("Hello"), java.util.Arrays.copyOfRange(ids, 1, ids.length));
        assertArrayEquals(new int[] {1}, tok.encode("", true));
        // special tokens are rendered; the leading-space strip only touches the start of the text (HF Rust)
        assertEquals("<s> Hello", tok.decode(ids));
        assertEquals("Hello", tok.decode(ids, true));
    }

    @Test
    void ggufSpmScoresDriveMerges() {
        // vocabulary where the merge order matters: "ab" scores higher than "bc"
        Map<String, Object> meta = new HashMap<>();
        List<Object> tokens = new ArrayList<>(List.of("<unk>", "<s>", "</s>", "▁", "a", "b", "c", "ab", "bc", "▁ab"));
        List<Object> scores = new ArrayList<>(List.of(0f, 0f, 0f, -1f, -2f, -2f, -2f, -3f, -5f, -4f));
        List<Object> types = new ArrayList<>(List.of(2L, 3L, 3L, 1L, 1L, 1L, 1L, 1L, 1L, 1L));
        for (int b = 0; b < 256; b++) {
            tokens.add(Vocab.bytePiece(b));
            scores.add(0f);
            types.add(6L);
        }
        meta.put("tokenizer.ggml.model", "llama");
        meta.put("tokenizer.ggml.tokens", tokens);
        meta.put("tokenizer.ggml.scores", scores);
        meta.put("tokenizer.ggml.token_type", types);
        meta.put("tokenizer.ggml.bos_token_id", 1L);
        meta.put("tokenizer.ggml.eos_token_id", 2L);
        Tokenizer tok = Tokenizers.fromGgufMetadata(meta);
        // ▁ a b c: "ab" (-3) beats "bc" (-5); then "▁ab" (-4)
        assertArrayEquals(new int[] {9, 6}, tok.encode("abc"));
        assertArrayEquals(new int[] {1, 9, 6}, tok.encode("abc", true));
        // 'x' is not a piece: byte fallback
        assertArrayEquals(new int[] {3, 10 + 'x'}, tok.encode("x"));
        meta.put("tokenizer.ggml.add_space_prefix", false);
        assertArrayEquals(new int[] {7, 6}, Tokenizers.fromGgufMetadata(meta).encode("abc"));
    }

    @Test
    void decodeRejectsIdsOutOfRange() {
        Tokenizer tok = Tokenizers.fromHf(TINY);
        TokenizerException e = assertThrows(TokenizerException.class, () -> tok.decode(new int[] {5, 512}));
        assertTrue(e.getMessage().contains("512") && e.getMessage().contains("vocabulary size is 512"), e.getMessage());
        assertThrows(TokenizerException.class, () -> tok.decode(new int[] {-1}));
    }

    @Test
    void clearErrorsForBadFiles(@TempDir Path dir) throws Exception {
        TokenizerException missing = assertThrows(TokenizerException.class, () -> Tokenizers.fromHf(dir));
        assertTrue(missing.getMessage().contains("tokenizer.json not found"), missing.getMessage());

        Path malformed = dir.resolve("broken.json");
        Files.writeString(malformed, "{\"model\": {\"type\": \"BPE\", ");
        TokenizerException syntax = assertThrows(TokenizerException.class, () -> Tokenizers.fromHf(malformed));
        assertTrue(syntax.getMessage().contains("broken.json") && syntax.getMessage().contains("malformed JSON"), syntax.getMessage());

        Path badField = dir.resolve("badfield.json");
        Files.writeString(badField, "{\"model\": {\"type\": \"BPE\", \"vocab\": [\"a\"], \"merges\": []}}");
        TokenizerException field = assertThrows(TokenizerException.class, () -> Tokenizers.fromHf(badField));
        assertTrue(field.getMessage().contains("badfield.json") && field.getMessage().contains("'vocab'"), field.getMessage());

        Path wordPiece = dir.resolve("wordpiece.json");
        Files.writeString(wordPiece, "{\"model\": {\"type\": \"WordPiece\", \"vocab\": {\"a\": 0}}}");
        TokenizerException unsupported = assertThrows(TokenizerException.class, () -> Tokenizers.fromHf(wordPiece));
        assertTrue(unsupported.getMessage().contains("wordpiece.json") && unsupported.getMessage().contains("WordPiece"), unsupported.getMessage());

        TokenizerException gguf = assertThrows(TokenizerException.class,
                () -> Tokenizers.fromGgufMetadata(Map.of("tokenizer.ggml.model", "bert", "tokenizer.ggml.tokens", List.of("a"))));
        assertTrue(gguf.getMessage().contains("bert"), gguf.getMessage());
        TokenizerException ggufType = assertThrows(TokenizerException.class,
                () -> Tokenizers.fromGgufMetadata(Map.of("tokenizer.ggml.model", "llama", "tokenizer.ggml.tokens", List.of(1L))));
        assertTrue(ggufType.getMessage().contains("tokenizer.ggml.tokens"), ggufType.getMessage());
    }

    @Test
    void byteLevelGgufRoundTripOnHandMadeVocabulary(@TempDir Path dir) {
        // a byte-level vocabulary: the 256 byte characters plus "Ġt", "he", "Ġthe"
        List<Object> tokens = new ArrayList<>();
        for (int b = 0; b < 256; b++) tokens.add(String.valueOf(ByteLevel.charOf(b)));
        tokens.addAll(List.of("Ġt", "he", "Ġthe", "<|eot|>"));
        List<Object> types = new ArrayList<>();
        for (int i = 0; i < tokens.size(); i++) types.add(i == tokens.size() - 1 ? 3L : 1L);
        Map<String, Object> meta = new HashMap<>();
        meta.put("tokenizer.ggml.model", "gpt2");
        meta.put("tokenizer.ggml.pre", "llama-bpe");
        meta.put("tokenizer.ggml.tokens", tokens);
        meta.put("tokenizer.ggml.token_type", types);
        meta.put("tokenizer.ggml.merges", List.of("Ġ t", "h e", "Ġt he"));
        meta.put("tokenizer.ggml.eos_token_id", 259L);
        Tokenizer tok = Tokenizers.fromGgufMetadata(meta);
        int[] ids = tok.encode("the the<|eot|>");
        assertArrayEquals(new int[] {'t', 257, 258, 259}, ids);
        assertEquals("the the<|eot|>", tok.decode(ids));
        assertEquals("the the", tok.decode(ids, true));
        tok.writeHf(dir);
        Tokenizer hf = Tokenizers.fromHf(dir);
        assertArrayEquals(ids, hf.encode("the the<|eot|>"));
        assertEquals(meta.get("tokenizer.ggml.merges"), hf.toGgufMetadata().get("tokenizer.ggml.merges"));
        assertEquals("llama-bpe", hf.toGgufMetadata().get("tokenizer.ggml.pre"));
    }

    private static int[] concat(int[]... parts) {
        int n = 0;
        for (int[] p : parts) n += p.length;
        int[] r = new int[n];
        int i = 0;
        for (int[] p : parts) {
            System.arraycopy(p, 0, r, i, p.length);
            i += p.length;
        }
        return r;
    }
}
