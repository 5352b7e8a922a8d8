package io.jamba4j.kernels;

import io.jamba4j.tensor.AnonymousMemory;
import io.jamba4j.tensor.GgmlType;
import io.jamba4j.tensor.Quantize;
import io.jamba4j.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Random;

/**
 * Quick (JMH-free) throughput report for the matmul kernels: machine probes (FMA peak, memory bandwidth), then
 * matrix × vector (GB/s of weights streamed) and GEMM (GFLOP/s) per weight type on bench-small shapes.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp target/classes io.jamba4j.kernels.KernelBench [quick]}.
 * Each number is the best of several rounds; matvec rotates over enough copies of a matrix that the working set
 * exceeds the last-level cache.
 */
public final class KernelBench {
    private KernelBench() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static volatile float sink;

    public static void main(String[] args) {
        if (args.length == 5 && args[0].equals("mv")) { // mv TYPE out in rounds: one matvec shape, every round printed
            try (Arena arena = Arena.ofShared()) {
                for (int i = 0; i < Integer.parseInt(args[4]); i++) {
                    double[] r = benchMatvec(arena, GgmlType.parse(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]), true);
                    System.out.printf("matvec %s %.1f GB/s%n", args[1], r[1]);
                }
            }
            return;
        }
        if (args.length == 6 && args[0].equals("gemm")) { // gemm TYPE out in T rounds
            try (Arena arena = Arena.ofShared()) {
                for (int i = 0; i < Integer.parseInt(args[5]); i++) {
                    double[] r = benchGemm(arena, GgmlType.parse(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]), true);
                    System.out.printf("gemm %s %.2f ms %.1f GFLOP/s%n", args[1], r[0] * 1e3, r[1]);
                }
            }
            return;
        }
        boolean quick = args.length > 0 && args[0].equals("quick");
        System.out.printf("threads=%d species=%s MR=%d NR=%d%n", Parallel.threads(), F, MatMul.MR, MatMul.NR);
        double peak = fmaPeak();
        double bw = bandwidth();
        System.out.printf("probe  FMA peak      %8.1f GFLOP/s (%d threads)%n", peak, Parallel.threads());
        System.out.printf("probe  memory read   %8.1f GB/s (sum over 1 GiB off-heap)%n", bw);

        int[][] mvShapes = {{1024, 1024}, {2816, 1024}, {1024, 2816}, {4096, 1024}, {32000, 1024}};
        int[][] gemmShapes = quick ? new int[][]{{2816, 1024}} : new int[][]{{2816, 1024}, {1024, 2816}, {4096, 1024}, {1024, 1024}};
        GgmlType[] types = {GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.Q6_K};
        try (Arena arena = Arena.ofShared()) {
            for (GgmlType type : types) {
                for (int[] s : mvShapes) {
                    double[] r = benchMatvec(arena, type, s[0], s[1], quick);
                    System.out.printf("matvec %-5s [%5d x %5d]  %7.3f ms  %6.1f GB/s (%3.0f%% of probe)  %6.1f GFLOP/s%n",
                            type, s[0], s[1], r[0] * 1e3, r[1], 100 * r[1] / bw, r[2]);
                }
            }
            for (GgmlType type : types) {
                for (int[] s : gemmShapes) {
                    double[] r = benchGemm(arena, type, s[0], s[1], 512, quick);
                    System.out.printf("gemm   %-5s [%5d x %5d] x T=512  %8.2f ms  %6.1f GFLOP/s (%3.0f%% of probe)%n",
                            type, s[0], s[1], r[0] * 1e3, r[1], 100 * r[1] / peak);
                }
            }
        }
    }

    public static Tensor randomTensor(Arena arena, GgmlType type, int out, int in, long seed) {
        Random rnd = new Random(seed);
        MemorySegment seg = AnonymousMemory.allocate(type.bytesFor((long) out * in), arena); // as weights read into memory
        float[] row = new float[in];
        long rb = type.bytesFor(in);
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) row[i] = (float) rnd.nextGaussian() * 0.05f;
            Quantize.quantize(type, row, 0, in, seg, o * rb);
        }
        return new Tensor("w", type, new long[]{out, in}, seg);
    }

    /**
     * What a matrix-vector benchmark rotates over: 1 GiB, like the bandwidth probe. With 128–160 MiB of copies (these
     * benchmarks until 2026-12-04) the development VM's last-level cache still held part of the rotation: reading it
     * ran at 99.5 GB/s where the probe's 1 GiB read at 78 (JMH, F32 2816 × 1024), and the F32 matrix-vector product
     * at "102% of the bandwidth".
     */
    public static final long ROTATION_BYTES = 1L << 30;

    /**
     * Copies of one random {@link #randomTensor} (seed 1) filling at least {@code minBytes}, in one block of
     * {@link AnonymousMemory} (each copy on a 4 KiB boundary): a matrix-vector benchmark that takes the next copy per
     * call streams its weights from memory, not from cache.
     */
    public static Tensor[] rotation(Arena arena, GgmlType type, int out, int in, long minBytes) {
        Tensor first = randomTensor(arena, type, out, in, 1);
        long bytes = first.byteSize();
        long stride = (bytes + 4095) & -4096L;
        int copies = Math.toIntExact(Math.max(1, (minBytes + bytes - 1) / bytes));
        MemorySegment all = AnonymousMemory.allocate(stride * copies, arena);
        Tensor[] w = new Tensor[copies];
        for (int c = 0; c < copies; c++) {
            MemorySegment seg = all.asSlice(c * stride, bytes);
            MemorySegment.copy(first.data(), 0, seg, 0, bytes);
            w[c] = new Tensor("w" + c, type, new long[]{out, in}, seg);
        }
        return w;
    }

    /** Returns {seconds per call, GB/s, GFLOP/s}. */
    static double[] benchMatvec(Arena unused, GgmlType type, int out, int in, boolean quick) {
        try (Arena arena = Arena.ofShared()) {
            return benchMatvecIn(arena, type, out, in, quick);
        }
    }

    static double[] benchMatvecIn(Arena arena, GgmlType type, int out, int in, boolean quick) {
        long bytes = type.bytesFor((long) out * in);
        Tensor[] ws = rotation(arena, type, out, in, ROTATION_BYTES);
        int copies = ws.length;
        float[] x = new float[in];
        Random rnd = new Random(1);
        for (int i = 0; i < in; i++) x[i] = (float) rnd.nextGaussian();
        float[] y = new float[out];
        // best rotation (one call per copy) over the run: other processes on a small machine preempt our threads
        // now and then, and a preempted thread holds a whole parallel call up
        long targetNs = quick ? 600_000_000L : 1_500_000_000L;
        double best = Double.MAX_VALUE;
        long start = System.nanoTime();
        int rotations = 0;
        do {
            long t0 = System.nanoTime();
            for (Tensor w : ws) MatMul.matmul(w, x, 0, 1, y, 0);
            long t = System.nanoTime();
            if (++rotations > 2) best = Math.min(best, (t - t0) * 1e-9 / copies);
        } while (System.nanoTime() - start < targetNs || rotations < 5);
        sink += y[0];
        return new double[]{best, bytes / best * 1e-9, 2.0 * out * in / best * 1e-9};
    }

    /** Returns {seconds per call, GFLOP/s}. */
    static double[] benchGemm(Arena unused, GgmlType type, int out, int in, int T, boolean quick) {
        try (Arena arena = Arena.ofShared()) {
            return benchGemmIn(arena, type, out, in, T, quick);
        }
    }

    static double[] benchGemmIn(Arena arena, GgmlType type, int out, int in, int T, boolean quick) {
        Tensor w = randomTensor(arena, type, out, in, 7);
        float[] x = new float[T * in];
        Random rnd = new Random(2);
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        float[] y = new float[T * out];
        double flops = 2.0 * out * in * T;
        double best = Double.MAX_VALUE;
        long targetNs = quick ? 600_000_000L : 1_500_000_000L;
        long start = System.nanoTime();
        int calls = 0;
        do {
            long t0 = System.nanoTime();
            MatMul.matmul(w, x, 0, T, y, 0);
            long t = System.nanoTime();
            if (++calls > 1) best = Math.min(best, (t - t0) * 1e-9);
        } while (System.nanoTime() - start < targetNs || calls < 4);
        sink += y[0];
        return new double[]{best, flops / best * 1e-9};
    }

    /** FMA throughput with 12 independent accumulator chains per thread, on every pool thread: the best of 5 {@link #fmaPass}es. */
    public static double fmaPeak() {
        long iters = 20_000_000L;
        double best = 0;
        for (int round = 0; round < 5; round++) {
            long t0 = System.nanoTime();
            double flops = fmaPass(iters);
            best = Math.max(best, flops / (System.nanoTime() - t0));
        }
        return best;
    }

    /**
     * One pass of the FMA probe: {@code iters} iterations of 12 independent vector FMA chains on each pool thread
     * (one parallel call); returns the floating-point operations done (2 per lane per FMA).
     */
    public static double fmaPass(long iters) {
        int threads = Parallel.threads();
        Parallel.forRange(threads, 1, (s, e) -> {
            for (int i = s; i < e; i++) sink += fmaLoop(iters, i + 1);
        });
        return 2.0 * F.length() * 12 * iters * threads;
    }

    static float fmaLoop(long iters, float seed) {
        FloatVector m = FloatVector.broadcast(F, 0.999999f), a = FloatVector.broadcast(F, 1e-7f);
        FloatVector c0 = FloatVector.broadcast(F, seed), c1 = c0.add(1), c2 = c0.add(2), c3 = c0.add(3), c4 = c0.add(4),
                c5 = c0.add(5), c6 = c0.add(6), c7 = c0.add(7), c8 = c0.add(8), c9 = c0.add(9), c10 = c0.add(10), c11 = c0.add(11);
        for (long i = 0; i < iters; i++) {
            c0 = c0.fma(m, a); c1 = c1.fma(m, a); c2 = c2.fma(m, a); c3 = c3.fma(m, a);
            c4 = c4.fma(m, a); c5 = c5.fma(m, a); c6 = c6.fma(m, a); c7 = c7.fma(m, a);
            c8 = c8.fma(m, a); c9 = c9.fma(m, a); c10 = c10.fma(m, a); c11 = c11.fma(m, a);
        }
        return c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).add(c10).add(c11)
                .reduceLanes(VectorOperators.ADD);
    }

    /**
     * Read bandwidth: SIMD sums over a 1 GiB block of {@link AnonymousMemory} split across the pool threads, as the best of
     * 3 windows of at least 1.5 s each (whole passes over the segment) for each of the two fastest read patterns we
     * know ({@link #sumSegment}). A window of that length is what a decode measurement averages over (64 steps, best
     * of 3): the best single 25 ms pass on a shared machine now and then reads 60+ GB/s when the neighbours pause, a
     * rate no decode run ever sees for long, and it made the "fraction of bandwidth" of a row depend on luck
     * (36.7–65.3 GB/s between rows of one run).
     */
    public static double bandwidth() {
        return bandwidth(3, 1_500_000_000L);
    }

    /** As {@link #bandwidth()}, the best of {@code windows} windows of at least {@code windowNs} each, per pattern. */
    public static double bandwidth(int windows, long windowNs) {
        long size = 1L << 30;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment seg = probeMemory(size, arena);
            double best = 0;
            for (int streams : new int[]{2, 4}) {
                sink += bandwidthPass(seg, streams); // warm-up: compiles the loop
                for (int w = 0; w < windows; w++) {
                    long t0 = System.nanoTime(), t;
                    long bytes = 0;
                    do {
                        sink += bandwidthPass(seg, streams);
                        bytes += size;
                        t = System.nanoTime() - t0;
                    } while (t < windowNs);
                    best = Math.max(best, bytes / (double) t);
                }
            }
            return best;
        }
    }

    /**
     * {@code size} bytes of {@link AnonymousMemory} for the bandwidth probe, filled: the same kind of memory as
     * weights read into memory (huge pages where the OS has them), every page touched before it is timed.
     */
    public static MemorySegment probeMemory(long size, Arena arena) {
        MemorySegment seg = AnonymousMemory.allocate(size, arena);
        seg.fill((byte) 1);
        return seg;
    }

    /**
     * One pass of the bandwidth probe over {@code seg} (its size a multiple of 256 × 4 vectors): 256 equal chunks
     * shared out to the pool threads in groups of 4, each chunk read by {@link #sumSegment} with {@code streams} (2
     * or 4) streams. Returns the sum of what was read.
     */
    public static float bandwidthPass(MemorySegment seg, int streams) {
        int chunks = 256;
        long chunk = seg.byteSize() / chunks;
        if (streams != 2 && streams != 4) throw new IllegalArgumentException("streams must be 2 or 4, got " + streams);
        if (chunk * chunks != seg.byteSize() || chunk % (4L * F.vectorByteSize()) != 0) {
            throw new IllegalArgumentException("bandwidthPass: " + seg.byteSize() + " bytes are not 256 chunks of whole 4-vector groups");
        }
        float[] partial = new float[chunks];
        Parallel.forRange(chunks, 4, (s, e) -> {
            for (int c = s; c < e; c++) partial[c] = sumSegment(seg, c * chunk, chunk, streams);
        });
        float sum = 0;
        for (float v : partial) sum += v;
        return sum;
    }

    /**
     * Read rate of a decode step's own weights in the decode's call structure, without the products: each tensor of
     * {@code tensors}, in order, by one parallel call over its rows in guided chunks of whole rows, or on the calling
     * thread when it is small — as {@link MatMul}'s matrix-vector products divide them (the decode runs some products
     * in one call: q, k, v; gate, up) — each chunk read with the probe's two-stream pattern ({@link #sumSegment});
     * the best of {@code windows} windows of at least {@code windowNs} (whole passes). Set against {@link #bandwidth}
     * it shows what the step's many separately synchronised calls over matrices of every size cost; a decode set
     * against it shows what the products and everything between them cost.
     */
    public static double weightsRead(List<Tensor> tensors, int windows, long windowNs) {
        long total = 0;
        for (Tensor t : tensors) total += t.byteSize();
        if (total == 0) throw new IllegalArgumentException("weightsRead: no bytes to read");
        double sum = readPass(tensors); // warm-up: compiles the loop
        double best = 0;
        for (int w = 0; w < windows; w++) {
            long t0 = System.nanoTime(), t, bytes = 0;
            do {
                sum += readPass(tensors);
                bytes += total;
                t = System.nanoTime() - t0;
            } while (t < windowNs);
            best = Math.max(best, bytes / (double) t);
        }
        sink += (float) sum;
        return best;
    }

    /**
     * One pass of {@link #weightsRead}: the sum of the floats read (each tensor's bytes taken as floats; a chunk's
     * last bytes beyond a multiple of two vectors are not read).
     */
    static double readPass(List<Tensor> tensors) {
        long pair = 2L * F.vectorByteSize();
        java.util.concurrent.atomic.DoubleAdder sum = new java.util.concurrent.atomic.DoubleAdder();
        for (Tensor t : tensors) {
            MemorySegment seg = t.data();
            if (t.byteSize() < MatMul.SERIAL_BYTES || t.rank() < 2) {
                sum.add(sumSegment(seg, 0, seg.byteSize() & -pair, 2));
                continue;
            }
            long rowBytes = t.rowBytes();
            int rows = Math.toIntExact(t.rows());
            Parallel.forRangeGuided(rows, MatMul.matvecGrain(rowBytes, rows),
                    (s, e) -> sum.add(sumSegment(seg, s * rowBytes, ((e - s) * rowBytes) & -pair, 2)));
        }
        return sum.sum();
    }

    /**
     * Σ of the floats of {@code seg}, read by the pool threads with the bandwidth probe's two-stream pattern, one
     * contiguous part per thread (each part cut down to a multiple of two vectors; the few bytes beyond are not read):
     * what reading the bytes of a matrix-vector product costs without the product (the JMH suite's {@code read}
     * benchmark).
     */
    public static float readSum(MemorySegment seg) {
        int parts = Parallel.threads();
        long part = seg.byteSize() / parts & -2L * F.vectorByteSize();
        float[] partial = new float[parts];
        Parallel.forRange(parts, 1, (s, e) -> {
            for (int k = s; k < e; k++) {
                long len = k == parts - 1 ? (seg.byteSize() - k * part) & -2L * F.vectorByteSize() : part;
                partial[k] = sumSegment(seg, k * part, len, 2);
            }
        });
        float sum = 0;
        for (float v : partial) sum += v;
        return sum;
    }

    /**
     * Σ of the floats in {@code [off, off + len)}, read as {@code streams} (2 or 4) sequential streams, the halves or
     * quarters of the range, each summed by one accumulator: the fastest ways to read memory we have measured here.
     * On the development VM (2 vCPU AMD EPYC, 1 GiB of anonymous memory, 30–40 alternating passes), against one stream
     * with four accumulators (this probe until 2026-12-04): at 512 bits two streams 1.30–1.45× (74–85 against 50–61
     * GB/s), four 1.17–1.33×, one stream with one accumulator 1.03–1.11×, with two 1.13–1.23×; at 256 bits
     * ({@code -XX:MaxVectorSize=32}) two streams 1.24×, four 1.30×. A probe that reads slower than the best read
     * kernel would make every "fraction of bandwidth" look better than it is. {@code len} is a multiple of
     * {@code streams} vectors.
     */
    static float sumSegment(MemorySegment seg, long off, long len, int streams) {
        FloatVector a = FloatVector.zero(F), b = a, c = a, d = a;
        int vb = F.vectorByteSize();
        if (streams == 2) {
            long half = len / 2;
            for (long p = off, end = off + half; p < end; p += vb) {
                a = a.add(FloatVector.fromMemorySegment(F, seg, p, ByteOrder.LITTLE_ENDIAN));
                b = b.add(FloatVector.fromMemorySegment(F, seg, p + half, ByteOrder.LITTLE_ENDIAN));
            }
        } else {
            long q = len / 4;
            for (long p = off, end = off + q; p < end; p += vb) {
                a = a.add(FloatVector.fromMemorySegment(F, seg, p, ByteOrder.LITTLE_ENDIAN));
                b = b.add(FloatVector.fromMemorySegment(F, seg, p + q, ByteOrder.LITTLE_ENDIAN));
                c = c.add(FloatVector.fromMemorySegment(F, seg, p + 2 * q, ByteOrder.LITTLE_ENDIAN));
                d = d.add(FloatVector.fromMemorySegment(F, seg, p + 3 * q, ByteOrder.LITTLE_ENDIAN));
            }
        }
        return a.add(b).add(c.add(d)).reduceLanes(VectorOperators.ADD);
    }


    /**
     * The F32 matrix × vector taken apart, for want of hardware counters (the development VM has none): each part
     * differs from the next by one thing, so the differences of their rates over the same bytes, measured in
     * alternation ({@link #f32PartPass}), say what each thing costs.
     */
    public enum F32Part {
        /** The decode's call: {@link MatMul#matmul} with T = 1 (activation copy, guided chunks, the row kernel). */
        MATMUL,
        /** The four-row kernel ({@code MatMul.rowsF32x4}) over one contiguous part of the rows per thread. */
        KERNEL,
        /** The two-row kernel ({@code MatMul.rowsF32x2}: two weight streams per thread instead of four), as KERNEL. */
        KERNEL_TWO_ROWS,
        /** The row kernel with an FMA per step instead of a multiply and an add (the kernel until 2026-12-04). */
        KERNEL_WITH_FMA,
        /** The row kernel's loop with the activation held in a register: no activation loads. */
        X_IN_REGISTER,
        /** The row kernel's loop summing the weights (no activation, no FMA): its row structure only. */
        ROW_SUMS,
        /** A plain read of each part as four streams (its quarters, as the row kernel's), without rows. */
        READ_FOUR_STREAMS,
        /** The bandwidth probe's read ({@link #sumSegment}, two streams) over the same parts. */
        READ
    }

    /**
     * One pass of {@code part} over F32 matrix {@code w} with activation {@code x} (64-byte aligned, {@code w.cols()}
     * floats; {@code xHeap} the same values, for {@link F32Part#MATMUL}) into {@code y}; every part reads each weight
     * once. Returns the reads' sum, or y[0] (something for a benchmark to consume).
     */
    public static float f32PartPass(Tensor w, MemorySegment x, float[] xHeap, float[] y, F32Part part) {
        if (w.type() != GgmlType.F32) throw new IllegalArgumentException("f32PartPass: " + w.name() + " is " + w.type() + ", not F32");
        if (part == F32Part.MATMUL) {
            MatMul.matmul(w, xHeap, 0, 1, y, 0);
            return y[0];
        }
        MemorySegment seg = w.data();
        long rowBytes = w.rowBytes();
        int in = w.cols(), rows = Math.toIntExact(w.rows()), parts = Parallel.threads();
        float[] partial = new float[parts];
        Parallel.forRange(parts, 1, (s, e) -> {
            for (int k = s; k < e; k++) {
                int r0 = (int) ((long) rows * k / parts), r1 = (int) ((long) rows * (k + 1) / parts);
                switch (part) {
                    case KERNEL -> MatMul.rowsF32x4(seg, rowBytes, in, x, y, 0, r0, r1);
                    case KERNEL_TWO_ROWS -> MatMul.rowsF32x2(seg, rowBytes, in, x, y, 0, r0, r1);
                    case KERNEL_WITH_FMA, X_IN_REGISTER, ROW_SUMS -> rowsVariant(seg, rowBytes, in, x, y, r0, r1, part);
                    case READ_FOUR_STREAMS -> partial[k] = sumSegment(seg, r0 * rowBytes, ((r1 - r0) * rowBytes) & -4L * F.vectorByteSize(), 4);
                    case READ -> partial[k] = sumSegment(seg, r0 * rowBytes, ((r1 - r0) * rowBytes) & -2L * F.vectorByteSize(), 2);
                    default -> throw new AssertionError(part);
                }
            }
        });
        if (part != F32Part.READ && part != F32Part.READ_FOUR_STREAMS) return y[0];
        float sum = 0;
        for (float v : partial) sum += v;
        return sum;
    }

    /**
     * {@code MatMul.rowsF32x4}'s loop (four rows from the quarters of [r0, r1), one accumulator each, the rows left
     * over one at a time) with one thing changed: each step an FMA with the activation ({@code FMA}, the kernel before
     * 2026-12-04), a multiply by a constant vector and an add ({@code CONSTANT}: no activation loads), or an add of the
     * weights alone ({@code ADD}). Columns past the last whole vector are not read (bench shapes have none).
     */
    private static void rowsVariant(MemorySegment seg, long rowBytes, int in, MemorySegment x, float[] y, int r0, int r1, F32Part part) {
        int L = F.length(), upL = in & ~(L - 1);
        int q = (r1 - r0) / 4;
        long qb = q * rowBytes;
        FloatVector c = FloatVector.broadcast(F, 1.0001f);
        for (int r = r0; r < r0 + q; r++) {
            long b0 = r * rowBytes, b1 = b0 + qb, b2 = b1 + qb, b3 = b2 + qb;
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            if (part == F32Part.KERNEL_WITH_FMA) {
                for (int i = 0; i < upL; i += L) {
                    long p = 4L * i;
                    FloatVector xv = FloatVector.fromMemorySegment(F, x, p, ByteOrder.LITTLE_ENDIAN);
                    a0 = FloatVector.fromMemorySegment(F, seg, b0 + p, ByteOrder.LITTLE_ENDIAN).fma(xv, a0);
                    a1 = FloatVector.fromMemorySegment(F, seg, b1 + p, ByteOrder.LITTLE_ENDIAN).fma(xv, a1);
                    a2 = FloatVector.fromMemorySegment(F, seg, b2 + p, ByteOrder.LITTLE_ENDIAN).fma(xv, a2);
                    a3 = FloatVector.fromMemorySegment(F, seg, b3 + p, ByteOrder.LITTLE_ENDIAN).fma(xv, a3);
                }
            } else if (part == F32Part.X_IN_REGISTER) {
                for (int i = 0; i < upL; i += L) {
                    long p = 4L * i;
                    a0 = a0.add(FloatVector.fromMemorySegment(F, seg, b0 + p, ByteOrder.LITTLE_ENDIAN).mul(c));
                    a1 = a1.add(FloatVector.fromMemorySegment(F, seg, b1 + p, ByteOrder.LITTLE_ENDIAN).mul(c));
                    a2 = a2.add(FloatVector.fromMemorySegment(F, seg, b2 + p, ByteOrder.LITTLE_ENDIAN).mul(c));
                    a3 = a3.add(FloatVector.fromMemorySegment(F, seg, b3 + p, ByteOrder.LITTLE_ENDIAN).mul(c));
                }
            } else {
                for (int i = 0; i < upL; i += L) {
                    long p = 4L * i;
                    a0 = a0.add(FloatVector.fromMemorySegment(F, seg, b0 + p, ByteOrder.LITTLE_ENDIAN));
                    a1 = a1.add(FloatVector.fromMemorySegment(F, seg, b1 + p, ByteOrder.LITTLE_ENDIAN));
                    a2 = a2.add(FloatVector.fromMemorySegment(F, seg, b2 + p, ByteOrder.LITTLE_ENDIAN));
                    a3 = a3.add(FloatVector.fromMemorySegment(F, seg, b3 + p, ByteOrder.LITTLE_ENDIAN));
                }
            }
            y[r] = VectorOps.sumLanes(a0);
            y[r + q] = VectorOps.sumLanes(a1);
            y[r + 2 * q] = VectorOps.sumLanes(a2);
            y[r + 3 * q] = VectorOps.sumLanes(a3);
        }
        for (int r = r0 + 4 * q; r < r1; r++) { // the rows left over after the quarters, one at a time
            FloatVector a = FloatVector.zero(F);
            for (int i = 0; i < upL; i += L) {
                FloatVector v = FloatVector.fromMemorySegment(F, seg, r * rowBytes + 4L * i, ByteOrder.LITTLE_ENDIAN);
                a = switch (part) {
                    case KERNEL_WITH_FMA -> v.fma(FloatVector.fromMemorySegment(F, x, 4L * i, ByteOrder.LITTLE_ENDIAN), a);
                    case X_IN_REGISTER -> a.add(v.mul(c));
                    default -> a.add(v);
                };
            }
            y[r] = VectorOps.sumLanes(a);
        }
    }
}
