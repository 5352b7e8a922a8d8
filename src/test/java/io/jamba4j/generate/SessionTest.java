package io.jamba4j.generate;

import io.jamba4j.Jamba;
import io.jamba4j.model.FixtureSupport;
import io.jamba4j.model.ModelException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class SessionTest {
    static Jamba load() throws Exception {
        return Jamba.load(FixtureSupport.dir("A-tiny-dense").resolve("model.gguf"));
    }

    @Test
    void greedyGenerationReproducesTheFixtureContinuation() throws Exception {
        FixtureSupport.Reference ref = FixtureSupport.reference("A-tiny-dense", "ref");
        try (Jamba j = load()) {
            Session s = j.newSession(200);
            GenerationResult r = s.generate(ref.tokens(), SamplingParams.greedy(ref.greedy().length).withIgnoreEos(true), null);
            assertArrayEquals(ref.greedy(), r.tokens());
            assertEquals(StopReason.MAX_TOKENS, r.stopReason());
        }
    }

    @Test
    void stopStringCutsTheTextAndIsNeverStreamed() throws Exception {
        try (Jamba j = load()) {
            FixtureSupport.Reference ref = FixtureSupport.reference("A-tiny-dense", "ref");
            String full = j.newSession(200).generate(ref.tokens(), SamplingParams.greedy(32).withIgnoreEos(true), null).text();
            assertTrue(full.length() > 6, full);
            String stop = full.substring(3, 6);
            StringBuilder streamed = new StringBuilder();
            GenerationResult r = j.newSession(200).generate(ref.tokens(), SamplingParams.greedy(32).withIgnoreEos(true).withStopStrings(List.of(stop)),
                    (id, t) -> streamed.append(t));
            assertEquals(StopReason.STOP_STRING, r.stopReason());
            assertEquals(full.substring(0, full.indexOf(stop)), r.text());
            assertEquals(r.text(), streamed.toString());
        }
    }

    @Test
    void contextLimitEndsGenerationWithAReason() throws Exception {
        try (Jamba j = load()) {
            Session s = j.newSession(10);
            GenerationResult r = s.generate(new int[]{1, 300, 301}, SamplingParams.greedy(100).withIgnoreEos(true), null);
            assertEquals(StopReason.CONTEXT_FULL, r.stopReason());
            assertEquals(10, s.position());
            assertEquals(8, r.generatedTokens(), "7 fed + the last sampled one");
        }
    }

    @Test
    void emptyOrOverlongPromptsAreClearErrors() throws Exception {
        try (Jamba j = load()) {
            var e = assertThrows(ModelException.class, () -> j.newSession(10).generate(new int[0], SamplingParams.greedy(4), null));
            assertTrue(e.getMessage().contains("empty"), e.getMessage());
            e = assertThrows(ModelException.class, () -> j.newSession(4).generate(new int[]{1, 2, 3, 4, 5}, SamplingParams.greedy(4), null));
            assertTrue(e.getMessage().contains("5 tokens") && e.getMessage().contains("context"), e.getMessage());
        }
    }

    @Test
    void samplingIsSeededAndFiltersApply() throws Exception {
        try (Jamba j = load()) {
            int[] prompt = {1, 343, 436};
            var p = SamplingParams.defaults(16, 123).withIgnoreEos(true);
            int[] a = j.newSession(64).generate(prompt, p, null).tokens();
            int[] b = j.newSession(64).generate(prompt, p, null).tokens();
            assertArrayEquals(a, b, "same seed, same tokens");
            var topK1 = new SamplingParams(1.5f, 1, 1f, 0f, 1f, 0f, 0f, 64, 9, 16, List.of(), true);
            int[] k1 = j.newSession(64).generate(prompt, topK1, null).tokens();
            int[] greedy = j.newSession(64).generate(prompt, SamplingParams.greedy(16).withIgnoreEos(true), null).tokens();
            assertArrayEquals(greedy, k1, "top-k 1 is greedy whatever the temperature");
        }
    }

    @Test
    void topKAndTopPKeepExactlyTheRightCandidates() {
        // logits with a clear order: token i has logit -i/10 (ties none), shuffled ids
        int v = 5000;
        float[] logits = new float[v];
        java.util.Random r = new java.util.Random(5);
        for (int i = 0; i < v; i++) logits[i] = (float) r.nextGaussian();
        // top-k 3 at a huge temperature samples (almost) uniformly among the 3 best ids only
        int[] best = java.util.stream.IntStream.range(0, v).boxed().sorted((a, b) -> Float.compare(logits[b], logits[a])).limit(3).mapToInt(i -> i).toArray();
        var p = new SamplingParams(1000f, 3, 1f, 0f, 1f, 0f, 0f, 0, 1, 1, List.of(), false);
        Sampler s = new Sampler(p, v);
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (int k = 0; k < 300; k++) seen.add(s.sample(logits.clone(), 0, v));
        assertEquals(java.util.Set.of(best[0], best[1], best[2]), seen);
        // top-p tiny keeps only the best
        var q = new SamplingParams(1f, 0, 1e-6f, 0f, 1f, 0f, 0f, 0, 1, 1, List.of(), false);
        Sampler t = new Sampler(q, v);
        for (int k = 0; k < 20; k++) assertEquals(best[0], t.sample(logits.clone(), 0, v));
    }

    @Test
    void penaltiesLowerRepeatedTokens() {
        var p = new SamplingParams(0f, 0, 1f, 0f, 2f, 0.5f, 0.25f, 4, 0, 8, List.of(), false);
        Sampler s = new Sampler(p, 4);
        s.accept(0);
        s.accept(0);
        float[] logits = {4f, 3f, -1f, 0f};
        int next = s.sample(logits, 0, 4);
        assertEquals(4f / 2 - 2 * 0.5f - 0.25f, logits[0], 1e-6);
        assertEquals(1, next);
    }
}
