package io.jamba4j.kernels;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The tiled online-softmax attention against the straightforward one (a full row of scores per query and head, a
 * softmax, then the weighted sum of values: the engine's attention before the tiling), over many shapes: prefill in
 * several chunks, decode, GQA groups, head sizes below, at and off the SIMD width, T and positions that are not
 * multiples of the query tile or key block, one thread and the pool, F32 and F16 caches.
 *
 * <p>Tolerance: relative to the largest |value| of the output row (each output is a convex combination of value
 * rows; an element that cancels to near zero has no relative precision of its own), 1e-5 plus the forward-error bound
 * of a float32 score: an absolute error δ in a score is a relative error δ in its weight, and a d_h-term dot product
 * rounded in any order is off by at most d_h·2⁻²⁴·Σ|q_i·k_i| (times the scale). That term matters only for the
 * peaked softmaxes of large scores, where the kernel's and any reference's summation orders differ visibly.
 */
class FlashAttentionTest {
    static final double TOL = 1e-5;

    /**
     * The straightforward attention in double precision (a full row of scores per query and head, a softmax, then
     * the weighted sum of values: the engine's attention before the tiling), as the reference. {@code bound}: per
     * (row, head), the largest float32 score error bound over its keys.
     */
    static void reference(float[] q, float[] out, double[] bound, int T, int position, int nHeads, int nKv, int hd,
                          float scale, float[] k, float[] v) {
        int qDim = nHeads * hd, kvDim = nKv * hd, group = nHeads / nKv;
        double[] scores = new double[position + T];
        for (int t = 0; t < T; t++) {
            int len = position + t + 1;
            for (int h = 0; h < nHeads; h++) {
                int qOff = t * qDim + h * hd, kvHead = h / group;
                double max = Double.NEGATIVE_INFINITY, worst = 0;
                for (int tau = 0; tau < len; tau++) {
                    double s = 0, abs = 0;
                    for (int i = 0; i < hd; i++) {
                        double x = (double) q[qOff + i] * k[tau * kvDim + kvHead * hd + i];
                        s += x;
                        abs += Math.abs(x);
                    }
                    scores[tau] = s * scale;
                    max = Math.max(max, scores[tau]);
                    worst = Math.max(worst, hd * 0x1p-24 * abs * scale);
                }
                bound[t * nHeads + h] = worst;
                double sum = 0;
                for (int tau = 0; tau < len; tau++) sum += scores[tau] = Math.exp(scores[tau] - max);
                for (int i = 0; i < hd; i++) {
                    double o = 0;
                    for (int tau = 0; tau < len; tau++) o += scores[tau] * v[tau * kvDim + kvHead * hd + i];
                    out[qOff + i] = (float) (o / sum);
                }
            }
        }
    }

    static float[] gaussian(Random r, int n, float s) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian() * s;
        return a;
    }

    /**
     * Fills a cache of {@code chunks} summed tokens chunk by chunk (as the model does: the chunk's rows are stored,
     * then attended) and compares every chunk's output with the reference.
     */
    static double check(int nHeads, int nKv, int hd, int[] chunks, boolean half, boolean parallel, float qScale, long seed) {
        Random r = new Random(seed);
        int total = 0;
        for (int c : chunks) total += c;
        int qDim = nHeads * hd, kvDim = nKv * hd;
        float scale = (float) (1 / Math.sqrt(hd));
        float[] k = gaussian(r, total * kvDim, 1f), v = gaussian(r, total * kvDim, 1f);
        short[] kh = new short[k.length], vh = new short[v.length];
        if (half) { // the reference sees exactly the values the F16 cache holds
            VectorOps.floatToHalf(k, 0, kh, 0, k.length);
            VectorOps.floatToHalf(v, 0, vh, 0, v.length);
            VectorOps.halfToFloat(kh, 0, k, 0, k.length);
            VectorOps.halfToFloat(vh, 0, v, 0, v.length);
        }
        // the engine's cache (head-major, keys transposed in tiles of 16 positions, whole tiles); the padding
        // positions are NaN and must not matter
        float[] kc = new float[FlashAttention.cacheRows(total) * kvDim], vc = new float[kc.length];
        short[] khc = new short[kc.length], vhc = new short[kc.length];
        java.util.Arrays.fill(kc, Float.NaN);
        java.util.Arrays.fill(vc, Float.NaN);
        java.util.Arrays.fill(khc, Float.floatToFloat16(Float.NaN));
        java.util.Arrays.fill(vhc, Float.floatToFloat16(Float.NaN));
        FlashAttention.storeKeys(k, 0, total, 0, nKv, hd, kc);
        FlashAttention.storeKeys(k, 0, total, 0, nKv, hd, khc);
        FlashAttention.storeValues(v, 0, total, 0, nKv, hd, vc);
        FlashAttention.storeValues(v, 0, total, 0, nKv, hd, vhc);
        double worst = 0;
        int position = 0;
        for (int T : chunks) {
            float[] q = gaussian(r, T * qDim, qScale);
            float[] want = new float[T * qDim], got = new float[T * qDim];
            java.util.Arrays.fill(got, Float.NaN); // every element must be written
            double[] bound = new double[T * nHeads];
            reference(q, want, bound, T, position, nHeads, nKv, hd, scale, k, v);
            if (half) FlashAttention.attend(q, got, T, position, nHeads, nKv, hd, scale, khc, vhc, parallel);
            else FlashAttention.attend(q, got, T, position, nHeads, nKv, hd, scale, kc, vc, parallel);
            for (int row = 0; row < T * nHeads; row++) {
                double mag = 1e-30;
                for (int i = 0; i < hd; i++) mag = Math.max(mag, Math.abs(want[row * hd + i]));
                for (int i = 0; i < hd; i++) {
                    double d = Math.abs(want[row * hd + i] - got[row * hd + i]) / mag;
                    assertFalse(Double.isNaN(got[row * hd + i]), "NaN at row " + row);
                    worst = Math.max(worst, d / (TOL + bound[row]));
                    if (d > TOL + bound[row]) {
                        fail(String.format("heads %d/%d hd %d chunks %s half %b parallel %b: chunk at %d, row %d col %d: %g vs %g",
                                nHeads, nKv, hd, java.util.Arrays.toString(chunks), half, parallel, position, row, i,
                                got[row * hd + i], want[row * hd + i]));
                    }
                }
            }
            position += T;
        }
        return worst;
    }

    static final int[][] HEADS = {{1, 1, 64}, {4, 2, 16}, {6, 2, 8}, {8, 2, 4}, {4, 4, 128}, {8, 2, 24}, {3, 1, 37}, {2, 1, 33}};

    static final int[][] CHUNKS = {
            {1},                 // one token
            {5, 1, 1, 1},        // prefill then decode
            {16, 16, 17},        // tile boundaries and one over
            {37, 100, 1, 3},     // positions off every tile and block
            {300, 1, 1},         // more keys than a block for every head size
    };

    @Test
    void equalsStraightforwardAttention() {
        long seed = 1;
        double worst = 0;
        for (int[] h : HEADS) {
            for (int[] chunks : CHUNKS) {
                for (boolean parallel : new boolean[]{false, true}) {
                    worst = Math.max(worst, check(h[0], h[1], h[2], chunks, false, parallel, 1f, seed++));
                }
            }
        }
        System.out.printf("F32 cache: worst difference %.2f of the tolerance%n", worst);
    }

    @Test
    void equalsStraightforwardAttentionOverF16Cache() {
        long seed = 100;
        double worst = 0;
        for (int[] h : HEADS) {
            for (int[] chunks : new int[][]{{5, 1, 1}, {37, 100, 1, 3}, {300, 1}}) {
                for (boolean parallel : new boolean[]{false, true}) {
                    worst = Math.max(worst, check(h[0], h[1], h[2], chunks, true, parallel, 1f, seed++));
                }
            }
        }
        System.out.printf("F16 cache: worst difference %.2f of the tolerance%n", worst);
    }

    /** Peaked softmaxes (large scores) make the running maximum move between blocks: the rescaling must be right. */
    @Test
    void largeScoresRescaleCorrectly() {
        long seed = 500;
        for (int[] h : new int[][]{{4, 2, 16}, {2, 1, 64}, {8, 2, 24}}) {
            for (boolean parallel : new boolean[]{false, true}) {
                check(h[0], h[1], h[2], new int[]{700, 1, 1}, false, parallel, 12f, seed++);
                check(h[0], h[1], h[2], new int[]{3, 450}, false, parallel, 12f, seed++);
            }
        }
    }

    /** Decode over a long cache is split between threads; the partial softmax states merge to the same result. */
    @Test
    void longDecodeSplitAcrossThreadsEqualsReference() {
        long seed = 900;
        for (int[] h : new int[][]{{1, 1, 64}, {2, 2, 32}, {8, 2, 16}, {6, 2, 8}}) {
            check(h[0], h[1], h[2], new int[]{2000, 1, 1, 1}, false, true, 1f, seed++);
            check(h[0], h[1], h[2], new int[]{2000, 1, 1, 1}, true, true, 1f, seed++);
            check(h[0], h[1], h[2], new int[]{1500, 3}, false, true, 1f, seed++);
        }
    }

    static final com.sun.management.ThreadMXBean THREADS = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** Bytes allocated by all threads so far. */
    static long allocatedBytes() {
        return THREADS.getTotalThreadAllocatedBytes();
    }

    /** Bytes allocated by this thread so far. */
    static long allocatedHere() {
        return THREADS.getCurrentThreadAllocatedBytes();
    }

    /**
     * An 8K-token prefill in one call holds no T×T scores: the scratch is O(T) (running max and sum per row and
     * head) plus one key block per thread, and a repeated call allocates nothing at all; nor does a decode step.
     */
    @Test
    void longPrefillAllocatesNoQuadraticScratchAndDecodeAllocatesNothing() {
        int T = 8192, nHeads = 2, nKv = 1, hd = 16;
        Random r = new Random(7);
        float[] q = gaussian(r, T * nHeads * hd, 1f), k = gaussian(r, T * nKv * hd, 1f), v = gaussian(r, T * nKv * hd, 1f);
        float[] out = new float[T * nHeads * hd];
        float scale = 0.25f;
        // warm up at 512 tokens so that the kernels are compiled (interpreted Vector API code boxes every vector)
        for (int i = 0; i < 30; i++) FlashAttention.attend(q, out, 512, 0, nHeads, nKv, hd, scale, k, v, true);
        long a0 = allocatedBytes();
        FlashAttention.attend(q, out, T, 0, nHeads, nKv, hd, scale, k, v, true);
        long first = allocatedBytes() - a0;
        // a T×T float score matrix would be 256 MiB; the running state is 12 bytes per (row, head), 192 KiB here (the
        // bound leaves room for whatever the JIT has not compiled yet: interpreted vector code allocates)
        assertTrue(first < 16L * 1024 * 1024, "first 8K prefill allocated " + first + " bytes");
        long a1 = allocatedBytes(), h1 = allocatedHere();
        FlashAttention.attend(q, out, T, 0, nHeads, nKv, hd, scale, k, v, true);
        long second = allocatedBytes() - a1, secondHere = allocatedHere() - h1;
        // (the all-threads counter itself shows a few hundred bytes of noise between two reads)
        assertEquals(0, secondHere, "repeated 8K prefill: bytes allocated by the caller");
        assertTrue(second < 4096, "repeated 8K prefill: " + second + " bytes allocated by all threads");

        float[] q1 = new float[nHeads * hd], o1 = new float[nHeads * hd];
        // warm up until compiled: before C2 has compiled them, Vector API methods box their vectors
        for (int i = 0; i < 5000; i++) FlashAttention.attend(q1, o1, 1, T - 1, nHeads, nKv, hd, scale, k, v, true);
        long a2 = allocatedBytes(), h2 = allocatedHere();
        for (int i = 0; i < 100; i++) FlashAttention.attend(q1, o1, 1, T - 1, nHeads, nKv, hd, scale, k, v, true);
        long decode = allocatedBytes() - a2, decodeHere = allocatedHere() - h2;
        assertEquals(0, decodeHere, "100 decode steps: bytes allocated by the caller");
        assertTrue(decode < 4096, "100 decode steps: " + decode + " bytes allocated by all threads");
        // and the last query row of the prefill is that decode's answer (same keys, same query)
        System.arraycopy(q, (T - 1) * nHeads * hd, q1, 0, nHeads * hd);
        FlashAttention.attend(q1, o1, 1, T - 1, nHeads, nKv, hd, scale, k, v, true);
        for (int i = 0; i < nHeads * hd; i++) assertEquals(out[(T - 1) * nHeads * hd + i], o1[i], 1e-5);
    }
}
