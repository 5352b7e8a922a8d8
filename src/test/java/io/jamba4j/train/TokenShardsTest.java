package io.jamba4j.train;

import io.jamba4j.tokenizer.Tokenizer;
import io.jamba4j.tokenizer.Tokenizers;
import io.jamba4j.model.FixtureSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class TokenShardsTest {
    @Test
    void preparesShardsWithAHeldOutSplitAndSamplesWindows(@TempDir Path tmp) throws Exception {
        Path corpus = tmp.resolve("corpus");
        Files.createDirectories(corpus);
        StringBuilder fortunes = new StringBuilder();
        for (int i = 0; i < 200; i++) fortunes.append("Fortune number ").append(i).append(" says the sea is calm.\n%\n");
        Files.writeString(corpus.resolve("fortunes.txt"), fortunes);
        Files.writeString(corpus.resolve("doc.rst.txt"), "A whole document\nwith two lines.\n");
        Tokenizer tok = Tokenizers.fromHf(FixtureSupport.dir("A-tiny-dense").resolve("hf"));
        var meta = TokenShards.prepare(Corpus.of(List.of(corpus)), tok, 0.1, tmp.resolve("data"));
        assertEquals(201, meta.get("train_documents").asInt() + meta.get("val_documents").asInt(), "fortune entries are documents");
        assertTrue(meta.get("val_documents").asInt() > 5 && meta.get("val_documents").asInt() < 50, meta.toString());
        assertTrue(meta.get("unigram_entropy_nats").asDouble() > 1, meta.toString());
        try (TokenShards s = TokenShards.open(tmp.resolve("data"))) {
            assertEquals(meta.get("train_tokens").asLong(), s.trainTokens());
            assertEquals(1, s.token(false, 0), "documents start with BOS");
            int[] w = s.randomWindow(false, 17, new SplittableRandom(1));
            assertEquals(17, w.length);
            assertArrayEquals(w, s.randomWindow(false, 17, new SplittableRandom(1)), "seeded sampling is reproducible");
            for (int id : w) assertTrue(id >= 0 && id < 512);
            assertThrows(IllegalArgumentException.class, () -> s.randomWindow(true, 1_000_000, new SplittableRandom(1)));
        }
        // the same corpus prepared again gives byte-identical shards
        TokenShards.prepare(Corpus.of(List.of(corpus)), tok, 0.1, tmp.resolve("again"));
        assertEquals(-1, Files.mismatch(tmp.resolve("data/train.bin"), tmp.resolve("again/train.bin")));
    }
}
