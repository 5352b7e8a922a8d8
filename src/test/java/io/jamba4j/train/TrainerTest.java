package io.jamba4j.train;

import io.jamba4j.model.FixtureSupport;
import io.jamba4j.model.JambaConfig;
import io.jamba4j.model.ModelLoader;
import io.jamba4j.tokenizer.Tokenizer;
import io.jamba4j.tokenizer.Tokenizers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class TrainerTest {
    static JambaConfig tiny() {
        JambaConfig.Builder b = new JambaConfig.Builder();
        b.vocabSize = 512; b.hiddenSize = 16; b.intermediateSize = 24; b.numHiddenLayers = 2;
        b.numAttentionHeads = 2; b.numKeyValueHeads = 1; b.attnLayerPeriod = 2; b.attnLayerOffset = 1;
        b.numExperts = 4; b.numExpertsPerTok = 2; b.expertLayerPeriod = 2; b.expertLayerOffset = 1;
        b.mambaDState = 4; b.mambaDtRank = 2;
        return b.build().validate("tiny");
    }

    static Path data(Path tmp, Tokenizer tok) throws Exception {
        Path corpus = tmp.resolve("corpus");
        Files.createDirectories(corpus);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 300; i++) sb.append("The sea number ").append(i % 17).append(" meets the shore, and the shore keeps a small state.\n%\n");
        Files.writeString(corpus.resolve("f.txt"), sb);
        TokenShards.prepare(Corpus.of(List.of(corpus)), tok, 0.1, tmp.resolve("data"));
        return tmp.resolve("data");
    }

    @Test
    void resumingFromACheckpointGivesExactlyTheUninterruptedRun(@TempDir Path tmp) throws Exception {
        Tokenizer tok = Tokenizers.fromHf(FixtureSupport.dir("A-tiny-dense").resolve("hf"));
        Path dataDir = data(tmp, tok);
        TrainConfig cfg = TrainConfig.defaults(6, 2, 16, 3e-3);
        try (TokenShards d = TokenShards.open(dataDir)) {
            Trainer straight = new Trainer(TrainingModel.randomInit(tiny(), 5), d, cfg, tmp.resolve("a"), tok);
            straight.run(6, null);

            Trainer first = new Trainer(TrainingModel.randomInit(tiny(), 5), d, cfg, tmp.resolve("b"), tok);
            first.run(3, null);
            Files.createDirectories(tmp.resolve("b/checkpoint-4.tmp")); // debris of a run killed mid-save is ignored
            // log rows of steps the killed run made after its last checkpoint are dropped on resume
            Files.writeString(tmp.resolve("b/train_log.csv"), "4,0.001,9.9,1.0,,100.0\n5,0.001,9.9,1.0,,100.0\n",
                    java.nio.file.StandardOpenOption.APPEND);
            Trainer second = Trainer.resume(tmp.resolve("b"), d, cfg, tok);
            assertNotNull(second);
            assertEquals(3, second.step());
            second.run(6, null);

            var pa = straight.model().parameters().tensors();
            var pb = second.model().parameters().tensors();
            assertEquals(pa.keySet(), pb.keySet());
            for (String n : pa.keySet()) assertArrayEquals(pa.get(n).heapFloats(), pb.get(n).heapFloats(), n);
            assertEquals("checkpoint-6", Files.readString(tmp.resolve("b/latest")).strip());
            assertTrue(Files.readString(tmp.resolve("a/train_log.csv")).lines().count() == 7, "header + 6 steps");
            // the resumed run's log has each step once, with the uninterrupted run's losses
            List<String> la = Files.readAllLines(tmp.resolve("a/train_log.csv")), lb = Files.readAllLines(tmp.resolve("b/train_log.csv"));
            assertEquals(la.size(), lb.size());
            for (int i = 0; i < la.size(); i++) {
                String[] fa = la.get(i).split(","), fb = lb.get(i).split(",");
                assertEquals(fa[0] + fa[2] + fa[3], fb[0] + fb[2] + fb[3], "log line " + i);
            }
        }
        // the checkpoint is an HF model the inference engine loads
        try (ModelLoader.Checkpoint ck = ModelLoader.open(tmp.resolve("a/checkpoint-6"))) {
            var m = ModelLoader.build(ck);
            float[] logits = new float[512];
            m.forward(new int[]{1, 300, 301}, 0, 3, m.newCache(4), new io.jamba4j.model.Workspace(), logits, false);
            for (float x : logits) assertTrue(Float.isFinite(x));
        }
    }

    @Test
    void trainingLowersValidationLossAndANaNStopsWithTheStep(@TempDir Path tmp) throws Exception {
        Tokenizer tok = Tokenizers.fromHf(FixtureSupport.dir("A-tiny-dense").resolve("hf"));
        Path dataDir = data(tmp, tok);
        try (TokenShards d = TokenShards.open(dataDir)) {
            TrainConfig cfg = TrainConfig.defaults(60, 4, 24, 1e-2);
            Trainer t = new Trainer(TrainingModel.randomInit(tiny(), 9), d, cfg, tmp.resolve("run"), tok);
            double before = t.validationLoss();
            t.run(60, null);
            double after = t.validationLoss();
            assertTrue(after < before - 1.0, "validation loss " + before + " -> " + after);
            double unigram = new com.fasterxml.jackson.databind.ObjectMapper().readTree(dataDir.resolve("meta.json").toFile())
                    .get("unigram_entropy_nats").asDouble();
            assertTrue(after < unigram - 0.5, "validation loss " + after + " is clearly below the unigram entropy " + unigram);

            TrainingModel poisoned = TrainingModel.randomInit(tiny(), 9);
            poisoned.parameters().get("model.final_layernorm.weight")[0] = Float.NaN;
            Trainer bad = new Trainer(poisoned, d, cfg, tmp.resolve("bad"), tok);
            var e = assertThrows(Trainer.NonFiniteException.class, () -> bad.run(5, null));
            assertTrue(e.getMessage().contains("step 1"), e.getMessage());
            assertFalse(Files.exists(tmp.resolve("bad/latest")), "no checkpoint written");
        }
    }
}
