package io.jamba4j.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class BpeTrainerTest {
    static final List<String> CORPUS = List.of(
            "The hybrid model reads a long document about the sea and the shore.",
            "Then it answers a question: which layers keep a small state, and which ones recall any token?",
            "The sea is calm; the shore is long. The model reads the sea, the shore, the sea again.",
            "In 2024 the model read 1234 documents and 56789 tokens per second.",
            "Tabs\tand\nnewlines\n\nstay characters; emoji 🙂 and CJK 海 are rare here.");

    static ByteFallbackBpe train(int size) {
        BpeTrainer t = new BpeTrainer(size, 0.999);
        for (int r = 0; r < 3; r++) CORPUS.forEach(t::add);
        return t.train();
    }

    @Test
    void trainsADeterministicByteFallbackVocabulary(@TempDir Path tmp) throws Exception {
        ByteFallbackBpe a = train(330), b = train(330);
        assertEquals(a.pieces(), b.pieces(), "deterministic");
        assertEquals(330, a.pieces().size());
        assertEquals("<unk>", a.pieces().get(0));
        assertEquals("<0x00>", a.pieces().get(3));
        for (String p : a.pieces().subList(259, a.pieces().size())) {
            assertFalse(p.indexOf('▁') > 0, "▁ only starts a piece: " + p);
            assertFalse(p.length() > 1 && p.chars().anyMatch(Character::isDigit), "digits stay single: " + p);
        }
        assertTrue(a.pieces().contains("▁the"), "frequent words become pieces");
        Tokenizer tok = Tokenizers.fromHf(a.write(tmp.resolve("tok")));
        assertTrue(Files.exists(tmp.resolve("tok/tokenizer_config.json")));
        for (String s : CORPUS) assertEquals(s, tok.decode(tok.encode(s)), "round trip");
        String rare = "unseen ✓ symbols ☃ fall back to bytes";
        assertEquals(rare, tok.decode(tok.encode(rare)));
        int[] digits = tok.encode("1234");
        assertEquals(4, digits.length, "each digit its own token");
        assertEquals(1, tok.encode("x", true)[0], "BOS added with special tokens");
    }

    @Test
    void rejectsBadSizes() {
        assertThrows(TokenizerException.class, () -> new BpeTrainer(100, 0.9995));
        assertThrows(TokenizerException.class, () -> new BpeTrainer(1000, 1.5));
    }
}
