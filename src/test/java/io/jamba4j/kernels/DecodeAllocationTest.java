package io.jamba4j.kernels;

import io.jamba4j.Jamba;
import io.jamba4j.generate.Sampler;
import io.jamba4j.generate.Session;
import org.junit.jupiter.api.Test;

/**
 * A whole model's decode step allocates nothing once compiled, on any thread (the "no allocation in the
 * decode loop"): the bundled default model (BF16 weights, Mamba, attention and MoE layers), 64 greedy steps at a time.
 * Where it still allocates after the warm-up rounds, {@link FlashAttentionTest#explainOrFail} records one more round
 * with JFR and aborts (Vector API boxes only: C2 compiled some kernel without its intrinsics in this JVM) or fails
 * naming the sites. Runs in the JVM of its own that FlashAttentionTest runs in (pom.xml), away from other classes'
 * profiles. Before the BF16 kernels' sums went through memory it failed this way in every run (a vector boxed per
 * four rows at a call to {@code VectorOps.sumLanes} C2 did not inline).
 */
class DecodeAllocationTest {
    @Test
    void decodeStepsOfTheDefaultModelAllocateNothing() throws Exception {
        try (Jamba j = Jamba.loadDefault()) {
            Session s = j.newSession(512);
            int v = j.config().vocabSize;
            int[] prompt = {1, 2, 3, 4};
            // the allocation of the last round's 64 steps alone (the prefill before them is not part of the property)
            long[] last = new long[1];
            Runnable decode64 = () -> {
                s.reset();
                int tok = Sampler.argmax(s.evaluate(prompt), 0, v);
                long before = FlashAttentionTest.allocatedBytes();
                for (int k = 0; k < 64; k++) tok = Sampler.argmax(s.step(tok), 0, v);
                last[0] = FlashAttentionTest.allocatedBytes() - before;
            };
            long[] round = {Long.MAX_VALUE, 0};
            for (int i = 0; i < 300 && round[0] != 0; i++) {
                decode64.run();
                round[0] = last[0];
            }
            if (round[0] != 0) {
                // judged by the 64 steps' own allocation (last), recorded over the whole round
                FlashAttentionTest.explainOrFail("64 decode steps after 300 rounds", round, a -> last[0] == 0, decode64);
            }
        }
    }
}
