package io.jamba4j.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The F16 KV cache against llama.cpp's reference log-probs (computed with an F32 cache, so the difference is the
 * cost of the F16 storage; the tiled kernel itself matches the straightforward attention over the same rounded values
 * to ~3e-6, see FlashAttentionTest).
 *
 * <p>Tolerance {@value #TOL}, from binary16's unit roundoff u = 2^−11 ≈ 4.9e-4: every cached K and V element is
 * stored with a relative error of at most u, so each attention output (a convex combination of V rows, weighted by a
 * softmax of q·k/√d) is perturbed by O(u) relative to its size; passed on through the residual stream, the final norm
 * and the head, a relative perturbation of order u of the final hidden state moves a log-prob by about u·|log-prob|.
 * The reference log-probs reach −23.7 in these fixtures, so the expected scale is u·24 ≈ 1.2e-2. Measured worst
 * |Δ log-prob| (prompt / decode): A 2.6e-3 / 2.2e-3, B 5.7e-3 / 5.4e-3, C 4.7e-3 / 3.0e-3 (against ~1.5e-5 with F32),
 * i.e. an effective relative error of about u/2, as expected for round-to-nearest. Greedy ids are asserted identical.
 * llama.cpp's own default cache type is F16 (and it also rounds q to F16 for the q·k product, which this engine does
 * not).
 */
class KvCacheF16Test {
    static final double TOL = 1e-2;

    static List<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (String n : FixtureSupport.NAMES) {
            out.add(Arguments.of(n, "hf"));
            out.add(Arguments.of(n, "model.gguf"));
        }
        return out;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void f16CacheStaysCloseToLlamaCpp(String fixture, String file) throws Exception {
        FixtureSupport.Reference r = FixtureSupport.reference(fixture, "ref");
        Path path = FixtureSupport.dir(fixture).resolve(file);
        try (ModelLoader.Checkpoint ckpt = ModelLoader.open(path)) {
            JambaModel model = ModelLoader.build(ckpt);
            Cache cache = model.newCache(r.tokens().length + r.greedy().length, KvType.F16);
            assertEquals(KvType.F16, cache.kvType());
            FixtureSupport.Replay got = FixtureSupport.replay(model, cache, r);
            double worst = got.promptWorst(), worstGen = got.decodeWorst();
            int[] greedy = got.greedy();
            System.out.printf("F16 KV %s %s: prompt max |Δ| %.2e, decode max |Δ| %.2e%n", fixture, file, worst, worstGen);
            assertArrayEquals(r.greedy(), greedy, fixture + " " + file + ": greedy ids");
            assertTrue(worst <= TOL, fixture + " " + file + ": prompt max |Δ log-prob| = " + worst);
            assertTrue(worstGen <= TOL, fixture + " " + file + ": decode max |Δ log-prob| = " + worstGen);
        }
    }

    @Test
    void cacheBytesFollowTheElementType() throws Exception {
        try (ModelLoader.Checkpoint ckpt = ModelLoader.open(FixtureSupport.dir("B-hybrid-moe").resolve("model.gguf"))) {
            JambaModel m = ModelLoader.build(ckpt);
            JambaConfig c = m.config();
            for (int ctx : new int[]{1, 100, 4096}) {
                Cache f32 = m.newCache(ctx), f16 = m.newCache(ctx, KvType.F16);
                assertEquals(c.kvCacheBytes(ctx, 4) + c.mambaStateBytes(), f32.bytes());
                assertEquals(c.kvCacheBytes(ctx, 2) + c.mambaStateBytes(), f16.bytes());
                assertEquals(c.kvCacheBytes(ctx, KvType.F16.bytes()), c.kvCacheBytes(ctx, 4) / 2);
            }
        }
    }

    @Test
    void kvTypeParses() {
        assertEquals(KvType.F16, KvType.parse("F16"));
        assertEquals(KvType.F32, KvType.parse("f32"));
        assertThrows(ModelException.class, () -> KvType.parse("q8_0"));
    }
}
