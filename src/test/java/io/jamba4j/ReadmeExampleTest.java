package io.jamba4j;

import io.jamba4j.generate.GenerationResult;
import io.jamba4j.generate.SamplingParams;
import io.jamba4j.generate.Session;
import io.jamba4j.model.FixtureSupport;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** The README's library example, compiled and run on a fixture. */
class ReadmeExampleTest {
    @Test
    void readmeExampleRuns() throws Exception {
        Path modelPath = FixtureSupport.dir("B-hybrid-moe").resolve("model.gguf");
        StringBuilder streamed = new StringBuilder();
        // --- README example ---
        try (Jamba jamba = Jamba.load(modelPath)) {
            Session session = jamba.newSession(2048);
            GenerationResult r = session.generate("The sea", SamplingParams.greedy(32),
                    (token, text) -> streamed.append(text));
            float[] next = session.step(r.tokens()[r.tokens().length - 1]);
            int[] ids = jamba.tokenizer().encode("Hello", true);
            // --- end of example ---
            assertEquals(32, r.generatedTokens());
            assertEquals(r.text(), streamed.toString());
            assertEquals(jamba.config().vocabSize, next.length);
            assertEquals(1, ids[0], "BOS added");
        }
    }
}
