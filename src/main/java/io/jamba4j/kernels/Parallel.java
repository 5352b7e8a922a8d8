package io.jamba4j.kernels;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
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
 * <p>A call returns as soon as every chunk has run: it waits for the chunks other threads have claimed, never for a
 * worker that has not claimed one (on a loaded machine a descheduled worker would otherwise hold every call up for
 * a time slice). Each claim is tagged with the call's generation, so a worker that wakes late cannot take a chunk of
 * a later call with the parameters of an earlier one: it finds the tag changed and starts over.
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
    /** The current call's generation (high 32 bits) and next unclaimed item (low 32 bits; {@link #CLOSED} while set up). */
    private static final AtomicLong CLAIM = new AtomicLong(Integer.MAX_VALUE);
    private static final int CLOSED = Integer.MAX_VALUE;
    /** Items of the current call that have run (or been given up after an error). */
    private static final AtomicInteger DONE = new AtomicInteger();
    private static volatile long generation;
    // job fields: written before the volatile generation bump, read after reading it
    private static IntRangeBody jobBody;
    private static int jobN;
    private static int jobGrain;
    private static boolean jobGuided;
    private static volatile Throwable jobError;
    // profile counters (stats()): written by the caller of a parallel call while it holds the pool
    private static volatile long statCalls, statNanosInCalls, statNanosWaiting;

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

    /**
     * What the parallel calls made so far cost (calls run serially, for being small or nested, are not counted):
     * {@code calls}, the nanoseconds from each call's start to its return ({@code nanosInCalls}), and of those the
     * nanoseconds the caller spent waiting, its own chunks done, for chunks other threads had claimed
     * ({@code nanosWaiting}). Two readings around a stretch of work give its share of time in parallel calls and
     * lost to the threads waiting on one another ({@code jamba bench} reports both for the decode).
     */
    public record Stats(long calls, long nanosInCalls, long nanosWaiting) {
        /** This reading less an earlier one. */
        public Stats minus(Stats earlier) {
            return new Stats(calls - earlier.calls, nanosInCalls - earlier.nanosInCalls, nanosWaiting - earlier.nanosWaiting);
        }
    }

    /** The counters of {@link Stats} now. */
    public static Stats stats() {
        return new Stats(statCalls, statNanosInCalls, statNanosWaiting);
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
        run(n, grain, false, body);
    }

    /**
     * Like {@link #forRange(int, int, IntRangeBody)}, but chunks shrink as the range is used up (guided scheduling):
     * each claim takes about 1/(2·threads) of what is left, rounded down to a multiple of {@code grain} and at least
     * {@code grain}. A call thus ends on small chunks, so the threads finish within one small chunk of each other,
     * with few claims overall. Every chunk but the last starts at a multiple of {@code grain}.
     */
    public static void forRangeGuided(int n, int grain, IntRangeBody body) {
        run(n, grain, true, body);
    }

    private static void run(int n, int grain, boolean guided, IntRangeBody body) {
        if (n <= 0) return;
        if (grain < 1) grain = 1;
        if (n > 1 << 30) throw new IllegalArgumentException("a parallel loop of " + n + " items is over the limit of 2^30");
        if (THREADS == 1 || n <= grain || !BUSY.compareAndSet(false, true)) {
            body.run(0, n);
            return;
        }
        try {
            long t0 = System.nanoTime();
            long g = generation + 1;
            CLAIM.set(g << 32 | CLOSED); // claims of the previous call fail from here on
            jobBody = body;
            jobN = n;
            jobGrain = grain;
            jobGuided = guided;
            jobError = null;
            DONE.set(0);
            CLAIM.set(g << 32);          // opens this call's items
            generation = g;              // wakes the workers (volatile write)
            for (Worker w : WORKERS) {
                if (w.sleeping) LockSupport.unpark(w);
            }
            runChunks(g);
            long t1 = System.nanoTime();
            int spins = 0;
            while (DONE.get() < n) {
                if (++spins < 1 << 16) Thread.onSpinWait();
                else Thread.yield();
            }
            long t2 = System.nanoTime();
            statCalls++; // one writer at a time: the caller holding the pool
            statNanosInCalls += t2 - t0;
            statNanosWaiting += t2 - t1;
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

    /**
     * Claims and runs chunks of call {@code g} until none is left or the pool has moved on to another call. The job
     * fields are read after the claim word and used only if the claim then succeeds: a success means the word has not
     * changed since, and the fields of a later call are written only after the word is closed.
     */
    private static void runChunks(long g) {
        while (true) {
            long c = CLAIM.get();
            if (c >>> 32 != g) return;
            int s = (int) c;
            IntRangeBody body = jobBody;
            int n = jobN, grain = jobGrain;
            if (s >= n) return;
            int size = jobGuided ? Math.max(1, (n - s) / (2 * THREADS * grain)) * grain : grain;
            if (!CLAIM.compareAndSet(c, c + size)) continue;
            int e = Math.min(n, s + size);
            try {
                body.run(s, e);
            } catch (Throwable t) {
                if (jobError == null) jobError = t;
                // stop handing out chunks, and count the ones nobody will run as done so that the caller returns
                while (true) {
                    long c2 = CLAIM.get();
                    int s2 = (int) c2;
                    if (c2 >>> 32 != g || s2 >= n) break;
                    if (CLAIM.compareAndSet(c2, g << 32 | n)) {
                        DONE.addAndGet(n - s2);
                        break;
                    }
                }
            }
            DONE.addAndGet(e - s);
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
                runChunks(g);
            }
        }
    }
}
