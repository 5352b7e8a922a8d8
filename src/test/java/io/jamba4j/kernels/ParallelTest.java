package io.jamba4j.kernels;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

class ParallelTest {
    @Test
    void coversEveryIndexExactlyOnce() {
        for (int n : new int[]{0, 1, 2, 7, 100, 1000, 12345}) {
            for (int grain : new int[]{1, 3, 64, 5000}) {
                int[] hits = new int[n];
                Parallel.forRange(n, grain, (s, e) -> {
                    assertTrue(s < e);
                    for (int i = s; i < e; i++) hits[i]++;
                });
                for (int i = 0; i < n; i++) assertEquals(1, hits[i], "n=" + n + " grain=" + grain + " i=" + i);
            }
        }
    }

    @Test
    void guidedCoversEveryIndexOnceInShrinkingAlignedChunks() {
        for (int n : new int[]{1, 2, 7, 100, 1000, 12345, 32000}) {
            for (int grain : new int[]{1, 4, 64, 5000}) {
                int[] hits = new int[n];
                java.util.List<int[]> chunks = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
                Parallel.forRangeGuided(n, grain, (s, e) -> {
                    assertTrue(s < e);
                    chunks.add(new int[]{s, e});
                    for (int i = s; i < e; i++) hits[i]++;
                });
                for (int i = 0; i < n; i++) assertEquals(1, hits[i], "n=" + n + " grain=" + grain + " i=" + i);
                for (int[] c : chunks) {
                    assertEquals(0, c[0] % grain, "chunk start " + c[0] + " not a multiple of grain " + grain);
                    if (c[1] < n) assertEquals(0, (c[1] - c[0]) % grain, "chunk " + c[0] + ".." + c[1]);
                }
                if (Parallel.threads() > 1 && n >= 64 * grain) {
                    chunks.sort(java.util.Comparator.comparingInt(c -> c[0]));
                    int first = chunks.get(0)[1] - chunks.get(0)[0], last = chunks.get(chunks.size() - 1)[1] - chunks.get(chunks.size() - 1)[0];
                    assertTrue(first > last, "chunks shrink: first " + first + ", last " + last);
                    assertTrue(last <= grain, "the last chunk is at most one grain: " + last);
                }
            }
        }
    }

    @Test
    void manyShortCallsAndNesting() {
        AtomicInteger sum = new AtomicInteger();
        for (int k = 0; k < 20000; k++) {
            Parallel.forRange(8, 1, (s, e) -> {
                // nested calls run serially on the calling thread
                for (int i = s; i < e; i++) Parallel.forRange(4, 1, (a, b) -> sum.addAndGet(b - a));
            });
        }
        assertEquals(20000 * 8 * 4, sum.get());
    }

    @Test
    void exceptionIsRethrownAndPoolStaysUsable() {
        var e = assertThrows(IllegalStateException.class, () -> Parallel.forRange(100, 1, (s, t) -> {
            if (s <= 57 && 57 < t) throw new IllegalStateException("boom");
        }));
        assertEquals("boom", e.getMessage());
        int[] hits = new int[50];
        Parallel.forRange(50, 1, (s, t) -> { for (int i = s; i < t; i++) hits[i]++; });
        for (int h : hits) assertEquals(1, h);
        assertTrue(Parallel.threads() >= 1);
    }

    @Test
    void concurrentCallersFallBackSafely() throws Exception {
        Thread[] ts = new Thread[3];
        AtomicInteger total = new AtomicInteger();
        for (int i = 0; i < ts.length; i++) {
            ts[i] = new Thread(() -> {
                for (int k = 0; k < 2000; k++) Parallel.forRange(16, 1, (s, e) -> total.addAndGet(e - s));
            });
            ts[i].start();
        }
        for (Thread t : ts) t.join();
        assertEquals(3 * 2000 * 16, total.get());
    }

    /**
     * Back-to-back calls of changing sizes and grains, some failing part-way: every item of a call runs exactly once,
     * never with another call's parameters (a late worker must not claim a chunk of a new call as part of the old).
     */
    @Test
    void backToBackCallsOfChangingShapeWithFailures() {
        java.util.Random r = new java.util.Random(3);
        for (int k = 0; k < 20000; k++) {
            int n = 1 + r.nextInt(300), grain = 1 + r.nextInt(8);
            int[] hits = new int[n];
            int fail = k % 97 == 0 ? r.nextInt(n) : -1;
            try {
                Parallel.forRange(n, grain, (s, e) -> {
                    if (e > hits.length || s < 0) throw new AssertionError("range " + s + ".." + e + " of " + hits.length);
                    for (int i = s; i < e; i++) {
                        if (i == fail) throw new IllegalStateException("fail");
                        hits[i]++;
                    }
                });
                assertEquals(-1, fail, "the failure was not rethrown");
                for (int i = 0; i < n; i++) assertEquals(1, hits[i], "call " + k + " n=" + n + " grain=" + grain + " i=" + i);
            } catch (IllegalStateException ex) {
                assertNotEquals(-1, fail);
                for (int h : hits) assertTrue(h <= 1);
            }
        }
    }

    /**
     * The profile counters count the calls that ran in parallel, not the small ones run on the caller, and the
     * caller's waiting is part of the call's time. (This project's tests run one at a time; a call made while another
     * holds the pool would run serially and not be counted.)
     */
    @Test
    void statsCountParallelCallsAndTheirTime() {
        Parallel.Stats before = Parallel.stats();
        Parallel.forRange(4, 4, (s, e) -> {}); // n <= grain: on the caller, not counted
        int parallel = Parallel.threads() > 1 ? 20 : 0;
        for (int i = 0; i < parallel; i++) {
            Parallel.forRange(64, 1, (s, e) -> {
                long until = System.nanoTime() + 2_000;
                while (System.nanoTime() < until) Thread.onSpinWait();
            });
        }
        Parallel.Stats d = Parallel.stats().minus(before);
        assertTrue(d.calls() >= parallel, d.toString());
        if (parallel > 0) assertTrue(d.nanosInCalls() >= 64 * 2_000L / Parallel.threads(), d.toString());
        assertTrue(d.nanosWaiting() >= 0 && d.nanosWaiting() <= d.nanosInCalls(), d.toString());
    }
}
