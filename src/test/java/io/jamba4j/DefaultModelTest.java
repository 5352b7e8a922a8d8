package io.jamba4j;

import io.jamba4j.generate.GenerationResult;
import io.jamba4j.generate.SamplingParams;
import io.jamba4j.model.JambaModel;
import io.jamba4j.model.Workspace;
import io.jamba4j.train.CrossEntropy;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The bundled default model (models/default): found without a path, loads, predicts held-out text well below the
 * unigram entropy, and writes English words.
 */
class DefaultModelTest {
    @Test
    void bundledModelIsFoundAndPredictsHeldOutText() throws Exception {
        Path p = Jamba.defaultModelPath();
        assertNotNull(p, "models/default not found from the test classpath");
        assertTrue(p.endsWith(Path.of("models", "default")), p.toString());
        // the first 4,096 tokens of the validation split of scripts/train-default-model.sh's data (documents never
        // trained on), as little-endian uint16
        byte[] raw = Files.readAllBytes(Path.of("src/test/resources/default-model/val-head.bin"));
        ByteBuffer bb = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        int[] tokens = new int[raw.length / 2];
        for (int i = 0; i < tokens.length; i++) tokens[i] = bb.getShort() & 0xFFFF;
        try (Jamba j = Jamba.loadDefault()) {
            JambaModel m = j.model();
            int v = j.config().vocabSize, win = 256;
            double sum = 0;
            int windows = 0;
            for (int s = 0; s + win + 1 <= tokens.length; s += win) {
                float[] logits = new float[win * v];
                m.forward(tokens, s, win, m.newCache(win), new Workspace(), logits, true);
                int[] targets = java.util.Arrays.copyOfRange(tokens, s + 1, s + win + 1);
                sum += CrossEntropy.forwardBackward(logits, targets, win, v, CrossEntropy.IGNORE_INDEX, null);
                windows++;
            }
            double loss = sum / windows;
            // measured 4.69 nats on these tokens (3.73 over the whole split, the model card's figure); the corpus's
            // unigram entropy is 6.35 and an untrained model's loss ln(8192) = 9.0
            assertTrue(loss < 5.2, "held-out loss " + loss);

            GenerationResult r = j.newSession(256).generate("A list is", SamplingParams.greedy(24), null);
            String text = r.text();
            long words = java.util.Arrays.stream(text.split("[^A-Za-z]+"))
                    .filter(w -> w.matches("(?i)the|a|an|of|is|to|and|in|or|for|that|this|be|are|with|as|it|list|value|object|function"))
                    .count();
            assertTrue(words >= 3, "expected common English words in: " + text);
        }
    }
}
