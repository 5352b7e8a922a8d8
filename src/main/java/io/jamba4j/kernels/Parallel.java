package io.jamba4j.kernels;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A persistent pool of worker threads for data-parallel loops, built for very frequent, short calls (a decode step
 * runs hundreds of matrix-vector products, each a fraction of a millisecond).
 *
 * <p>{@link #threads()} threads take part in a call: the calling thread plus {@code threads() - 1} daemon workers
 * started once. A call publishes the job with one volatile write and wakes only workers that went to sleep; workers
 * spin for a short while ({@code jamba4j.spinMicros}, default 200 µs) after each job before parking, so back-to-back
 * calls cost about a microsecond of dispatch. Items are handed out dynamically in chunks of {@code grain} via an
 * atomic counter, so a thread slowed by other load does not hold the call up, and no call allocates.
 *
 * <p>The size is the number of available processors, or the system property {@code jamba4j.threads}. A call made
 * while another call is in flight (from another thread or from inside a body) runs serially on the calling thread,
 * which keeps nesting safe.
 */
public final class Parallel {
    private Parallel() {}

    /** A loop body over the half-open range {@code [start, end)}. */
    @FunctionalInterface
    public interface IntRangeBody {
        void run(int start, int end);
    }

    private static final int THREADS;
    private static final long SPIN_NANOS;
    private static final Worker[] WORKERS;

    private static final AtomicBoolean BUSY = new AtomicBoolean();
    private static final AtomicInteger NEXT = new AtomicInteger();
    private static final AtomicInteger PENDING = new AtomicInteger();
    private static volatile long generation;
    // job fields: written before the volatile generation bump, read after reading it
    private static IntRangeBody jobBody;
    private static int jobN;
    private static int jobGrain;
    private static volatile Throwable jobError;

    static {
        int n = Runtime.getRuntime().availableProcessors();
        String prop = System.getProperty("jamba4j.threads");
        if (prop != null && !prop.isBlank()) {
            try {
                n = Integer.parseInt(prop.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("jamba4j.threads must be an integer, got '" + prop + "'", e);
            }
        }
        THREADS = Math.max(1, Math.min(n, 256));
        SPIN_NANOS = 1000L * Long.getLong("jamba4j.spinMicros", 200L);
        WORKERS = new Worker[THREADS - 1];
        for (int i = 0; i < WORKERS.length; i++) {
            WORKERS[i] = new Worker(i + 1);
            WORKERS[i].start();
        }
    }

    /** Number of threads (the caller included) that take part in a parallel call. */
    public static int threads() {
        return THREADS;
    }

    /** Runs {@code body} over {@code [0, n)} split into about 4 chunks per thread. */
    public static void forRange(int n, IntRangeBody body) {
        forRange(n, Math.max(1, (n + 4 * THREADS - 1) / (4 * THREADS)), body);
    }

    /**
     * Runs {@code body} over {@code [0, n)} in chunks of {@code grain} items (the last may be shorter; every chunk
     * but the last starts at a multiple of {@code grain}). Runs on the calling thread alone when {@code n <= grain},
     * when there is one thread, or when the pool is already in use. Returns when every chunk has run; the first
     * exception thrown by a body is rethrown here.
     */
    public static void forRange(int n, int grain, IntRangeBody body) {
        if (n <= 0) return;
        if (grain < 1) grain = 1;
        if (THREADS == 1 || n <= grain || !BUSY.compareAndSet(false, true)) {
            body.run(0, n);
            return;
        }
        try {
            jobBody = body;
            jobN = n;
            jobGrain = grain;
            jobError = null;
            NEXT.set(0);
            PENDING.set(WORKERS.length);
            generation = generation + 1; // publishes the job (volatile write)
            for (Worker w : WORKERS) {
                if (w.sleeping) LockSupport.unpark(w);
            }
            runChunks(body, n, grain);
            int spins = 0;
            while (PENDING.get() != 0) {
                if (++spins < 1 << 16) Thread.onSpinWait();
                else Thread.yield();
            }
            Throwable err = jobError;
            if (err != null) {
                jobError = null;
                if (err instanceof RuntimeException re) throw re;
                if (err instanceof Error e) throw e;
                throw new RuntimeException(err);
            }
        } finally {
            jobBody = null;
            BUSY.set(false);
        }
    }

    private static void runChunks(IntRangeBody body, int n, int grain) {
        while (true) {
            int s = NEXT.getAndAdd(grain);
            if (s >= n) return;
            try {
                body.run(s, Math.min(n, s + grain));
            } catch (Throwable t) {
                if (jobError == null) jobError = t;
                NEXT.set(n); // stop handing out further chunks
                return;
            }
        }
    }

    private static final class Worker extends Thread {
        volatile boolean sleeping;

        Worker(int index) {
            super("jamba4j-worker-" + index);
            setDaemon(true);
        }

        @Override
        public void run() {
            long seen = 0; // the generation at class init: a job published before this thread starts is still seen
            while (true) {
                long g = generation;
                if (g == seen) {
                    long spinUntil = System.nanoTime() + SPIN_NANOS;
                    int spins = 0;
                    while ((g = generation) == seen) {
                        if ((++spins & 255) != 0 || System.nanoTime() < spinUntil) {
                            Thread.onSpinWait();
                        } else {
                            sleeping = true;
                            if ((g = generation) == seen) LockSupport.park(this);
                            sleeping = false;
                        }
                    }
                }
                seen = g;
                IntRangeBody body = jobBody;
                if (body != null) runChunks(body, jobN, jobGrain);
                PENDING.decrementAndGet();
            }
        }
    }
}
