package io.jamba4j.kernels;

/**
 * Chooses between a fast vector kernel that JDK 25's C2 now and then compiles without its intrinsics, and a
 * fallback that computes the same sums. Compiled without its intrinsics, Vector API code boxes its vectors on every
 * call, for the rest of the run, and runs 2–3× slower; which compilation a run gets depends on the profile at the
 * moment C2 compiles the kernel (a known nondeterminism, corretto/corretto-jdk#161), so it cannot be ruled out by
 * writing the kernel differently, only detected.
 *
 * <p>The primary kernel runs first and is watched: from a thread's call {@value #WATCH_FROM} on (C2 has compiled it
 * by then, and replaced a first compilation that a profile trap throws out), every {@value #EVERY}th call of the thread
 * is measured for heap allocation by that thread. Interpreted and C1-compiled Vector API code allocates on every call,
 * so one sampled call without allocation means C2 compiled the kernel with its intrinsics, and the primary stays;
 * {@value #SAMPLES} allocating samples in a row mean it did not, and the fallback runs from then on. C2 may compile a
 * kernel again later (a deoptimisation, a caller compiled with the kernel inlined), and that compilation may box where
 * the first did not, so the primary stays watched, more sparsely: every {@value #RECHECK}th call of a thread, and
 * {@value #SAMPLES} allocating samples in a row still drop it (a clean one clears the count). Once on the fallback, a
 * watch stays there. The choice never changes a result, only the speed. Where per-thread allocation cannot be
 * measured, the fallback runs throughout.
 *
 * <p>Calls are counted per thread (in slots a cache line apart, chosen by thread id; two threads sharing a slot only
 * lose counts), so that counting costs no contended write in kernels called millions of times a second.
 */
final class KernelWatch {
    static final int WATCHING = 0, PRIMARY = 1, FALLBACK = 2;
    /** A thread's call from which its calls are sampled. */
    static final long WATCH_FROM = 50_000;
    static final int EVERY = 64;
    /** After deciding for the primary: every how many calls of a thread one is sampled. */
    static final int RECHECK = 4096;
    static final int SAMPLES = 32;
    /**
     * Allocation by a sampled call below which it counts as compiled with its intrinsics: none at all. The thread's
     * counter is exact (two reads with nothing between differ by 0 bytes in 2 million tries, JDK 25), and a boxed
     * small kernel may allocate little per call: the softmax's exponential boxed one vector, 96 bytes, per call,
     * which a threshold of 1024 bytes took for clean (FlashAttentionTest, 2026-12-05).
     */
    static final long CLEAN_BYTES = 1;
    private static final com.sun.management.ThreadMXBean THREADS = threadBean();

    private final String primary, fallback;
    private final long watchFrom;
    /** Slots of per-thread call counts, {@link #PAD} longs apart (a cache line and its prefetch pair). */
    private static final int SLOTS = 64, PAD = 16;
    private final long[] calls = new long[SLOTS * PAD];
    private volatile int choice;
    private volatile boolean ran;
    private int boxedSamples;

    /** A watch over the kernels named {@code primary} and {@code fallback} (as {@link #describe()} reports them). */
    KernelWatch(String primary, String fallback) {
        this(primary, fallback, WATCH_FROM);
    }

    /**
     * As {@link #KernelWatch(String, String)}, sampling from a thread's call {@code watchFrom} on: for a kernel called
     * too seldom to reach {@value #WATCH_FROM} calls in a typical run (not below the calls C2 needs to compile it).
     */
    KernelWatch(String primary, String fallback, long watchFrom) {
        this.primary = primary;
        this.fallback = fallback;
        this.watchFrom = watchFrom;
        this.choice = initialChoice();
    }

    private static int initialChoice() {
        return THREADS == null ? FALLBACK : WATCHING;
    }

    private static com.sun.management.ThreadMXBean threadBean() {
        try {
            if (java.lang.management.ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t
                    && t.isThreadAllocatedMemorySupported() && t.isThreadAllocatedMemoryEnabled()) {
                return t;
            }
        } catch (RuntimeException | LinkageError e) {
            // no management support: the fallback throughout
        }
        return null;
    }

    /** {@link #WATCHING}, {@link #PRIMARY} or {@link #FALLBACK}. */
    int choice() {
        return choice;
    }

    /** Whether the primary kernel is to run this call (watching, or decided for it). */
    boolean primary() {
        if (!ran) ran = true;
        return choice != FALLBACK;
    }

    /** Counts a call while watching; whether this one is to be measured. */
    boolean sampleThisCall() {
        int c = choice;
        if (c == FALLBACK) return false;
        int slot = (int) (Thread.currentThread().threadId() & (SLOTS - 1)) * PAD;
        long n = ++calls[slot];
        return c == WATCHING ? n >= watchFrom && n % EVERY == 0 : n % RECHECK == 0;
    }

    /** {@link #begin()}'s answer for a call that is not measured. */
    static final long NOT_SAMPLED = Long.MIN_VALUE;

    /**
     * Before a kernel call: the calling thread's allocated bytes where this call is to be measured, else
     * {@link #NOT_SAMPLED}. The call site reads {@code long a0 = w.begin(); if (w.primary()) … else …; w.end(a0);}.
     */
    long begin() {
        return sampleThisCall() ? allocatedBytes() : NOT_SAMPLED;
    }

    /** After the kernel call that {@link #begin()} answered {@code before}: records a measured call's allocation. */
    void end(long before) {
        if (before == NOT_SAMPLED) return;
        long after = allocatedBytes();
        record(before < 0 || after < 0 ? -1 : after - before);
    }

    /** Bytes allocated so far by the calling thread (negative where not measurable). */
    static long allocatedBytes() {
        return THREADS == null ? -1 : THREADS.getCurrentThreadAllocatedBytes();
    }

    /**
     * A sampled call's allocation in bytes (negative: not measurable, as when the JVM's per-thread allocation
     * accounting was turned off meanwhile; then the fallback). While watching, a clean call decides for the primary;
     * while watching or on the primary, {@value #SAMPLES} allocating ones in a row decide for the fallback, which is
     * final.
     */
    synchronized void record(long bytes) {
        if (choice == FALLBACK) return;
        if (bytes < 0) {
            choice = FALLBACK;
        } else if (bytes < CLEAN_BYTES) {
            boxedSamples = 0;
            choice = PRIMARY;
        } else if (++boxedSamples >= SAMPLES) {
            choice = FALLBACK;
        }
    }

    /** Back to watching from call 0 (tests). */
    synchronized void reset() {
        java.util.Arrays.fill(calls, 0);
        boxedSamples = 0;
        ran = false;
        choice = initialChoice();
    }

    /** The kernel in use by name, "watching" while undecided; null before either kernel has run. */
    String describe() {
        if (!ran) return null;
        return switch (choice) {
            case PRIMARY -> primary;
            case FALLBACK -> fallback;
            default -> "watching";
        };
    }
}
