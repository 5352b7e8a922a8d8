package io.jamba4j.kernels;

/**
 * Chooses between a fast vector kernel that JDK 25's C2 now and then compiles without its intrinsics, and a
 * fallback that computes the same sums. Compiled without its intrinsics, Vector API code boxes its vectors on every
 * call, for the rest of the run, and runs 2–3× slower; which compilation a run gets depends on the profile at the
 * moment C2 compiles the kernel (a known nondeterminism, corretto/corretto-jdk#161), so it cannot be ruled out by
 * writing the kernel differently, only detected. (What the JIT's logs show for a boxed {@code MatMul.rowsQ4K}: every
 * intrinsic applied, and still vector boxes allocated at the operations' call sites, i.e. boxes C2 did not
 * eliminate: {@code docs/bench/jit-warmup.md}.)
 *
 * <p>The primary kernel runs first and is watched: from a thread's call {@value #WATCH_FROM} on (C2 has usually
 * compiled it by then), every {@value #EVERY}th call of the thread is measured for heap allocation by that thread.
 * Interpreted and C1-compiled Vector API code allocates on every call, so one sampled call without allocation means
 * C2 compiled the kernel with its intrinsics, and the primary stays; {@value #SAMPLES} allocating samples in a row mean
 * it runs boxed, and the fallback takes over. Neither decision is final, since neither observation is: C2 may compile
 * the primary again later (a deoptimisation, a caller compiled with it inlined) and box where it did not, so the
 * primary stays watched, every {@value #RECHECK}th call of a thread ({@value #SAMPLES} allocating samples in a row
 * still drop it; a clean one clears the count); and "boxed" may only mean "not compiled by C2 yet" where the
 * compiler's queue is long (two loaded cores), so on the fallback every {@value #TRIAL}th call of a thread runs the
 * primary as a trial, measured, and one clean trial brings it back. (Measured 2026-12-05, bench-small Q4_K_M: in the
 * runs where the Q4_K watch had fallen back, the trials found the primary still boxed at the end; a late compilation
 * was not caught in the act.) A trial of a primary that is really boxed is one slow call (boxed Vector API code runs
 * many times slower and allocates up to ~1 MB a call in a Q4_K matrix-vector chunk), so each boxed trial doubles the
 * spacing of the next, up to every {@value #TRIAL_MAX}th call. The choice never changes a result, only the speed.
 * Where per-thread allocation cannot be measured, the fallback runs throughout.
 *
 * <p>Calls are counted per thread (in slots a cache line apart, chosen by thread id; two threads sharing a slot only
 * lose counts), so that counting costs no contended write in kernels called millions of times a second.
 */
final class KernelWatch {
    static final int WATCHING = 0, PRIMARY = 1, FALLBACK = 2;
    /** A thread's call from which its calls are sampled. */
    static final long WATCH_FROM = 50_000;
    static final int EVERY = 64;
    /** On the primary: every how many calls of a thread one is sampled. */
    static final int RECHECK = 4096;
    /**
     * On the fallback: every how many calls of a thread one runs the primary, sampled, at first; each boxed trial
     * doubles the spacing, up to {@value #TRIAL_MAX}.
     */
    static final int TRIAL = 256, TRIAL_MAX = 1 << 16;
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
    /** Set where allocation cannot be measured: the fallback for good. */
    private volatile boolean unmeasurable;
    private int boxedSamples;
    /** The spacing of trials on the fallback (a power of two). */
    private volatile int trialEvery = TRIAL;

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
        reset();
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

    /**
     * Whether the primary kernel is to run the call that {@link #begin()} answered {@code sample}: while watching, on
     * the primary, and for a trial on the fallback.
     */
    boolean primary(long sample) {
        if (!ran) ran = true;
        return choice != FALLBACK || sample != NOT_SAMPLED;
    }

    /** Counts a call of this thread; whether this one is to be measured. */
    boolean sampleThisCall() {
        if (unmeasurable) return false;
        int c = choice;
        int slot = (int) (Thread.currentThread().threadId() & (SLOTS - 1)) * PAD;
        long n = ++calls[slot];
        return switch (c) {
            case WATCHING -> n >= watchFrom && n % EVERY == 0;
            case PRIMARY -> n % RECHECK == 0;
            default -> (n & (trialEvery - 1)) == 0;
        };
    }

    /** {@link #begin()}'s answer for a call that is not measured. */
    static final long NOT_SAMPLED = Long.MIN_VALUE;

    /**
     * Before a kernel call: the calling thread's allocated bytes where this call is to be measured, else
     * {@link #NOT_SAMPLED}. The call site reads {@code long a0 = w.begin(); if (w.primary(a0)) … else …; w.end(a0);}.
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
     * accounting was turned off meanwhile; then the fallback for good). A clean call (a trial, on the fallback) decides
     * for the primary; {@value #SAMPLES} allocating ones in a row, while watching or on the primary, for the fallback.
     */
    synchronized void record(long bytes) {
        if (bytes < 0) {
            unmeasurable = true;
            choice = FALLBACK;
        } else if (unmeasurable) {
            return;
        } else if (bytes < CLEAN_BYTES) {
            boxedSamples = 0;
            choice = PRIMARY;
        } else if (choice == FALLBACK) {
            trialEvery = Math.min(2 * trialEvery, TRIAL_MAX);
        } else if (++boxedSamples >= SAMPLES) {
            boxedSamples = 0;
            trialEvery = TRIAL;
            choice = FALLBACK;
        }
    }

    /** Back to watching from call 0 (tests). */
    synchronized void reset() {
        java.util.Arrays.fill(calls, 0);
        boxedSamples = 0;
        trialEvery = TRIAL;
        ran = false;
        unmeasurable = THREADS == null;
        choice = unmeasurable ? FALLBACK : WATCHING;
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
