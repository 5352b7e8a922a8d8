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
}
