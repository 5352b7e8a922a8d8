package io.jamba4j.jmh;

import io.jamba4j.kernels.GradKernels;
import io.jamba4j.kernels.KernelBench;
import io.jamba4j.kernels.MatMul;
import io.jamba4j.kernels.SelectiveScan;
import io.jamba4j.tensor.GgmlType;
import io.jamba4j.tensor.Tensor;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * JMH suite for the kernels, on bench-small's shapes (hidden 1024, MLP 2816, Mamba inner 2048, d_state 16).
 * Each benchmark reports calls/s and, as JMH auxiliary counters, {@code bytes} (weight bytes streamed per second, for
 * matrix × vector: GB/s × 1e9) and {@code flops} (FLOP/s). Run with {@code scripts/jmh.sh}
 * (JMH options pass through, e.g. {@code scripts/jmh.sh matvec -p type=Q8_0}); threads come from
 * {@code -Djamba4j.threads} as in the engine (default: all cores).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class KernelBenchmarks {

    /** Throughput counters: per-invocation weight bytes and FLOPs, reported by JMH as rates. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Counters {
        public long bytes;
        public long flops;

        @Setup(Level.Iteration)
        public void reset() {
            bytes = 0;
            flops = 0;
        }
    }

    @State(Scope.Benchmark)
    public static class Weights {
        @Param({"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q6_K"})
        public String type;
        @Param({"2816x1024", "1024x2816"})
        public String shape;
        Arena arena;
        Tensor[] w; // copies filling 1 GiB, so that a rotation does not run from cache
        float[] x, y;
        int out, in, next;

        @Setup(Level.Trial)
        public void setup() {
            String[] s = shape.split("x");
            out = Integer.parseInt(s[0]);
            in = Integer.parseInt(s[1]);
            arena = Arena.ofShared();
            w = KernelBench.rotation(arena, GgmlType.parse(type), out, in, KernelBench.ROTATION_BYTES);
            Random r = new Random(1);
            x = new float[in];
            for (int i = 0; i < in; i++) x[i] = (float) r.nextGaussian();
            y = new float[out];
        }

        @TearDown(Level.Trial)
        public void close() {
            arena.close();
        }
    }

    /** The machine's probes (as {@code jamba bench --probe} measures them): a 1 GiB block of memory to read. */
    @State(Scope.Benchmark)
    public static class Probe {
        @Param({"2", "4"})
        public int streams;
        Arena arena;
        MemorySegment seg;

        @Setup(Level.Trial)
        public void setup() {
            arena = Arena.ofShared();
            seg = KernelBench.probeMemory(1L << 30, arena);
        }

        @TearDown(Level.Trial)
        public void close() {
            arena.close();
        }
    }

    /** Memory read bandwidth: one pass of the bandwidth probe over 1 GiB (2 or 4 streams per chunk), bytes/s. */
    @Benchmark
    public float probeBandwidth(Probe p, Counters c) {
        c.bytes += p.seg.byteSize();
        return KernelBench.bandwidthPass(p.seg, p.streams);
    }

    /** fp32 FMA peak: one pass of the FMA probe (12 independent chains per thread, on every thread), FLOP/s. */
    @Benchmark
    public void probeFmaPeak(Counters c) {
        c.flops += (long) KernelBench.fmaPass(2_000_000L);
    }

    /** Decode: one matrix × vector per call, rotating over 1 GiB of copies of the weights (streamed from memory). */
    @Benchmark
    public float matvec(Weights s, Counters c) {
        Tensor w = s.w[s.next++ % s.w.length];
        MatMul.matmul(w, s.x, 0, 1, s.y, 0);
        c.bytes += w.byteSize();
        c.flops += 2L * s.out * s.in;
        return s.y[0];
    }

    /**
     * Paired time counters: per invocation, nanoseconds and bytes of one matrix × vector and of one read of the same
     * number of bytes without the product. JMH divides every counter by the same iteration time, so bytes ÷ nanoseconds
     * of either part is its own rate (GB/s) and the two parts' rates come from the same seconds.
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Paired {
        public long matvecBytes, matvecNanos, readBytes, readNanos;

        @Setup(Level.Iteration)
        public void reset() {
            matvecBytes = matvecNanos = readBytes = readNanos = 0;
        }
    }

    /**
     * The matrix × vector against a plain read of the same rotation, call by call: a product of one copy, then the
     * next copy read without the product with the bandwidth probe's pattern ({@code KernelBench.readSum}, one part per
     * thread), alternating, so that both see the same state of the machine (on a shared VM the bandwidth moves by half
     * between the minutes in which separate benchmarks run). The ceiling for matvec's bytes/s, and how far it is.
     */
    @Benchmark
    public float matvecVsRead(Weights s, Paired p) {
        Tensor w = s.w[s.next++ % s.w.length];
        Tensor r = s.w[s.next++ % s.w.length];
        long t0 = System.nanoTime();
        MatMul.matmul(w, s.x, 0, 1, s.y, 0);
        long t1 = System.nanoTime();
        float sum = KernelBench.readSum(r.data());
        long t2 = System.nanoTime();
        p.matvecBytes += w.byteSize();
        p.matvecNanos += t1 - t0;
        p.readBytes += r.byteSize();
        p.readNanos += t2 - t1;
        return s.y[0] + sum;
    }

    /** F32 weights for {@link #matvecTakenApart}: {@link Weights} in F32, and the activation on a 64-byte boundary. */
    @State(Scope.Benchmark)
    public static class F32Weights {
        @Param({"2816x1024", "1024x2816"})
        public String shape;
        final Weights base = new Weights();
        MemorySegment xAligned;

        @Setup(Level.Trial)
        public void setup() {
            base.type = "F32";
            base.shape = shape;
            base.setup();
            xAligned = base.arena.allocate(4L * base.in, 64);
            MemorySegment.copy(base.x, 0, xAligned, java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), 0, base.in);
        }

        @TearDown(Level.Trial)
        public void close() {
            base.close();
        }
    }

    /** Per part of {@link KernelBench.F32Part}: bytes and nanoseconds (rates as in {@link Paired}). */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Parts {
        public long matmulBytes, matmulNanos, kernelBytes, kernelNanos, twoRowsBytes, twoRowsNanos, fmaBytes, fmaNanos,
                xInRegisterBytes, xInRegisterNanos, rowSumsBytes, rowSumsNanos, read4Bytes, read4Nanos, readBytes, readNanos;

        @Setup(Level.Iteration)
        public void reset() {
            matmulBytes = matmulNanos = kernelBytes = kernelNanos = twoRowsBytes = twoRowsNanos = fmaBytes = fmaNanos = 0;
            xInRegisterBytes = xInRegisterNanos = 0;
            rowSumsBytes = rowSumsNanos = read4Bytes = read4Nanos = readBytes = readNanos = 0;
        }

        void add(KernelBench.F32Part part, long bytes, long nanos) {
            switch (part) {
                case MATMUL -> { matmulBytes += bytes; matmulNanos += nanos; }
                case KERNEL -> { kernelBytes += bytes; kernelNanos += nanos; }
                case KERNEL_TWO_ROWS -> { twoRowsBytes += bytes; twoRowsNanos += nanos; }
                case KERNEL_WITH_FMA -> { fmaBytes += bytes; fmaNanos += nanos; }
                case X_IN_REGISTER -> { xInRegisterBytes += bytes; xInRegisterNanos += nanos; }
                case ROW_SUMS -> { rowSumsBytes += bytes; rowSumsNanos += nanos; }
                case READ_FOUR_STREAMS -> { read4Bytes += bytes; read4Nanos += nanos; }
                case READ -> { readBytes += bytes; readNanos += nanos; }
            }
        }
    }

    /**
     * The F32 matrix × vector taken apart ({@link KernelBench.F32Part}): per invocation each part once, in turn, each
     * on the next copy of the rotation, timed into {@link Parts}. From the decode's call down to a plain read, each
     * part but one drops one thing (the call's chunking and activation copy; the activation loads; the multiplies;
     * the rows, i.e. a reduction and a loop restart every row; two of the four streams), one puts back the
     * kernel's former FMA in place of its multiply and add, and one runs the two-row kernel (two streams per thread),
     * so that the gaps between their rates from the same seconds show what each costs.
     */
    @Benchmark
    public float matvecTakenApart(F32Weights s, Parts p) {
        float sum = 0;
        Weights b = s.base;
        for (KernelBench.F32Part part : KernelBench.F32Part.values()) {
            Tensor w = b.w[b.next++ % b.w.length];
            long t0 = System.nanoTime();
            sum += KernelBench.f32PartPass(w, s.xAligned, b.x, b.y, part);
            p.add(part, w.byteSize(), System.nanoTime() - t0);
        }
        return sum;
    }

    /**
     * A prefill's activations: T tokens. 512 is the prompt of the prefill benchmark (`jamba bench`); at 256 the
     * packing of each 2L-row panel of W (a transposition, done once per panel and call) weighs twice as much.
     */
    @State(Scope.Benchmark)
    public static class Batch {
        @Param({"256", "512"})
        public int tokens;
        float[] xs, ys;

        /** X [tokens, in] (seeded Gaussian) and room for Y [tokens, out], made on first use for the weights' shape. */
        void ensure(Weights w) {
            if (xs != null && xs.length == tokens * w.in && ys.length == tokens * w.out) return;
            Random r = new Random(4);
            xs = new float[tokens * w.in];
            for (int i = 0; i < xs.length; i++) xs[i] = (float) r.nextGaussian();
            ys = new float[tokens * w.out];
        }
    }

    /** Prefill: a GEMM over T tokens. */
    @Benchmark
    public float gemm(Weights s, Batch b, Counters c) {
        b.ensure(s);
        MatMul.matmul(s.w[0], b.xs, 0, b.tokens, b.ys, 0);
        c.flops += 2L * b.tokens * s.out * s.in;
        return b.ys[0];
    }

    /** As {@link Paired} for FLOPs: one GEMM and one pass of the FMA probe per invocation. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class PairedFlops {
        public long gemmFlops, gemmNanos, peakFlops, peakNanos;

        @Setup(Level.Iteration)
        public void reset() {
            gemmFlops = gemmNanos = peakFlops = peakNanos = 0;
        }
    }

    /**
     * The GEMM against the FMA peak, call by call: one GEMM over T tokens, then one pass of the FMA probe of about
     * the same length (1.5 GFLOP over the pool's threads), alternating, so that both rates come from the same seconds
     * (which corrects for a shared VM only as far as its neighbours slow both loops alike: the report says when not).
     */
    @Benchmark
    public float gemmVsPeak(Weights s, Batch b, PairedFlops p) {
        b.ensure(s);
        long t0 = System.nanoTime();
        MatMul.matmul(s.w[0], b.xs, 0, b.tokens, b.ys, 0);
        long t1 = System.nanoTime();
        double probe = KernelBench.fmaPass(1_500_000_000L / (24L * jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length()
                * io.jamba4j.kernels.Parallel.threads()));
        long t2 = System.nanoTime();
        p.gemmFlops += 2L * b.tokens * s.out * s.in;
        p.gemmNanos += t1 - t0;
        p.peakFlops += (long) probe;
        p.peakNanos += t2 - t1;
        return b.ys[0];
    }

    @State(Scope.Benchmark)
    public static class Grad {
        @Param({"1024x2048"})
        public String shape;
        float[] dy, x, w, dx, dw;
        int out, in;
        static final int T = 2048;

        @Setup(Level.Trial)
        public void setup() {
            String[] s = shape.split("x");
            out = Integer.parseInt(s[0]);
            in = Integer.parseInt(s[1]);
            Random r = new Random(2);
            dy = new float[T * out];
            x = new float[T * in];
            w = new float[out * in];
            for (int i = 0; i < dy.length; i++) dy[i] = (float) r.nextGaussian();
            for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
            for (int i = 0; i < w.length; i++) w[i] = (float) r.nextGaussian();
            dx = new float[T * in];
            dw = new float[out * in];
        }
    }

    /** Training: dW += dYᵀ·X over 2048 tokens. */
    @Benchmark
    public float gradWeight(Grad s, Counters c) {
        GradKernels.matmulDw(s.dy, 0, Grad.T, s.x, 0, s.out, s.in, s.dw);
        c.flops += 2L * Grad.T * s.out * s.in;
        return s.dw[0];
    }

    /** Training: dX += dY·W over 2048 tokens. */
    @Benchmark
    public float gradInput(Grad s, Counters c) {
        GradKernels.matmulDx(s.dy, 0, Grad.T, s.w, s.out, s.in, s.dx, 0);
        c.flops += 2L * Grad.T * s.out * s.in;
        return s.dx[0];
    }

    @State(Scope.Benchmark)
    public static class Scan {
        @Param({"1", "512"})
        public int tokens;
        static final int DIN = 2048, N = 16, R = 64, PW = R + 2 * N;
        float[] u, dt, bc, aT, d, z, h, y;

        @Setup(Level.Trial)
        public void setup() {
            Random r = new Random(3);
            u = rand(r, tokens * DIN, 1);
            dt = new float[tokens * DIN];
            for (int i = 0; i < dt.length; i++) dt[i] = 0.01f + r.nextFloat() * 0.1f;
            bc = rand(r, tokens * PW, 1);
            aT = new float[N * DIN];
            for (int i = 0; i < aT.length; i++) aT[i] = -(1 + i / DIN);
            d = rand(r, DIN, 1);
            z = rand(r, tokens * 2 * DIN, 1);
            h = new float[N * DIN];
            y = new float[tokens * DIN];
        }

        private static float[] rand(Random r, int n, float std) {
            float[] a = new float[n];
            for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian() * std;
            return a;
        }
    }

    /** The selective scan (+ skip and gate) for 1 token (decode) or a 512-token chunk (prefill). */
    @Benchmark
    public float selectiveScan(Scan s, Counters c) {
        SelectiveScan.scan(s.tokens, Scan.DIN, Scan.N, s.u, s.dt, s.bc, Scan.PW, Scan.R, Scan.R + Scan.N, s.aT, s.d, s.z,
                Scan.DIN, 2 * Scan.DIN, s.h, s.y);
        c.flops += 6L * s.tokens * Scan.DIN * Scan.N;
        return s.y[0];
    }
}
