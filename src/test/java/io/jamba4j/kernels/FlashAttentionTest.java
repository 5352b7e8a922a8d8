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
     * The softmax's scalar exponential ({@link FlashAttention#expShiftedScalar}, what {@link FlashAttention#EXP_WATCH}
     * falls back to) gives the vector one's bits: the weights and their sum, over scores from far below the
     * exponential's underflow to the maximum (run with {@code -Dtest.jvm.extra=-XX:UseAVX=2} for 256 bits).
     */
    @Test
    void scalarSoftmaxExponentialEqualsTheVectorOneBitForBit() {
        Random r = new Random(3);
        int n = 16 * 24;
        float[] a = new float[n + 5];
        for (int i = 0; i < a.length; i++) a[i] = (float) (r.nextGaussian() * (i % 3 == 0 ? 40 : 4));
        float max = 0;
        for (int i = 5; i < n + 5; i++) max = Math.max(max, a[i]);
        float[] b = a.clone();
        double sv = FlashAttention.expShifted(a, 5, n, max);
        double ss = FlashAttention.expShiftedScalar(b, 5, n, max, new float[16]);
        assertEquals(Double.doubleToLongBits(sv), Double.doubleToLongBits(ss), "sum");
        for (int i = 0; i < a.length; i++) assertEquals(Float.floatToIntBits(a[i]), Float.floatToIntBits(b[i]), "weight " + i);
        // weights spread over many binades, so that the sum's rounding depends on how the lanes are paired
        float[] c = new float[32];
        for (int i = 0; i < 32; i++) c[i] = -0.37f * (i * 7 % 32) - (i % 5 == 0 ? 9f : 0f);
        float[] d = c.clone();
        double cv = FlashAttention.expShifted(c, 0, 32, 0f), cs = FlashAttention.expShiftedScalar(d, 0, 32, 0f, new float[16]);
        assertEquals(Double.doubleToLongBits(cv), Double.doubleToLongBits(cs), "order-sensitive sum " + cv + " vs " + cs);
    }

    /**
     * An 8K-token prefill in one call holds no T×T scores: the scratch is O(T) (running max and sum per row and
     * head) plus one key block per thread, and a repeated call allocates nothing at all; nor does a decode step.
     *
     * <p>Allocation is measured once the kernels are compiled: in rounds, until a round is clean or a cap is reached
     * (a fixed count of warm-up calls was not always enough on a loaded machine, C2's queue on two cores being long).
     * Where a bound still does not hold, the allocations of one more call are recorded with JFR: if every one is a
     * Vector API box (C2 compiled a kernel without its intrinsics in this JVM, a JDK 25 nondeterminism; see
     * {@link KernelWatch}; seen here in the softmax's exponential, {@link FlashAttention#expShifted}, about one full
     * suite in several, and once in 12 runs of this class beside a CPU hog), the property cannot be observed in this
     * run and the test is aborted (skipped) saying so; anything else allocated fails it, naming the allocation sites.
     */
    @Test
    void longPrefillAllocatesNoQuadraticScratchAndDecodeAllocatesNothing() throws Exception {
        int T = 8192, nHeads = 2, nKv = 1, hd = 16;
        Random r = new Random(7);
        float[] q = gaussian(r, T * nHeads * hd, 1f), k = gaussian(r, T * nKv * hd, 1f), v = gaussian(r, T * nKv * hd, 1f);
        float[] out = new float[T * nHeads * hd];
        float scale = 0.25f;
        Runnable prefill512 = () -> FlashAttention.attend(q, out, 512, 0, nHeads, nKv, hd, scale, k, v, true);
        Runnable prefill8k = () -> FlashAttention.attend(q, out, T, 0, nHeads, nKv, hd, scale, k, v, true);
        // warm up at 512 tokens until compiled (interpreted Vector API code boxes every vector); compiled, a call
        // allocates at most its running state (12 KiB)
        long[] warm = {Long.MAX_VALUE, Long.MAX_VALUE};
        for (int i = 0; i < 5000 && warm[0] > 64 * 1024; i++) warm = allocation(prefill512);
        if (warm[0] > 64 * 1024) explainOrFail("a 512-token prefill after 5000 calls", warm, a -> a[0] <= 64 * 1024, prefill512);
        // a T×T float score matrix would be 256 MiB; the running state is 12 bytes per (row, head), 192 KiB here (the
        // bound leaves room for whatever the JIT has not compiled yet: interpreted vector code allocates)
        long first = allocation(prefill8k)[0];
        if (first >= 16L * 1024 * 1024) explainOrFail("the first 8K prefill", new long[]{first, 0}, a -> a[0] < 16L * 1024 * 1024, prefill8k);
        // repeated: nothing allocated by the caller, and all threads within the counter's noise (a few hundred bytes
        // between two reads); up to 5 tries, C2 may still be replacing a compilation
        long[] second = {Long.MAX_VALUE, Long.MAX_VALUE};
        for (int i = 0; i < 5 && (second[1] != 0 || second[0] >= 4096); i++) second = allocation(prefill8k);
        if (second[1] != 0 || second[0] >= 4096) explainOrFail("a repeated 8K prefill", second, a -> a[1] == 0 && a[0] < 4096, prefill8k);

        float[] q1 = new float[nHeads * hd], o1 = new float[nHeads * hd];
        Runnable decode100 = () -> {
            for (int i = 0; i < 100; i++) FlashAttention.attend(q1, o1, 1, T - 1, nHeads, nKv, hd, scale, k, v, true);
        };
        long[] decode = {Long.MAX_VALUE, Long.MAX_VALUE};
        for (int round = 0; round < 500 && (decode[1] != 0 || decode[0] >= 4096); round++) decode = allocation(decode100);
        if (decode[1] != 0 || decode[0] >= 4096) explainOrFail("100 decode steps after 50000", decode, a -> a[1] == 0 && a[0] < 4096, decode100);
        // and the last query row of the prefill is that decode's answer (same keys, same query)
        System.arraycopy(q, (T - 1) * nHeads * hd, q1, 0, nHeads * hd);
        FlashAttention.attend(q1, o1, 1, T - 1, nHeads, nKv, hd, scale, k, v, true);
        for (int i = 0; i < nHeads * hd; i++) assertEquals(out[(T - 1) * nHeads * hd + i], o1[i], 1e-5);
        System.out.println("softmax exponential in use: " + FlashAttention.EXP_WATCH.describe());
    }

    /** Bytes allocated while {@code call} ran: by all threads, and by this thread. */
    static long[] allocation(Runnable call) {
        long all = allocatedBytes(), here = allocatedHere();
        call.run();
        long hereAfter = allocatedHere(), allAfter = allocatedBytes(); // before the result array is allocated
        return new long[]{allAfter - all, hereAfter - here};
    }

    /**
     * {@code what} allocated {@code bytes} (all threads, this thread), which {@code ok} rejects: runs {@code call}
     * once more (then four times more) under a JFR recording of allocations. Returns if that call's allocation is ok
     * (the first was transient: C2 replacing a compilation); aborts the test if our code's allocations were all
     * Vector API boxes (see the test's comment); else fails it, naming the allocation sites. A box is an allocation
     * under a Vector API frame (interpreted or C1 code), or one that C2 materialised in the kernel's own frame: a
     * vector object, or a primitive array of at most 64 bytes (a vector's payload). Allocations outside jamba4j's
     * code (the recording's own) are not counted.
     */
    static void explainOrFail(String what, long[] bytes, java.util.function.Predicate<long[]> ok, Runnable call) throws Exception {
        java.nio.file.Path file = java.nio.file.Files.createTempFile("jamba4j-alloc", ".jfr");
        try (jdk.jfr.Recording rec = new jdk.jfr.Recording()) {
            rec.enable("jdk.ObjectAllocationInNewTLAB").withStackTrace();
            rec.enable("jdk.ObjectAllocationOutsideTLAB").withStackTrace();
            rec.start();
            long[] again = allocation(call);
            if (ok.test(again)) return;
            for (int i = 0; i < 4; i++) call.run(); // more samples: an event is only written per TLAB refill
            rec.stop();
            rec.dump(file);
            int boxes = 0;
            java.util.Map<String, Integer> other = new java.util.TreeMap<>(), boxSites = new java.util.TreeMap<>();
            for (jdk.jfr.consumer.RecordedEvent e : jdk.jfr.consumer.RecordingFile.readAllEvents(file)) {
                jdk.jfr.consumer.RecordedStackTrace st = e.getStackTrace();
                if (st == null) continue;
                String site = null;
                boolean box = false;
                for (jdk.jfr.consumer.RecordedFrame f : st.getFrames()) {
                    String type = f.getMethod().getType().getName();
                    if (type.startsWith("jdk.incubator.vector.") || type.startsWith("jdk.internal.vm.vector.")) box = true;
                    if (type.startsWith("io.jamba4j.")) {
                        site = type + "." + f.getMethod().getName() + ":" + f.getLineNumber();
                        break;
                    }
                }
                if (site == null) continue; // not our code's
                String cls = e.getClass("objectClass").getName();
                box |= cls.startsWith("jdk.incubator.vector.")
                        || cls.length() == 2 && cls.charAt(0) == '[' && e.getLong("allocationSize") <= 16 + 64;
                if (box) {
                    boxes++;
                    boxSites.merge(site, 1, Integer::sum);
                } else other.merge(cls + " (" + e.getLong("allocationSize") + " bytes) at " + site, 1, Integer::sum);
            }
            String measured = what + " allocated " + bytes[0] + " bytes (" + bytes[1] + " on the calling thread), once"
                    + " more " + again[0] + " (" + again[1] + ")";
            if (other.isEmpty() && boxes > 0) {
                org.junit.jupiter.api.Assumptions.abort(measured + ", all of it (" + boxes + " TLAB events) Vector API"
                        + " boxes (at " + boxSites + "): C2 compiled a kernel without its intrinsics in this JVM, so the"
                        + " allocation property cannot be observed in this run (the softmax exponential's watch: "
                        + FlashAttention.EXP_WATCH.describe() + ")");
            }
            fail(measured + "; besides " + boxes + " Vector API box events: " + other);
        } finally {
            java.nio.file.Files.deleteIfExists(file);
        }
    }
}
