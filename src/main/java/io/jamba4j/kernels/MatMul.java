package io.jamba4j.kernels;

import io.jamba4j.tensor.GgmlType;
import io.jamba4j.tensor.Tensor;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * Matrix products of a weight tensor W [out, in] (F32, F16, BF16, Q8_0, Q4_0, Q4_K or Q6_K) with float32 activations, with
 * llama.cpp's CPU numerics (see {@link MatMulReference} for the per-type rules, which these kernels reproduce up to
 * the order of float32 accumulation).
 *
 * <p>The kernels:
 * <ul>
 *   <li>T = 1 (matrix × vector): rows of W are streamed straight from their {@link MemorySegment} with vector loads,
 *       decoded in registers and dotted against the (rounded / Q8_0-quantized) activation; output rows are split
 *       across {@link Parallel}'s threads. Nothing is allocated per call.</li>
 *   <li>T &gt; 1 (GEMM): X is packed once (rounded or quantized to Q8_0 integer values held as floats) into tiles of
 *       {@link #NR} rows interleaved along {@code in}; W is packed per panel of {@link #MR} rows into float32,
 *       transposed so that one vector load gives {@code in}-index k of MR consecutive rows; a register-tiled
 *       micro-kernel keeps MR × NR accumulators and does one broadcast per X value. For Q8_0 / Q4_0 the
 *       micro-kernel sums each 32-block's products in float32 — exact, since every partial sum is an integer below
 *       2^24 — and then scales the block by {@code d_w · d_x} into separate accumulators, which is llama.cpp's integer
 *       scheme up to float accumulation order. Q4_K / Q6_K use the same kernel on 32-groups (activations in Q8_K, W
 *       packed as exact integers: the 4-bit q, or (q − 32)·sc), Q4_K adding its min correction per group.</li>
 *   <li>A few tokens (T ≤ {@link #TOKEN_LANES_MAX}; quantized ≤ {@link #TOKEN_LANES_Q_MAX}), where packing W would
 *       cost more than the products: {@link #fewTokens} (F32 / BF16, T ≤ {@link #FEW_TOKENS}: each row streamed
 *       once against all tokens, the matrix-vector product's sums), {@link #fewTokensQ} (quantized, T ≤ 3–11 by
 *       type: the matrix-vector row kernels once per token over each chunk of rows; Q8_0 / Q4_0 four tokens per
 *       block decoding, {@link #rowsFourTokens}) and {@link #tokenLanes} /
 *       {@link #tokenLanesQ} (the tokens in the vector lanes, W rows broadcast: the GEMM's sums in its order). Each
 *       gives the bits of the path it stands in for.</li>
 * </ul>
 */
public final class MatMul {
    private MatMul() {}

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int L = F.length();
    /**
     * Whether the vector kernels are used: they are written for 8 or 16 float lanes (256- or 512-bit vectors: AVX2,
     * AVX-512, 256/512-bit SVE); with other widths the scalar reference runs.
     */
    static final boolean VECTOR = L == 8 || L == 16;
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    static final VectorSpecies<Short> SH = VECTOR ? VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2)) : null;
    static final VectorSpecies<Byte> BY = VECTOR ? VectorSpecies.of(byte.class, VectorShape.forBitSize(F.vectorBitSize() / 4)) : null;
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    static final ValueLayout.OfFloat F32LE = Dequantize.F32;
    static final ValueLayout.OfShort I16LE = Dequantize.I16;
    static final ValueLayout.OfLong I64LE_U = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt I32LE_U = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** GEMM micro-kernel rows of W (two vectors). */
    static final int MR = 2 * L;
    /** GEMM micro-kernel rows of X. */
    static final int NR = 6;

    /** Below this many weight bytes a matrix-vector product runs on the calling thread alone. */
    static final long SERIAL_BYTES = 96 * 1024;

    /**
     * Y[t, o] = Σ_i W[o, i] · X[t, i] for t in [0, T): X holds T rows of {@code in = w.cols()} floats starting at
     * {@code xOff}, Y receives T rows of {@code out = w.rows()} floats starting at {@code yOff}.
     */
    public static void matmul(Tensor w, float[] x, int xOff, int T, float[] y, int yOff) {
        check(w, x, xOff, T, y, yOff);
        ProductClock clock = CLOCK.get();
        long t0 = clock.depth++ == 0 ? System.nanoTime() : 0;
        try {
            product(w, x, xOff, T, y, yOff);
        } finally {
            if (--clock.depth == 0) clock.add(System.nanoTime() - t0, w.byteSize());
        }
    }

    /** The calling thread's time in matrix products and the weight bytes they took, outermost calls only. */
    private static final class ProductClock {
        long nanos, bytes;
        int depth;

        void add(long ns, long weightBytes) {
            nanos += ns;
            bytes += weightBytes;
        }
    }

    private static final ThreadLocal<ProductClock> CLOCK = ThreadLocal.withInitial(ProductClock::new);

    /**
     * Nanoseconds the calling thread has spent in {@link #matmul} and {@link Batch#run} (outermost calls: a product
     * that runs others counts once), since it started. Two readings around a stretch of work give its time in matrix
     * products ({@code model.StepProfile}); always kept (two clock reads per product).
     */
    public static long productNanos() {
        return CLOCK.get().nanos;
    }

    /** Weight bytes of the calling thread's products counted by {@link #productNanos} (each matrix once per product). */
    public static long productBytes() {
        return CLOCK.get().bytes;
    }

    private static void product(Tensor w, float[] x, int xOff, int T, float[] y, int yOff) {
        int in = w.cols();
        int out = Math.toIntExact(w.rows());
        if (T == 0 || out == 0) return;
        if (in == 0) {
            java.util.Arrays.fill(y, yOff, yOff + T * out, 0f);
            return;
        }
        if (!VECTOR) {
            MatMulReference.matmul(w, x, xOff, T, y, yOff);
        } else if (T == 1) {
            matvec(w, x, xOff, y, yOff);
        } else if (T <= FEW_TOKENS && (w.type() == GgmlType.F32 || w.type() == GgmlType.BF16)) {
            fewTokens(w, x, xOff, T, y, yOff);
        } else if (T <= TOKEN_LANES_MAX && (w.type() == GgmlType.F32 || w.type() == GgmlType.BF16 || w.type() == GgmlType.F16)) {
            tokenLanes(w, x, xOff, T, y, yOff);
        } else if (T <= fewTokensQ(w.type())) {
            fewTokensQ(w, x, xOff, T, y, yOff);
        } else if (T <= TOKEN_LANES_Q_MAX && switch (w.type()) { case Q8_0, Q4_0, Q4_K, Q6_K -> true; default -> false; }) {
            tokenLanesQ(w, x, xOff, T, y, yOff);
        } else {
            gemm(w, x, xOff, T, y, yOff);
        }
    }

    /**
     * Up to this many tokens an F32 or BF16 product streams each row of W once against every token
     * ({@link #fewTokens}) instead of running the GEMM, whose packing of W (a transposition per 2L-row panel, done
     * however few the tokens) then costs more than the products: on the development VM 18 µs per 32 rows of 1024
     * against 1.8 µs of micro-kernel per 6 tokens. Measured there (2816 × 1024, 256 MiB rotation, 2 threads, GFLOP/s,
     * this kernel against the GEMM): F32 T = 2 34–36 vs 11–12, T = 4 50–52 vs 23, T = 8 67–93 vs 42–44, T = 12 60 vs
     * 67, T = 16 62–71 vs 77–78; BF16 T = 4 83 vs 26, T = 8 105 vs 48, T = 12 84 vs 73, T = 16 83 vs 94. The row form
     * needs one activation load per FMA (the GEMM one broadcast per two), so it stops gaining past ~8 tokens (eight
     * tokens per row pass instead of four measured slower).
     */
    static final int FEW_TOKENS = 8;

    /**
     * Y = X·Wᵀ for a few tokens (F32 or BF16 weights): rows of W split across the threads as in the matrix-vector
     * product, each row streamed once and dotted against the tokens four at a time (the row read again from cache for
     * each further four). Each (row, token) sum is the matrix-vector product's own — one accumulator over the columns
     * in order, the same lane sum and tail — so a short prompt's products equal, bit for bit, those of its tokens
     * decoded one at a time.
     */
    private static void fewTokens(Tensor w, float[] x, int xOff, int T, float[] y, int yOff) {
        int in = w.cols();
        int out = Math.toIntExact(w.rows());
        boolean bf16 = w.type() == GgmlType.BF16;
        float[] xs = x;
        int xo = xOff;
        if (bf16 && w.activationType() != GgmlType.F32) { // as the BF16 matrix-vector product rounds its activation
            xs = new float[T * in];
            for (int t = 0; t < T; t++) roundRowBf16(x, xOff + t * in, xs, t * in, in);
            xo = 0;
        }
        MemorySegment seg = w.data();
        long rowBytes = w.rowBytes();
        // the tokens copied to a 64-byte boundary (from the caller's heap rows every 64-byte x vector would straddle
        // two cache lines; see rowsF32)
        MemorySegment xa = SCRATCH.get().aligned(4L * T * in);
        MemorySegment.copy(xs, xo, xa, F32LE, 0, T * in);
        overRows(rowBytes, out, 1, bf16
                ? (r0, r1) -> rowsBF16T(seg, rowBytes, in, xa, T, y, yOff, out, r0, r1)
                : (r0, r1) -> rowsF32T(seg, rowBytes, in, xa, T, y, yOff, out, r0, r1));
    }

    /**
     * Runs {@code body} over the units of {@code rowsPerUnit} rows that cover a matrix's {@code out} rows, split as the
     * matrix-vector product splits rows: on the calling thread below {@link #SERIAL_BYTES}, else in guided chunks of
     * at least {@link #matvecGrain} rows.
     */
    private static void overRows(long rowBytes, int out, int rowsPerUnit, Parallel.IntRangeBody body) {
        int units = (out + rowsPerUnit - 1) / rowsPerUnit;
        if (rowBytes * out < SERIAL_BYTES) body.run(0, units);
        else Parallel.forRangeGuided(units, Math.max(1, matvecGrain(rowBytes, out) / rowsPerUnit), body);
    }

    /**
     * A thread's scratch for the products, grown as needed and kept, so that no call or chunk allocates: the arrays of
     * {@link #tokenLanes} and {@link #tokenLanesQ} (which allocated them per call and per chunk of rows, 8 × 2816
     * floats a chunk for an expert's down projection: some 80 MB of garbage per 16-token bench-small prefill), the
     * aligned activations of {@link #fewTokens}, the per-token products of {@link #fewTokensQ}, the stored sums of
     * the kernels C2 stops inlining into ({@link #SUMS}) and {@link #q6kHalf256}'s bytes. The calling thread's slots
     * hold a call's activations, every executing thread's (the caller's too) what its chunk works on; no slot is used
     * by two calls at once (a body never starts another product). No result depends on what a slot held before: the
     * lanes past the last token are zeroed, as a fresh array's were, and every other element read is written in the
     * same call first.
     */
    private static final class Scratch {
        static final int XT = 0, DXT = 1, NBT = 2, ROW = 3, ROWD = 4, ROWN = 5, WR = 6, DWR = 7, MWR = 8, TILE = 9;
        /** Up to eight accumulators stored for their lane sums ({@link #rowsF16x4}, {@link #rowsF32T}, {@link #rowsBF16T}). */
        static final int SUMS = 10;
        /** {@link #rowsF16x4Widened}'s four rows' chunk widened to floats. */
        static final int HALF = 11;
        /** {@link #fewTokensQ}'s block scales of four tokens interleaved. */
        static final int DX4 = 12;
        private final float[][] arrays = new float[13][0];
        private MemorySegment aligned = MemorySegment.NULL;
        private MatVec[] products = new MatVec[0];
        /** {@link #q6kHalf256}'s four groups of bytes. */
        final byte[] q6kBytes = new byte[128];

        float[] floats(int slot, int n) {
            if (arrays[slot].length < n) arrays[slot] = new float[n];
            return arrays[slot];
        }

        /** At least {@code bytes} bytes on a 64-byte boundary. */
        MemorySegment aligned(long bytes) {
            if (aligned.byteSize() < bytes) aligned = java.lang.foreign.Arena.ofAuto().allocate(bytes, 64);
            return aligned;
        }

        /** {@code n} matrix-vector products to fill in (cleared after their last use). */
        MatVec[] products(int n) {
            if (products.length < n) {
                products = java.util.Arrays.copyOf(products, n);
                for (int j = 0; j < n; j++) if (products[j] == null) products[j] = new MatVec();
            }
            return products;
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** Places token {@code t}'s {@code n} values into a lanes layout: {@code dst[(t / L · n + k) · L + t % L] = v[k]}. */
    private static void toLanes(float[] v, int n, int t, float[] dst) {
        int b = (t / L) * n * L + t % L;
        for (int k = 0; k < n; k++) dst[b + k * L] = v[k];
    }

    /** Zeros lane {@code t} of a lanes layout of {@code n} values ({@link #toLanes}). */
    private static void clearLanes(int n, int t, float[] dst) {
        int b = (t / L) * n * L + t % L;
        for (int k = 0; k < n; k++) dst[b + k * L] = 0f;
    }

    /**
     * Up to this many tokens (and above {@link #FEW_TOKENS}) an F32 or BF16 product runs {@link #tokenLanes}: the
     * GEMM's arithmetic without its packing of W; an F16 product from two tokens on (it has no few-token path).
     * Measured on the development VM (2816 × 1024, 256 MiB rotation, 2 threads, GFLOP/s, against the GEMM in the same
     * minutes): F32 T = 12 103 vs 65, 16 134 vs 80, 24 128 vs 112, 32 167 vs 132, 48 186 vs 177, 64 197 vs 201; BF16
     * T = 12 115 vs 67, 16 149 vs 89, 32 184 vs 141, 48 200 vs 185.
     */
    static final int TOKEN_LANES_MAX = 48;

    /** Rows of W per {@link #tokenLanes} step: eight accumulators, so that eight FMA chains hide the FMA latency. */
    private static final int TL_ROWS = 8;

    /**
     * Y = X·Wᵀ with the tokens in the vector lanes: X is transposed once per call (L tokens per panel, zero-padded),
     * eight rows of W at a time are copied out of their segment as floats (no transposition), and each step of
     * {@code k} loads one vector of L tokens' X[t, k] and FMAs it with the eight rows' W[o, k], broadcast. Every
     * Y[t, o] is thus Σ_k in order by FMA, as in the GEMM's micro-kernel ({@link #kernelF}): the same bits, without
     * the GEMM's per-panel transposition of W, which dominates it at a few dozen tokens.
     */
    private static void tokenLanes(Tensor w, float[] x, int xOff, int T, float[] y, int yOff) {
        int in = w.cols();
        int out = Math.toIntExact(w.rows());
        boolean bf16 = w.type() == GgmlType.BF16, f16 = w.type() == GgmlType.F16;
        boolean round = w.activationType() != GgmlType.F32; // BF16 or F16 activations, as their GEMM rounds them
        int panels = (T + L - 1) / L;
        Scratch sc = SCRATCH.get();
        float[] xt = sc.floats(Scratch.XT, panels * in * L); // xt[(p·in + k)·L + lane] = X'[p·L + lane, k]
        float[] row = sc.floats(Scratch.ROW, in);
        for (int t = 0; t < T; t++) {
            if (round && bf16) roundRowBf16(x, xOff + t * in, row, 0, in);
            else if (round) roundRowF16(x, xOff + t * in, row, 0, in);
            else System.arraycopy(x, xOff + t * in, row, 0, in);
            toLanes(row, in, t, xt);
        }
        for (int t = T; t < panels * L; t++) clearLanes(in, t, xt); // the last panel's unused lanes: zeros, as new
        MemorySegment seg = w.data();
        long rowBytes = w.rowBytes();
        overRows(rowBytes, out, TL_ROWS, (g0, g1) -> {
            Scratch own = SCRATCH.get(); // the executing thread's
            float[] wr = own.floats(Scratch.WR, TL_ROWS * in);
            float[] tile = own.floats(Scratch.TILE, TL_ROWS * L); // tile[j·L + lane]: row o0 + j, token p·L + lane
            for (int g = g0; g < g1; g++) {
                int o0 = g * TL_ROWS, rows = Math.min(TL_ROWS, out - o0);
                for (int j = 0; j < rows; j++) {
                    long base = (o0 + j) * rowBytes;
                    if (bf16) {
                        int upL = in & ~(L - 1), k = 0;
                        for (; k < upL; k += L) {
                            ShortVector.fromMemorySegment(SH, seg, base + 2L * k, LE).convertShape(VectorOperators.S2I, I, 0)
                                    .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(wr, j * in + k);
                        }
                        for (; k < in; k++) wr[j * in + k] = Dequantize.bf16ToFloat(seg.get(I16LE, base + 2L * k));
                    } else if (f16) {
                        widenF16(seg, base, wr, j * in, in);
                    } else {
                        MemorySegment.copy(seg, F32LE, base, wr, j * in, in);
                    }
                }
                for (int p = 0; p < panels; p++) {
                    int xb = p * in * L, tn = Math.min(L, T - p * L);
                    if (rows == TL_ROWS) {
                        FloatVector c0 = FloatVector.zero(F), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
                        for (int k = 0; k < in; k++) {
                            FloatVector xv = FloatVector.fromArray(F, xt, xb + k * L);
                            c0 = xv.fma(FloatVector.broadcast(F, wr[k]), c0);
                            c1 = xv.fma(FloatVector.broadcast(F, wr[in + k]), c1);
                            c2 = xv.fma(FloatVector.broadcast(F, wr[2 * in + k]), c2);
                            c3 = xv.fma(FloatVector.broadcast(F, wr[3 * in + k]), c3);
                            c4 = xv.fma(FloatVector.broadcast(F, wr[4 * in + k]), c4);
                            c5 = xv.fma(FloatVector.broadcast(F, wr[5 * in + k]), c5);
                            c6 = xv.fma(FloatVector.broadcast(F, wr[6 * in + k]), c6);
                            c7 = xv.fma(FloatVector.broadcast(F, wr[7 * in + k]), c7);
                        }
                        c0.intoArray(tile, 0); c1.intoArray(tile, L); c2.intoArray(tile, 2 * L); c3.intoArray(tile, 3 * L);
                        c4.intoArray(tile, 4 * L); c5.intoArray(tile, 5 * L); c6.intoArray(tile, 6 * L); c7.intoArray(tile, 7 * L);
                    } else {
                        for (int j = 0; j < rows; j++) { // the last, partial group: one row at a time, the same sums
                            FloatVector c = FloatVector.zero(F);
                            for (int k = 0; k < in; k++) c = FloatVector.fromArray(F, xt, xb + k * L).fma(FloatVector.broadcast(F, wr[j * in + k]), c);
                            c.intoArray(tile, j * L);
                        }
                    }
                    storeTile(tile, rows, tn, y, yOff + p * L * out + o0, out);
                }
            }
        });
    }

    /** Y[t, j] (at {@code y[yb + t·out + j]}) = tile[j·L + t] for the tile's first {@code rows} rows and {@code tn} tokens. */
    private static void storeTile(float[] tile, int rows, int tn, float[] y, int yb, int out) {
        for (int j = 0; j < rows; j++) {
            for (int t = 0; t < tn; t++) y[yb + t * out + j] = tile[j * L + t];
        }
    }

    /**
     * Up to this many tokens a product with a quantized W of {@code type} runs {@link #fewTokensQ} (0 for the other
     * types): where the row kernels' rate per token beats {@link #tokenLanesQ}. Measured on the development VM (JMH
     * {@code gemm}, 2816 × 1024, 2 threads, GFLOP/s, this path against tokenLanesQ in the same run): Q8_0 T = 2 44 vs
     * 13, 4 44 vs 33, 8 46 vs 67; Q4_0 2 55 vs 14, 4 48 vs 34, 8 45 vs 67; Q4_K 2 48 vs 12, 4 48 vs 27, 8 57 vs 42,
     * 12 59 vs 77; Q6_K 2 25 vs 13, 4 25 vs 25, 8 27 vs 56. The row kernels' rate does not grow with T (each token
     * decodes the blocks again), tokenLanesQ's does (it widens W once for all tokens). Q8_0 and Q4_0 run four tokens
     * at a time through one block decoding ({@link #rowsFourTokens}, since 2026-12-05), which moved their limit from 5
     * to 11: JMH {@code gemm} as above, fewTokensQ against tokenLanesQ in alternate forks, two rounds, GFLOP/s: Q8_0
     * T = 4 97–121 vs 36–37 (the former per-token kernels 52–62), 8 91–100 vs 74–76, 12 108–124 vs 105–111, 16
     * 110–126 vs 130–142; Q4_0 T = 4 88–102 vs 39–42 (former 59–66), 8 82–102 vs 77–81, 12 90–104 vs 106–109, 16
     * 91–99 vs 133–150.
     */
    static int fewTokensQ(GgmlType type) {
        return switch (type) {
            case Q8_0, Q4_0 -> 11;
            case Q4_K -> 8;
            case Q6_K -> 3;
            default -> 0;
        };
    }

    /**
     * Y = X·Wᵀ for a few tokens with a quantized W: the rows split across the threads as in the matrix-vector
     * product, and each chunk of rows run through the matrix-vector row kernel once per token (the chunk read again
     * from cache for the second token on); Q8_0 and Q4_0 through {@link #rowsFourTokens} four tokens at a time, the
     * tokens left over one by one. Each token's products are thus its matrix-vector product's, bit for bit (and so
     * the GEMM's: the quantized types are batch-invariant). The row kernels decode a block straight into registers;
     * {@link #tokenLanesQ} widens W to floats in memory first, which costs more than it saves until the widened rows
     * serve enough tokens. Not done for Q4_K / Q6_K (2026-12-05; each version tried gave the same bits): Q6_K's
     * (each 32-group cut out of 32-bit lanes in a method of its own) ran slower than one token at a time (JMH
     * {@code gemm} T = 4: 26–28 against 35–37 GFLOP/s). Q4_K's ran no faster with a half super-block per method
     * (44–50 against 47–54), boxed with its chunks written out (2–6), and with its chunks in loops in one method and
     * the four totals kept in an array it ran 72 against 53–54 (T = 4; 50–52 against 44–45 at 256 bits) — but in
     * {@code jamba bench} runs on bench-small Q4_K it tipped {@link #Q4K_WATCH} to its slower fallback (16-token
     * prompt, 16-token decode: 49–55 against 59–68 tok/s over 5 alternating pairs; the two runs that reported it
     * "halves" against "whole"; our guess: the four-lane vectors it shares Vector API methods with change the type
     * profiles C2 compiles {@link #rowsQ4K} with). So not kept. (Q8_0 and Q4_0 models have no watched kernel.)
     */
    private static void fewTokensQ(Tensor w, float[] x, int xOff, int T, float[] y, int yOff) {
        int in = w.cols();
        int out = Math.toIntExact(w.rows());
        MatVec[] tokens = SCRATCH.get().products(T);
        for (int t = 0; t < T; t++) { // each token as its own matrix-vector product: the same prepared activation
            MatVec m = tokens[t];
            m.w = w;
            m.x = x;
            m.xOff = xOff + t * in;
            m.T = 1;
            m.y = y;
            m.yOff = yOff + t * out;
            m.prepareActivation();
        }
        boolean fours = w.type() == GgmlType.Q8_0 || w.type() == GgmlType.Q4_0;
        int nb = in / 32;
        // per four tokens, their block scales interleaved: dx4[(g·nb + b)·4 + j] = d_x of token 4g + j, block b
        float[] dx4 = SCRATCH.get().floats(Scratch.DX4, fours ? T / 4 * nb * 4 : 0);
        if (fours) {
            for (int t = 0; t < T / 4 * 4; t++) {
                float[] d = tokens[t].dxv;
                int o = (t / 4) * nb * 4 + t % 4;
                for (int b = 0; b < nb; b++) dx4[o + 4 * b] = d[b];
            }
        }
        try {
            overRows(w.rowBytes(), out, 4, (u0, u1) -> {
                int r0 = 4 * u0, r1 = Math.min(out, 4 * u1);
                int t = 0;
                if (fours) {
                    for (; t + 4 <= T; t += 4) {
                        rowsFourTokens(tokens[t], tokens[t + 1], tokens[t + 2], tokens[t + 3], dx4, t * nb, r0, r1);
                    }
                }
                for (; t < T; t++) tokens[t].rows(r0, r1);
            });
        } finally {
            for (int t = 0; t < T; t++) tokens[t].clear();
        }
    }

    /**
     * Up to this many tokens (and above {@link #fewTokensQ}) a Q8_0, Q4_0, Q4_K or Q6_K product runs
     * {@link #tokenLanesQ}. Measured on the development VM (2816 × 1024, 256 MiB rotation, 2 threads, GFLOP/s, against
     * the GEMM): Q8_0 T = 2 12.9 vs 11.1, 4 26.6 vs 22.8, 8 52.6 vs 42.0, 16 103 vs 74, 32 127 vs 120, 48 135 vs 156;
     * Q4_0 T = 16 108 vs 72, 32 129 vs 113, 48 141 vs 152; (1 GiB rotation, separate runs) Q4_K T = 8 39 vs 38, 16 82
     * vs 67, 32 105 vs 105; Q6_K T = 4 19 vs 12, 8 43 vs 23, 16 95 vs 44, 32 113 vs 74.
     */
    static final int TOKEN_LANES_Q_MAX = 32;

    /**
     * {@link #tokenLanes} for the quantized types, with the GEMM's quantized arithmetic ({@link #kernelQ},
     * {@link #kernelQK}): the activations quantized as the GEMM does (Q8_0, or Q8_K for the K-quants), the weights
     * widened to the GEMM's exact integers (Q8_0, Q4_0: q; Q6_K: (q − 32)·sc; Q4_K: sc_g·q and the mins m_g), and per
     * (row, token) the same exact integer sums followed by the same fused scalings in the same order (Q8_0, Q4_0, Q6_K:
     * per 32-block {@code c = fma(p, d_w · d_x, c)}; Q4_K: per super-block the two halves' sums scaled by d·d_x, then
     * the min sum by dmin·d_x). So the GEMM's bits, and so the matrix-vector product's (the quantized types are
     * batch-invariant). Eight rows of W at a time are widened, without transposition.
     */
    private static void tokenLanesQ(Tensor w, float[] x, int xOff, int T, float[] y, int yOff) {
        GgmlType type = w.type();
        int in = w.cols();
        int out = Math.toIntExact(w.rows());
        int nb = in / 32;
        boolean kq = type == GgmlType.Q4_K || type == GgmlType.Q6_K, q4k = type == GgmlType.Q4_K;
        int span = q4k ? 128 : 32;
        int panels = (T + L - 1) / L;
        // as tokenLanes' xt; dxt per 32-block; nbt (Q4_K's min correction) the 32-groups' −Σ q_x
        Scratch sc = SCRATCH.get();
        float[] xt = sc.floats(Scratch.XT, panels * in * L), dxt = sc.floats(Scratch.DXT, panels * nb * L);
        float[] nbt = sc.floats(Scratch.NBT, q4k ? panels * nb * L : 0);
        float[] row = sc.floats(Scratch.ROW, in), rowd = sc.floats(Scratch.ROWD, Math.max(1, nb));
        float[] rown = sc.floats(Scratch.ROWN, Math.max(1, nb));
        for (int t = 0; t < T; t++) {
            if (kq) {
                MatMulReference.quantizeActivationQ8K(x, xOff + t * in, in, row, 0, rowd, 0, rown, 0);
                if (q4k) toLanes(rown, nb, t, nbt);
            } else {
                quantizeActivation(x, xOff + t * in, in, row, 0, rowd, 0);
            }
            toLanes(row, in, t, xt);
            toLanes(rowd, nb, t, dxt);
        }
        for (int t = T; t < panels * L; t++) { // the last panel's unused lanes: zeros, as new
            clearLanes(in, t, xt);
            clearLanes(nb, t, dxt);
            if (q4k) clearLanes(nb, t, nbt);
        }
        MemorySegment seg = w.data();
        long rowBytes = w.rowBytes();
        overRows(rowBytes, out, TL_ROWS, (g0, g1) -> {
            // per row j: values in wr[j·in ..]; scales in dwr[j·nb ..] (Q4_K: d, dmin of super-block sb at 2sb, 2sb+1),
            // Q4_K's mins m_g in mwr[j·nb ..]
            Scratch own = SCRATCH.get(); // the executing thread's
            float[] wr = own.floats(Scratch.WR, TL_ROWS * in), dwr = own.floats(Scratch.DWR, TL_ROWS * nb);
            float[] mwr = own.floats(Scratch.MWR, TL_ROWS * nb);
            float[] tile = own.floats(Scratch.TILE, 4 * L); // as tokenLanes' tile, four rows
            for (int g = g0; g < g1; g++) {
                int o0 = g * TL_ROWS, rows = Math.min(TL_ROWS, out - o0);
                widenRows(type, seg, rowBytes, in, o0, rows, wr, dwr, mwr, 0);
                for (int p = 0; p < panels; p++) {
                    int xb = p * in * L, dxb = p * nb * L, tn = Math.min(L, T - p * L);
                    for (int j0 = 0; j0 < rows; j0 += 4) {
                        // four rows per pass (eight accumulators: four block sums, four totals); past the last row of a
                        // partial group the last row is computed again and not stored
                        int j1 = Math.min(j0 + 1, rows - 1), j2 = Math.min(j0 + 2, rows - 1), j3 = Math.min(j0 + 3, rows - 1);
                        int r0 = j0 * in, r1 = j1 * in, r2 = j2 * in, r3 = j3 * in;
                        int s0 = j0 * nb, s1 = j1 * nb, s2 = j2 * nb, s3 = j3 * nb;
                        FloatVector c0 = FloatVector.zero(F), c1 = c0, c2 = c0, c3 = c0;
                        // per span of `span` values (a 32-block; Q4_K: a half super-block) the exact sums, then each
                        // scaled by its d·d_x (the span's first 32-group's d_x: a super-block's groups share it)
                        for (int sp = 0; sp < in / span; sp++) {
                            FloatVector p0 = FloatVector.zero(F), p1 = p0, p2 = p0, p3 = p0;
                            for (int k = sp * span, kEnd = k + span; k < kEnd; k++) {
                                FloatVector xv = FloatVector.fromArray(F, xt, xb + k * L);
                                p0 = xv.fma(FloatVector.broadcast(F, wr[r0 + k]), p0);
                                p1 = xv.fma(FloatVector.broadcast(F, wr[r1 + k]), p1);
                                p2 = xv.fma(FloatVector.broadcast(F, wr[r2 + k]), p2);
                                p3 = xv.fma(FloatVector.broadcast(F, wr[r3 + k]), p3);
                            }
                            FloatVector dx = FloatVector.fromArray(F, dxt, dxb + sp * (span / 32) * L);
                            int si = q4k ? sp & ~1 : sp; // Q4_K: d of super-block sp / 2 at 2·(sp / 2)
                            c0 = p0.fma(dx.mul(dwr[s0 + si]), c0);
                            c1 = p1.fma(dx.mul(dwr[s1 + si]), c1);
                            c2 = p2.fma(dx.mul(dwr[s2 + si]), c2);
                            c3 = p3.fma(dx.mul(dwr[s3 + si]), c3);
                            if (q4k && (sp & 1) == 1) { // the super-block's min correction, scaled by dmin·d_x
                                int sb = sp / 2;
                                p0 = FloatVector.zero(F); p1 = p0; p2 = p0; p3 = p0;
                                for (int gr = 8 * sb, gEnd = gr + 8; gr < gEnd; gr++) {
                                    FloatVector nv = FloatVector.fromArray(F, nbt, dxb + gr * L);
                                    p0 = nv.fma(FloatVector.broadcast(F, mwr[s0 + gr]), p0);
                                    p1 = nv.fma(FloatVector.broadcast(F, mwr[s1 + gr]), p1);
                                    p2 = nv.fma(FloatVector.broadcast(F, mwr[s2 + gr]), p2);
                                    p3 = nv.fma(FloatVector.broadcast(F, mwr[s3 + gr]), p3);
                                }
                                c0 = p0.fma(dx.mul(dwr[s0 + 2 * sb + 1]), c0);
                                c1 = p1.fma(dx.mul(dwr[s1 + 2 * sb + 1]), c1);
                                c2 = p2.fma(dx.mul(dwr[s2 + 2 * sb + 1]), c2);
                                c3 = p3.fma(dx.mul(dwr[s3 + 2 * sb + 1]), c3);
                            }
                        }
                        c0.intoArray(tile, 0); c1.intoArray(tile, L); c2.intoArray(tile, 2 * L); c3.intoArray(tile, 3 * L);
                        storeTile(tile, Math.min(4, rows - j0), tn, y, yOff + p * L * out + o0 + j0, out);
                    }
                }
            }
        });
    }

    /**
     * Rows [o0, o0 + rows) of a quantized W widened for {@link #tokenLanesQ} (and, K-quants, for the GEMM's
     * {@link #packW}), row j's values to {@code wr[j·in ..]} as the GEMM's exact integers and its scales to
     * {@code dwr[j·nb ..]} (Q8_0, Q4_0, Q6_K: d per 32-block; Q4_K: d and dmin of super-block sb at 2sb, 2sb + 1), Q4_K's
     * mins to {@code mwr[mOff + j·nb ..]}. With vector loads and integer widening, as the matrix-vector kernels decode
     * the blocks (scalar decoding, as the GEMM's packing had, made the widening, not the products, the cost of a few
     * tokens).
     */
    private static void widenRows(GgmlType type, MemorySegment seg, long rowBytes, int in, int o0, int rows,
                                  float[] wr, float[] dwr, float[] mwr, int mOff) {
        int nb = in / 32;
        int per = 32 / L;
        if (type == GgmlType.Q4_K) {
            for (int j = 0; j < rows; j++) {
                for (int sb = 0; sb < in / 256; sb++) {
                    long p = (o0 + j) * rowBytes + 144L * sb;
                    dwr[j * nb + 2 * sb] = Float.float16ToFloat(seg.get(I16LE, p));
                    dwr[j * nb + 2 * sb + 1] = Float.float16ToFloat(seg.get(I16LE, p + 2));
                    for (int c = 0; c < 4; c++) { // 32 bytes: group 2c in the low nibbles, group 2c + 1 in the high
                        int smLo = Dequantize.q4kScaleMin(2 * c, seg, p + 4), smHi = Dequantize.q4kScaleMin(2 * c + 1, seg, p + 4);
                        mwr[mOff + j * nb + 8 * sb + 2 * c] = smLo >>> 8;
                        mwr[mOff + j * nb + 8 * sb + 2 * c + 1] = smHi >>> 8;
                        float scLo = smLo & 0xFF, scHi = smHi & 0xFF;
                        int wi = j * in + 256 * sb + 64 * c;
                        for (int h = 0; h < per; h++) {
                            IntVector v = (IntVector) ByteVector.fromMemorySegment(BY, seg, p + 16 + 32L * c + (long) h * L, LE)
                                    .convertShape(VectorOperators.B2I, I, 0);
                            // sc_g · q as float products of small integers: exact
                            ((FloatVector) v.and(0xF).convert(VectorOperators.I2F, 0)).mul(scLo).intoArray(wr, wi + h * L);
                            ((FloatVector) v.lanewise(VectorOperators.LSHR, 4).and(0xF).convert(VectorOperators.I2F, 0)).mul(scHi)
                                    .intoArray(wr, wi + 32 + h * L);
                        }
                    }
                }
            }
            return;
        }
        if (type == GgmlType.Q6_K) {
            int perHalf = 16 / L; // vectors per 16-element sub-block (1 or 2)
            for (int j = 0; j < rows; j++) {
                for (int sb = 0; sb < in / 256; sb++) {
                    long p = (o0 + j) * rowBytes + 210L * sb;
                    float d = Float.float16ToFloat(seg.get(I16LE, p + 208));
                    for (int g = 0; g < 8; g++) dwr[j * nb + 8 * sb + g] = d;
                    for (int h = 0; h < 2; h++) { // as rowsQ6K: the half's four 32-groups from the same ql / qh bytes
                        long qlp = p + 64L * h, qhp = p + 128 + 32L * h, scp = p + 192 + 8L * h;
                        int wi = j * in + 256 * sb + 128 * h;
                        for (int k = 0; k < per; k++) {
                            IntVector la = (IntVector) ByteVector.fromMemorySegment(BY, seg, qlp + (long) k * L, LE).convertShape(VectorOperators.B2I, I, 0);
                            IntVector lb = (IntVector) ByteVector.fromMemorySegment(BY, seg, qlp + 32 + (long) k * L, LE).convertShape(VectorOperators.B2I, I, 0);
                            IntVector hb = (IntVector) ByteVector.fromMemorySegment(BY, seg, qhp + (long) k * L, LE).convertShape(VectorOperators.B2I, I, 0);
                            int si = k / perHalf;
                            IntVector w0 = la.and(0xF).or(hb.and(3).lanewise(VectorOperators.LSHL, 4)).sub(32);
                            IntVector w1 = lb.and(0xF).or(hb.lanewise(VectorOperators.LSHR, 2).and(3).lanewise(VectorOperators.LSHL, 4)).sub(32);
                            IntVector w2 = la.lanewise(VectorOperators.LSHR, 4).and(0xF).or(hb.lanewise(VectorOperators.LSHR, 4).and(3).lanewise(VectorOperators.LSHL, 4)).sub(32);
                            IntVector w3 = lb.lanewise(VectorOperators.LSHR, 4).and(0xF).or(hb.lanewise(VectorOperators.LSHR, 6).and(3).lanewise(VectorOperators.LSHL, 4)).sub(32);
                            // (q − 32)·sc as float products: exact
                            ((FloatVector) w0.convert(VectorOperators.I2F, 0)).mul((float) seg.get(ValueLayout.JAVA_BYTE, scp + si)).intoArray(wr, wi + k * L);
                            ((FloatVector) w1.convert(VectorOperators.I2F, 0)).mul((float) seg.get(ValueLayout.JAVA_BYTE, scp + 2 + si)).intoArray(wr, wi + 32 + k * L);
                            ((FloatVector) w2.convert(VectorOperators.I2F, 0)).mul((float) seg.get(ValueLayout.JAVA_BYTE, scp + 4 + si)).intoArray(wr, wi + 64 + k * L);
                            ((FloatVector) w3.convert(VectorOperators.I2F, 0)).mul((float) seg.get(ValueLayout.JAVA_BYTE, scp + 6 + si)).intoArray(wr, wi + 96 + k * L);
                        }
                    }
                }
            }
            return;
        }
        boolean q8 = type == GgmlType.Q8_0;
        int halves = 16 / L;
        for (int j = 0; j < rows; j++) {
            long base = (o0 + j) * rowBytes;
            for (int blk = 0; blk < nb; blk++) {
                long p = base + (q8 ? 34L : 18L) * blk;
                int wi = j * in + 32 * blk;
                dwr[j * nb + blk] = Float.float16ToFloat(seg.get(I16LE, p));
                if (q8) {
                    for (int h = 0; h < per; h++) {
                        ((FloatVector) ByteVector.fromMemorySegment(BY, seg, p + 2 + (long) h * L, LE)
                                .convertShape(VectorOperators.B2F, F, 0)).intoArray(wr, wi + h * L);
                    }
                } else {
                    for (int h = 0; h < halves; h++) {
                        IntVector v = (IntVector) ByteVector.fromMemorySegment(BY, seg, p + 2 + (long) h * L, LE)
                                .convertShape(VectorOperators.B2I, I, 0);
                        ((FloatVector) v.and(0xF).sub(8).convert(VectorOperators.I2F, 0)).intoArray(wr, wi + h * L);
                        ((FloatVector) v.lanewise(VectorOperators.ASHR, 4).and(0xF).sub(8).convert(VectorOperators.I2F, 0))
                                .intoArray(wr, wi + 16 + h * L);
                    }
                }
            }
        }
    }

    /**
     * F32 rows [r0, r1) against T tokens, {@code x} holding the T rows of {@code in} floats from offset 0 on a 64-byte
     * boundary: y[yo + t·out + r]. Two rows per pass, from the halves of the range (two weight streams per thread, as
     * {@link #rowsF32x2}), each against four tokens at a time: one load of each token's x vector serves both rows.
     * Each (row, token) sum is the matrix-vector product's: one accumulator over the columns in order. Measured on the
     * development VM (bench-small F32's 192 expert matrices, the decode's guided chunks, 2 threads, medians of 8
     * passes, GB/s of weights) against the former kernel (one row per pass, x loaded from the caller's heap array,
     * whose 64-byte vectors straddle cache lines): T = 2 32.3 → 41.5, T = 4 18.9 → 27.2, T = 6 13.8 → 21.1, T = 8
     * 11.8 → 17.7; the two-row pass alone (heap x) gave 1.07–1.30×, the aligned x alone 1.08–1.23×. With a
     * prefill-like mix of token counts (each matrix its own T in 1..8, binomial around 4, both kernels alternating in
     * one process, 10 rounds): 29.6 → 36.8, 38.0 → 43.8, 35.6 → 38.9 GFLOP/s (three runs).
     */
    static void rowsF32T(MemorySegment seg, long rowBytes, int in, MemorySegment x, int T, float[] y, int yo, int out, int r0, int r1) {
        int upL = in & ~(L - 1);
        float[] tile = SCRATCH.get().floats(Scratch.SUMS, 8 * L);
        int h = (r1 - r0) / 2;
        long hb = h * rowBytes;
        for (int r = r0; r < r0 + h; r++) {
            long b0 = r * rowBytes, b1 = b0 + hb;
            int t = 0;
            for (; t + 4 <= T; t += 4) {
                long x0 = 4L * t * in, x1 = x0 + 4L * in, x2 = x1 + 4L * in, x3 = x2 + 4L * in;
                FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, c0 = a0, c1 = a0, c2 = a0, c3 = a0;
                int i = 0;
                for (; i < upL; i += L) {
                    long p = 4L * i;
                    FloatVector w0 = FloatVector.fromMemorySegment(F, seg, b0 + p, LE), w1 = FloatVector.fromMemorySegment(F, seg, b1 + p, LE);
                    FloatVector v0 = FloatVector.fromMemorySegment(F, x, x0 + p, LE), v1 = FloatVector.fromMemorySegment(F, x, x1 + p, LE);
                    FloatVector v2 = FloatVector.fromMemorySegment(F, x, x2 + p, LE), v3 = FloatVector.fromMemorySegment(F, x, x3 + p, LE);
                    a0 = a0.add(w0.mul(v0));
                    a1 = a1.add(w0.mul(v1));
                    a2 = a2.add(w0.mul(v2));
                    a3 = a3.add(w0.mul(v3));
                    c0 = c0.add(w1.mul(v0));
                    c1 = c1.add(w1.mul(v1));
                    c2 = c2.add(w1.mul(v2));
                    c3 = c3.add(w1.mul(v3));
                }
                // the sums through memory, as in rowsF16x4: C2 stops inlining into this method before sumLanes
                a0.intoArray(tile, 0); a1.intoArray(tile, L); a2.intoArray(tile, 2 * L); a3.intoArray(tile, 3 * L);
                c0.intoArray(tile, 4 * L); c1.intoArray(tile, 5 * L); c2.intoArray(tile, 6 * L); c3.intoArray(tile, 7 * L);
                storeTwoRowsFourTokens(false, seg, b0, b1, x, x0, in, i, tile, y, yo + t * out + r, out, h);
            }
            for (; t < T; t++) {
                long x0 = 4L * t * in;
                FloatVector a0 = FloatVector.zero(F), c0 = a0;
                int i = 0;
                for (; i < upL; i += L) {
                    long p = 4L * i;
                    FloatVector v0 = FloatVector.fromMemorySegment(F, x, x0 + p, LE);
                    a0 = a0.add(FloatVector.fromMemorySegment(F, seg, b0 + p, LE).mul(v0));
                    c0 = c0.add(FloatVector.fromMemorySegment(F, seg, b1 + p, LE).mul(v0));
                }
                a0.intoArray(tile, 0);
                c0.intoArray(tile, L);
                y[yo + t * out + r] = tailF32(seg, b0, x, x0, i, in, VectorOps.sumLanes(tile, 0));
                y[yo + t * out + r + h] = tailF32(seg, b1, x, x0, i, in, VectorOps.sumLanes(tile, L));
            }
        }
        if (r0 + 2 * h < r1) { // the row left over: each token as the matrix-vector product
            int r = r1 - 1;
            for (int t = 0; t < T; t++) rowsF32(seg, rowBytes, in, x.asSlice(4L * t * in), y, yo + t * out, r, r1);
        }
    }

    /**
     * BF16 rows [r0, r1) against T tokens, {@code x} as in {@link #rowsF32T} (already rounded as the BF16
     * matrix-vector product takes it): two rows per pass from the halves of the range, each widened once for four
     * tokens; each (row, token) sum is {@link #rowsBF16}'s. Against the former kernel (one row per pass, x from the
     * caller's heap rows), bench-small BF16's 16-token prefill, jars alternating (a /tmp harness, 20 untimed then
     * 30 timed prefills, medians): 133.5 → 152.0, 134.6 → 145.9, 132.9 → 146.6 tok/s.
     */
    static void rowsBF16T(MemorySegment seg, long rowBytes, int in, MemorySegment x, int T, float[] y, int yo, int out, int r0, int r1) {
        int upL = in & ~(L - 1);
        float[] tile = SCRATCH.get().floats(Scratch.SUMS, 8 * L);
        int h = (r1 - r0) / 2;
        long hb = h * rowBytes;
        for (int r = r0; r < r0 + h; r++) {
            long b0 = r * rowBytes, b1 = b0 + hb;
            int t = 0;
            for (; t + 4 <= T; t += 4) {
                long x0 = 4L * t * in, x1 = x0 + 4L * in, x2 = x1 + 4L * in, x3 = x2 + 4L * in;
                FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, c0 = a0, c1 = a0, c2 = a0, c3 = a0;
                int i = 0;
                for (; i < upL; i += L) {
                    long p = 4L * i;
                    FloatVector w0 = ShortVector.fromMemorySegment(SH, seg, b0 + 2L * i, LE).convertShape(VectorOperators.S2I, I, 0)
                            .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                    FloatVector w1 = ShortVector.fromMemorySegment(SH, seg, b1 + 2L * i, LE).convertShape(VectorOperators.S2I, I, 0)
                            .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                    FloatVector v0 = FloatVector.fromMemorySegment(F, x, x0 + p, LE), v1 = FloatVector.fromMemorySegment(F, x, x1 + p, LE);
                    FloatVector v2 = FloatVector.fromMemorySegment(F, x, x2 + p, LE), v3 = FloatVector.fromMemorySegment(F, x, x3 + p, LE);
                    a0 = w0.fma(v0, a0);
                    a1 = w0.fma(v1, a1);
                    a2 = w0.fma(v2, a2);
                    a3 = w0.fma(v3, a3);
                    c0 = w1.fma(v0, c0);
                    c1 = w1.fma(v1, c1);
                    c2 = w1.fma(v2, c2);
                    c3 = w1.fma(v3, c3);
                }
                a0.intoArray(tile, 0); a1.intoArray(tile, L); a2.intoArray(tile, 2 * L); a3.intoArray(tile, 3 * L);
                c0.intoArray(tile, 4 * L); c1.intoArray(tile, 5 * L); c2.intoArray(tile, 6 * L); c3.intoArray(tile, 7 * L);
                storeTwoRowsFourTokens(true, seg, b0, b1, x, x0, in, i, tile, y, yo + t * out + r, out, h);
            }
            for (; t < T; t++) rowsBF16Pair(seg, in, x, 4L * t * in, y, yo + t * out + r, b0, b1, h);
        }
        if (r0 + 2 * h < r1) { // the row left over: paired with itself (both sums go to its one slot)
            int r = r1 - 1;
            long b = r * rowBytes;
            for (int t = 0; t < T; t++) {
                rowsBF16Pair(seg, in, x, 4L * t * in, y, yo + t * out + r, b, b, 0);
            }
        }
    }

    /**
     * The eight sums of a {@link #rowsF32T} / {@link #rowsBF16T} step, stored in {@code tile} (rows b0 then b1, tokens
     * 0–3 each, from x at bytes {@code x0} + t·4·in), finished with their columns from {@code from} on and written to
     * y[yt + t·out] (row b0) and y[yt + t·out + h] (row b1).
     */
    private static void storeTwoRowsFourTokens(boolean bf16, MemorySegment seg, long b0, long b1, MemorySegment x, long x0, int in,
                                              int from, float[] tile, float[] y, int yt, int out, int h) {
        for (int t = 0; t < 4; t++) {
            long xt = x0 + 4L * t * in;
            float s0 = VectorOps.sumLanes(tile, t * L), s1 = VectorOps.sumLanes(tile, (4 + t) * L);
            y[yt + t * out] = bf16 ? tailBF16(seg, b0, x, xt, from, in, s0) : tailF32(seg, b0, x, xt, from, in, s0);
            y[yt + t * out + h] = bf16 ? tailBF16(seg, b1, x, xt, from, in, s1) : tailF32(seg, b1, x, xt, from, in, s1);
        }
    }

    /** One token (x from byte {@code xb}) against the BF16 rows at {@code b0} and {@code b1}: y[yi] and y[yi + h]. */
    private static void rowsBF16Pair(MemorySegment seg, int in, MemorySegment x, long xb, float[] y, int yi, long b0, long b1, int h) {
        int upL = in & ~(L - 1);
        FloatVector a0 = FloatVector.zero(F), c0 = a0;
        int i = 0;
        for (; i < upL; i += L) {
            FloatVector v0 = FloatVector.fromMemorySegment(F, x, xb + 4L * i, LE);
            a0 = ShortVector.fromMemorySegment(SH, seg, b0 + 2L * i, LE).convertShape(VectorOperators.S2I, I, 0)
                    .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(v0, a0);
            c0 = ShortVector.fromMemorySegment(SH, seg, b1 + 2L * i, LE).convertShape(VectorOperators.S2I, I, 0)
                    .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(v0, c0);
        }
        y[yi + h] = tailBF16(seg, b1, x, xb, i, in, VectorOps.sumLanes(c0));
        y[yi] = tailBF16(seg, b0, x, xb, i, in, VectorOps.sumLanes(a0));
    }

    private static void check(Tensor w, float[] x, int xOff, int T, float[] y, int yOff) {
        GgmlType type = w.type();
        switch (type) {
            case F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q6_K -> {}
            default -> throw new UnsupportedOperationException("matmul: tensor '" + w.name() + "' has type " + type + ", not supported");
        }
        if (T < 0) throw new IllegalArgumentException("T = " + T);
        Objects.checkFromIndexSize(xOff, Math.multiplyExact(T, w.cols()), x.length);
        Objects.checkFromIndexSize(yOff, Math.multiplyExact(T, Math.toIntExact(w.rows())), y.length);
    }

    /**
     * The F32 matrix-vector kernel in use: 1, 2 or 4 rows per step, or 0 while the first F32 products still time
     * them ({@link F32Rows}). Results never depend on it.
     */
    public static int f32MatvecRows() {
        return F32Rows.current();
    }

    /**
     * The Q6_K matrix-vector kernel in use ({@link #Q6K_WATCH}): "bytes", "ints", or "watching" while undecided; null
     * before a Q6_K matrix-vector product has run.
     */
    public static String q6kKernel() {
        return Q6K_WATCH.describe();
    }

    /**
     * The Q4_K matrix-vector kernel in use ({@link #Q4K_WATCH}): "whole", "halves", or "watching" while undecided;
     * null before a Q4_K matrix-vector product has run.
     */
    public static String q4kKernel() {
        return Q4K_WATCH.describe();
    }

    // ------------------------------------------------------------------------------------------------------------
    // T = 1

    /**
     * Several products Y_j = W_j · X_j run as one: {@link #add} them, then {@link #run}. When every product has
     * T = 1 they share one parallel call over all their rows (a decode step's gate and up projections of both chosen
     * experts, or q, k and v), so the threads meet once instead of once per matrix; otherwise each runs as
     * {@link #matmul} would, in the order added. Results are those of separate {@link #matmul} calls, bit for bit.
     * Products that read the same activation row, in a row, prepare it (rounding or quantizing) once. Obtained per
     * thread from {@link #batch()}; nothing is allocated once its buffers have grown.
     *
     * <p>Measured on the development VM (2 vCPU AMD EPYC, AVX-512), F32 matrices of 2816 × 1024 from anonymous memory,
     * 2 threads, 30 alternating passes over 100 of them: one call per matrix 61.6 GB/s, two per call 63.6, four per
     * call 64.7 (medians): each call costs the time the threads wait for one another at its end.
     */
    public static final class Batch {
        private MatVec[] parts = new MatVec[0];
        /** Products added since the last {@link #run}. */
        private int count;
        /** Per product: its first row in the concatenated row range of a fused call. */
        private int[] starts = new int[1];
        private boolean allSingle;
        private final Parallel.IntRangeBody rowsBody = this::rows;

        private Batch() {}

        /** Adds Y[t, o] = Σ_i W[o, i] · X[t, i] for t in [0, T) (as {@link #matmul}, whose checks it makes now). */
        public Batch add(Tensor w, float[] x, int xOff, int T, float[] y, int yOff) {
            check(w, x, xOff, T, y, yOff);
            return addChecked(w, x, xOff, T, y, yOff);
        }

        private Batch addChecked(Tensor w, float[] x, int xOff, int T, float[] y, int yOff) {
            if (count == parts.length) {
                parts = java.util.Arrays.copyOf(parts, count + 4);
                for (int j = count; j < parts.length; j++) parts[j] = new MatVec();
                starts = java.util.Arrays.copyOf(starts, parts.length + 1);
            }
            MatVec p = parts[count++];
            p.w = w;
            p.x = x;
            p.xOff = xOff;
            p.T = T;
            p.y = y;
            p.yOff = yOff;
            if (count == 1) allSingle = true;
            allSingle &= T == 1 && w.cols() > 0;
            return this;
        }

        /** Runs the products added since the last run and empties the batch. */
        public void run() {
            ProductClock clock = CLOCK.get();
            long t0 = clock.depth++ == 0 ? System.nanoTime() : 0, bytes = 0;
            for (int j = 0; j < count; j++) bytes += parts[j].w.byteSize();
            try {
                if (!VECTOR || !allSingle) {
                    for (int j = 0; j < count; j++) {
                        MatVec p = parts[j];
                        matmul(p.w, p.x, p.xOff, p.T, p.y, p.yOff);
                    }
                } else {
                    runFused();
                }
            } finally {
                for (int j = 0; j < count; j++) parts[j].clear();
                count = 0;
                if (--clock.depth == 0) clock.add(System.nanoTime() - t0, bytes);
            }
        }

        private void runFused() {
            int total = 0, grain = Integer.MAX_VALUE, f32Rows = 0;
            long bytes = 0;
            boolean allF32 = true;
            for (int j = 0; j < count; j++) {
                MatVec p = parts[j];
                MatVec prev = j > 0 ? parts[j - 1] : null;
                if (prev != null && prev.x == p.x && prev.xOff == p.xOff && prev.w.cols() == p.w.cols()
                        && prev.w.type() == p.w.type() && prev.w.activationType() == p.w.activationType()) {
                    p.shareActivation(prev);
                } else {
                    p.prepareActivation();
                }
                starts[j] = total;
                int out = Math.toIntExact(p.w.rows());
                total += out;
                bytes += p.w.rowBytes() * out;
                if (out > 0) grain = Math.min(grain, matvecGrain(p.w.rowBytes(), out));
                if (p.w.type() == GgmlType.F32) {
                    if (f32Rows == 0) f32Rows = F32Rows.pick();
                    p.f32Rows = f32Rows;
                } else {
                    allF32 = false;
                }
            }
            starts[count] = total;
            if (total == 0) return;
            boolean timed = allF32 && F32Rows.trialFor(bytes);
            long t0 = timed ? System.nanoTime() : 0;
            if (bytes < SERIAL_BYTES || Parallel.threads() == 1) {
                rows(0, total);
            } else {
                // guided chunks, from 1/(2·threads) of the rows down to multiples of 4 rows of at least 16 KiB: the
                // threads finish within a small chunk of each other. Against fixed chunks of 1/(8·threads) (at least
                // 32 KiB), a decode-like sequence of bench-small's matrices (16 layers + output, 2 threads, 24
                // alternating rounds in one process): F32 29.7 -> 30.4 GB/s (median, 17 of 24 rounds faster), Q8_0
                // 19.9 -> 20.3 GB/s (15 of 24)
                Parallel.forRangeGuided(total, grain, rowsBody);
            }
            if (timed) F32Rows.record(f32Rows, System.nanoTime() - t0, bytes);
        }

        /** Rows [start, end) of the concatenated rows of a fused call. */
        private void rows(int start, int end) {
            int j = 0;
            while (starts[j + 1] <= start) j++;
            while (start < end) {
                int stop = Math.min(end, starts[j + 1]);
                parts[j].rows(start - starts[j], stop - starts[j]);
                start = stop;
                j++;
            }
        }
    }

    private static final ThreadLocal<Batch> BATCH = ThreadLocal.withInitial(Batch::new);
    private static final ThreadLocal<Batch> SINGLE = ThreadLocal.withInitial(Batch::new);

    /** This thread's {@link Batch}, emptied (of products left by a forward pass that failed before running them). */
    public static Batch batch() {
        Batch b = BATCH.get();
        for (int j = 0; j < b.count; j++) b.parts[j].clear();
        b.count = 0;
        return b;
    }

    /** One product of a {@link Batch} with T = 1: its operands and its prepared activation. */
    private static final class MatVec {
        Tensor w;
        float[] x;
        int xOff;
        int T;
        float[] y;
        int yOff;
        float[] xs = new float[0];
        float[] dx = new float[0];
        float[] nbs = new float[0];
        int[] nbsI = new int[0];
        /** F32 only: the activation copied to a 64-byte boundary ({@link #rowsF32}). */
        MemorySegment xAligned = MemorySegment.NULL;
        /** F32 only: rows per step, 1, 2 or 4 ({@link F32Rows}). */
        int f32Rows;
        /** The activation as the row kernels take it: xv from xo, or xAligned (F32); own buffers or another's. */
        float[] xv, dxv;
        int xo;
        int[] nbsv;
        MemorySegment xav;

        void clear() {
            w = null;
            x = null;
            y = null;
            xv = null;
            dxv = null;
            nbsv = null;
            xav = null;
        }

        void shareActivation(MatVec other) {
            xv = other.xv;
            xo = other.xo;
            dxv = other.dxv;
            nbsv = other.nbsv;
            xav = other.xav;
        }

        void prepareActivation() {
            int in = w.cols();
            GgmlType type = w.type();
            if (type != GgmlType.F32 && xs.length < in) xs = new float[in];
            switch (type) {
                case F32 -> {
                    if (xAligned.byteSize() < 4L * in) xAligned = java.lang.foreign.Arena.ofAuto().allocate(4L * in, 64);
                    MemorySegment.copy(x, xOff, xAligned, F32LE, 0, in);
                    xav = xAligned;
                }
                case F16 -> {
                    if (w.activationType() == GgmlType.F32) { xv = x; xo = xOff; break; }
                    roundRowF16(x, xOff, xs, 0, in);
                    xv = xs; xo = 0;
                }
                case BF16 -> {
                    if (w.activationType() == GgmlType.F32) { xv = x; xo = xOff; break; }
                    roundRowBf16(x, xOff, xs, 0, in);
                    xv = xs; xo = 0;
                }
                case Q8_0, Q4_0 -> {
                    if (dx.length < in / 32) dx = new float[in / 32];
                    quantizeActivation(x, xOff, in, xs, 0, dx, 0);
                    xv = xs; xo = 0; dxv = dx;
                }
                case Q4_K, Q6_K -> {
                    if (dx.length < in / 32) dx = new float[in / 32];
                    if (nbs.length < in / 32) nbs = new float[in / 32];
                    MatMulReference.quantizeActivationQ8K(x, xOff, in, xs, 0, dx, 0, nbs, 0);
                    if (nbsI.length < in / 32) nbsI = new int[in / 32];
                    for (int b = 0; b < in / 32; b++) nbsI[b] = (int) nbs[b];
                    xv = xs; xo = 0; dxv = dx; nbsv = nbsI;
                }
                default -> throw new AssertionError(type);
            }
        }

        /** y[yOff + r] = W[r] · x for r in [r0, r1). */
        void rows(int r0, int r1) {
            MemorySegment seg = w.data();
            long rowBytes = w.rowBytes();
            int in = w.cols();
            switch (w.type()) {
                case F32 -> {
                    switch (f32Rows) {
                        case 2 -> rowsF32x2(seg, rowBytes, in, xav, y, yOff, r0, r1);
                        case 4 -> rowsF32x4(seg, rowBytes, in, xav, y, yOff, r0, r1);
                        default -> rowsF32(seg, rowBytes, in, xav, y, yOff, r0, r1);
                    }
                }
                case F16 -> {
                    if (L == 16) rowsF16x4(seg, rowBytes, in, xv, xo, y, yOff, r0, r1);
                    else rowsF16x4Widened(seg, rowBytes, in, xv, xo, y, yOff, r0, r1);
                }
                case BF16 -> rowsBF16x4(seg, rowBytes, in, xv, xo, y, yOff, r0, r1);
                case Q8_0 -> rowsQ8(seg, rowBytes, in, xv, dxv, y, yOff, r0, r1);
                case Q4_0 -> rowsQ4(seg, rowBytes, in, xv, dxv, y, yOff, r0, r1);
                case Q4_K -> {
                    long a0 = Q4K_WATCH.begin();
                    if (Q4K_WATCH.primary(a0)) rowsQ4K(seg, rowBytes, in, xv, dxv, nbsv, y, yOff, r0, r1);
                    else rowsQ4KHalves(seg, rowBytes, in, xv, dxv, nbsv, y, yOff, r0, r1);
                    Q4K_WATCH.end(a0);
                }
                case Q6_K -> rowsQ6K(seg, rowBytes, in, xv, dxv, y, yOff, r0, r1);
                default -> throw new AssertionError(w.type());
            }
        }
    }

    /** The smallest chunk of a parallel matrix-vector product: at least 16 KiB, a multiple of 4 rows, at most all rows. */
    static int matvecGrain(long rowBytes, int rows) {
        long minRows = Math.max(1, 16 * 1024 / rowBytes);
        return (int) Math.min(rows, (minRows + 3) & ~3L);
    }

    /** {@link #matmul}'s T = 1 case, its arguments already checked. */
    private static void matvec(Tensor w, float[] x, int xOff, float[] y, int yOff) {
        SINGLE.get().addChecked(w, x, xOff, 1, y, yOff).run();
    }

    /** dst[dOff + i] = x[xo + i] rounded to fp16 and back (llama.cpp's F16 activations), for i in [0, n). */
    static void roundRowF16(float[] x, int xo, float[] dst, int dOff, int n) {
        for (int i = 0; i < n; i++) dst[dOff + i] = Float.float16ToFloat(Float.floatToFloat16(x[xo + i]));
    }

    /** dst[dOff + i] = x[xo + i] rounded to bf16 (round to nearest even, NaN kept quiet), for i in [0, n). */
    static void roundRowBf16(float[] x, int xo, float[] dst, int dOff, int n) {
        int i = 0;
        for (int up = n - L; i <= up; i += L) {
            IntVector b = FloatVector.fromArray(F, x, xo + i).reinterpretAsInts();
            IntVector r = b.add(b.lanewise(VectorOperators.LSHR, 16).and(1).add(0x7FFF)).and(0xFFFF0000);
            r = r.blend(b.or(0x00400000).and(0xFFFF0000), b.and(0x7FFFFFFF).compare(VectorOperators.GT, 0x7F800000));
            r.reinterpretAsFloats().intoArray(dst, dOff + i);
        }
        for (; i < n; i++) dst[dOff + i] = roundBf16(x[xo + i]);
    }

    static float roundBf16(float v) {
        return Dequantize.bf16ToFloat(Dequantize.floatToBf16(v));
    }

    /**
     * Q8_0 quantization of an activation row as llama.cpp's CPU backend does it (variant chosen by the property
     * {@code jamba4j.q8act}, see {@link MatMulReference#X86_ACT_ROUNDING}): integer values to {@code q} as floats,
     * fp16-rounded block scales to {@code d}.
     */
    static void quantizeActivation(float[] x, int xOff, int n, float[] q, int qOff, float[] d, int dOff) {
        boolean x86 = MatMulReference.X86_ACT_ROUNDING;
        if (L != 8 && L != 16) {
            MatMulReference.quantizeActivation(x, xOff, n, q, qOff, d, dOff, x86);
            return;
        }
        int per = 32 / L;
        for (int b = 0; b < n / 32; b++) {
            int xb = xOff + 32 * b;
            FloatVector m = FloatVector.fromArray(F, x, xb).abs();
            for (int j = 1; j < per; j++) m = m.max(FloatVector.fromArray(F, x, xb + j * L).abs());
            float amax = m.reduceLanes(VectorOperators.MAX);
            float dd = amax / 127f;
            float id = x86 ? (amax != 0f ? 127f / amax : 0f) : (dd != 0f ? 1f / dd : 0f);
            for (int j = 0; j < per; j++) {
                FloatVector v = FloatVector.fromArray(F, x, xb + j * L).mul(id);
                FloatVector r;
                if (x86) {
                    // round half to even: adding and subtracting 1.5 * 2^23 rounds to an integer in the current
                    // (nearest-even) rounding mode; exact for |v| < 2^22 (here |v| <= 127)
                    r = v.add(0x1.8p23f).sub(0x1.8p23f);
                } else {
                    // roundf (half away from zero): round |v| to nearest-even, then bump ties that went down
                    FloatVector a = v.abs();
                    FloatVector t = a.add(0x1p23f).sub(0x1p23f); // exact for 0 <= a < 2^23
                    t = t.blend(t.add(1f), a.sub(t).compare(VectorOperators.EQ, 0.5f));
                    r = t.blend(t.neg(), v.compare(VectorOperators.LT, 0f));
                }
                r.intoArray(q, qOff + 32 * b + j * L);
            }
            d[dOff + b] = Float.float16ToFloat(Float.floatToFloat16(dd));
        }
    }

    // --- T = 1 row kernels: rows [r0, r1) of W, y[yo + r] = dot(W[r], x) -----------------------------------------

    /**
     * F32 rows, four at a time, one from each quarter of {@code [r0, r1)}: each step loads one x vector and the
     * matching weights of rows {@code r}, {@code r + q}, {@code r + 2q} and {@code r + 3q} ({@code q} a quarter of the
     * range), so a thread reads four sequential weight streams far apart and x a quarter as often. One accumulator per
     * row, as in {@link #rowsF32}, so both kernels give the same bits. Measured on the development VM (2 vCPU AMD EPYC,
     * AVX-512), bench-small F32 decode alternating with other kernels in one process (see the caveat at
     * {@link #rowsF32}: gains under ~12% measured so are not evidence): up to 4% faster than four
     * adjacent rows at 512 bits, 16% faster than one row at a time and 30% faster than four adjacent rows at 256 bits
     * ({@code -XX:MaxVectorSize=32}); over 1 GiB of 1024-column rows in per-thread chunks, 2 threads, it streamed at
     * 86–90% of the two-stream plain sum ({@link KernelBench#bandwidth}) where four adjacent rows had streamed at 75%
     * (an earlier run). The rows left over after the quarters go one at a time. Which of this and {@link #rowsF32}
     * streams faster depends on the machine: see {@link F32Rows}. {@code x} as in {@link #rowsF32}.
     */
    static void rowsF32x4(MemorySegment seg, long rowBytes, int in, MemorySegment x, float[] y, int yo, int r0, int r1) {
        int upL = in & ~(L - 1);
        int q = (r1 - r0) / 4;
        long qb = q * rowBytes;
        for (int r = r0; r < r0 + q; r++) {
            long b0 = r * rowBytes, b1 = b0 + qb, b2 = b1 + qb, b3 = b2 + qb;
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            int i = 0;
            for (; i < upL; i += L) {
                long p = 4L * i;
                FloatVector xv = FloatVector.fromMemorySegment(F, x, p, LE);
                a0 = a0.add(FloatVector.fromMemorySegment(F, seg, b0 + p, LE).mul(xv));
                a1 = a1.add(FloatVector.fromMemorySegment(F, seg, b1 + p, LE).mul(xv));
                a2 = a2.add(FloatVector.fromMemorySegment(F, seg, b2 + p, LE).mul(xv));
                a3 = a3.add(FloatVector.fromMemorySegment(F, seg, b3 + p, LE).mul(xv));
            }
            y[yo + r] = tailF32(seg, b0, x, i, in, VectorOps.sumLanes(a0));
            y[yo + r + q] = tailF32(seg, b1, x, i, in, VectorOps.sumLanes(a1));
            y[yo + r + 2 * q] = tailF32(seg, b2, x, i, in, VectorOps.sumLanes(a2));
            y[yo + r + 3 * q] = tailF32(seg, b3, x, i, in, VectorOps.sumLanes(a3));
        }
        rowsF32(seg, rowBytes, in, x, y, yo, r0 + 4 * q, r1);
    }

    /**
     * F32 rows, two at a time, one from each half of {@code [r0, r1)}: each step loads one x vector and the matching
     * weights of rows {@code r} and {@code r + h} ({@code h} half the range), so a thread reads two sequential weight
     * streams — the pattern of the bandwidth probe's fastest read ({@link KernelBench#sumSegment}). One accumulator per
     * row, as in {@link #rowsF32}, so all three kernels give the same bits. The row left over goes alone.
     */
    static void rowsF32x2(MemorySegment seg, long rowBytes, int in, MemorySegment x, float[] y, int yo, int r0, int r1) {
        int upL = in & ~(L - 1);
        int h = (r1 - r0) / 2;
        long hb = h * rowBytes;
        for (int r = r0; r < r0 + h; r++) {
            long b0 = r * rowBytes, b1 = b0 + hb;
            FloatVector a0 = FloatVector.zero(F), a1 = a0;
            int i = 0;
            for (; i < upL; i += L) {
                long p = 4L * i;
                FloatVector xv = FloatVector.fromMemorySegment(F, x, p, LE);
                a0 = a0.add(FloatVector.fromMemorySegment(F, seg, b0 + p, LE).mul(xv));
                a1 = a1.add(FloatVector.fromMemorySegment(F, seg, b1 + p, LE).mul(xv));
            }
            y[yo + r] = tailF32(seg, b0, x, i, in, VectorOps.sumLanes(a0));
            y[yo + r + h] = tailF32(seg, b1, x, i, in, VectorOps.sumLanes(a1));
        }
        rowsF32(seg, rowBytes, in, x, y, yo, r0 + 2 * h, r1);
    }

    /**
     * F32 rows one at a time: one sequential weight stream per thread and <em>one</em> accumulator. With two or four
     * accumulators C2 unrolls the loop and then groups the loads by accumulator, so a row is read out of order in
     * 128- or 256-byte strides, which streams markedly slower (our reading: the hardware prefetchers then see
     * strides, not a sequence); one accumulator keeps the loads in address order. Each step is a multiply and an add,
     * not an FMA (since 2026-12-04): the accumulator's chain then waits on an add (shorter latency than an FMA), and
     * after each late cache line the stalled chain drains sooner, so that the core keeps issuing loads. Measured on
     * the development VM ({@code KernelBench.F32Part}: the row loop with an FMA against a constant reached 68–76% of a
     * plain read on 1024 × 2816, with an add 92–96%; a /tmp harness over 1 GiB, 2 threads: the four-row kernel 61–63
     * → 69–71 GB/s on 1024 × 2816 against a 72 GB/s read, 63–64 → 65–66 on 2816 × 1024; bench-small F32 decode
     * (`jamba bench --prompt 16 --gen 128 --reps 3 --probe`, old and new jar alternated, 6 pairs) 0.58–0.77 → 0.70–0.83
     * of the measured bandwidth, 3 pairs at {@code -XX:UseAVX=2} 0.65–0.74 → 0.69–0.75). Two rounding steps instead of
     * one per product: well within the fixture tolerances. Earlier measurements (with FMA, 2 vCPU AMD EPYC, AVX-512),
     * bench-small F32 decode, alternating within one process: one accumulator 4–7% faster than two, four
     * accumulators 30% slower; with {@code -XX:MaxVectorSize=32} (AVX2 width) one accumulator 9% faster. Caveat,
     * found later the same day: in-process A/Bs of kernel copies behind a switch favoured one of two <em>identical</em>
     * copies by 6–12% (bench-small BF16; C2 had unrolled one 8× and the other 4×, by our reading after each copy's
     * profile), so differences of that size measured that way (the 4–9% here) are not evidence; the end-to-end gain
     * of this kernel with {@link #rowsF32x4} (F32 decode +24%, alternating process pairs) is. Nor does C2 always keep
     * the loads of an unrolled group of the four-row kernel in address order (unrolled 4× it emitted each row's last
     * first).
     * {@code x} holds the {@code in} activations as little-endian floats from offset 0, on a 64-byte boundary: loaded
     * from a heap array (whose elements start 16 bytes into the object) every other 64-byte x vector spans two cache
     * lines.
     */
    static void rowsF32(MemorySegment seg, long rowBytes, int in, MemorySegment x, float[] y, int yo, int r0, int r1) {
        int upL = in & ~(L - 1);
        for (int r = r0; r < r1; r++) {
            long base = r * rowBytes;
            FloatVector acc = FloatVector.zero(F);
            int i = 0;
            for (; i < upL; i += L) {
                acc = acc.add(FloatVector.fromMemorySegment(F, seg, base + 4L * i, LE).mul(FloatVector.fromMemorySegment(F, x, 4L * i, LE)));
            }
            y[yo + r] = tailF32(seg, base, x, i, in, VectorOps.sumLanes(acc));
        }
    }

    /**
     * Chooses among the F32 matvec kernels {@link #rowsF32} (one row at a time), {@link #rowsF32x2} (two, from the
     * halves of the range) and {@link #rowsF32x4} (four, from the quarters): which streams faster depends on the
     * machine's prefetchers, and all compute every row with the same operations in the same order, so the choice
     * never changes a result. Measured on two development VMs of the same kind, 2 threads: one (AVX-512 FMA peak ~480
     * GFLOP/s) streamed 7–22% faster four rows at a time, the other (~230 GFLOP/s) 13% faster one row at a time (a
     * decode-like sequence of bench-small's matrices, 20 alternating rounds in one process: 25.3 vs 28.5 GB/s at 512
     * bits, 26.7 vs 32.7 at 256 bits; those kernels had two accumulators per row and took four adjacent rows). With
     * one accumulator per row and the four rows taken from the quarters of the range (since 2026-12-04), on the first
     * kind of VM the four-row kernel was faster at both widths (see {@link #rowsF32x4}); the two-row kernel
     * (2026-12-05) was faster again there (see {@link #rowsF32x2}). Property {@code jamba4j.f32rows}:
     * {@code 1}, {@code 2}, {@code 4}, or {@code auto} (default): the first large (≥ 1 MiB) F32 matrix-vector products
     * of the process take the three in turn; after {@value #WARMUP_CALLS} untimed calls (JIT compilation),
     * {@value #TRIAL_CALLS} of each are timed over the same seconds so that all see the same machine, and the one
     * with the highest median rate (bytes / time of one call) is kept from then on. The median, not total bytes over
     * total time: one call that a descheduled thread holds up for a millisecond (on the development VM this happens
     * every few hundred calls) outweighs a 5% difference in the totals.
     */
    static final class F32Rows {
        private F32Rows() {}

        static final int TRIAL_CALLS = 64;
        /**
         * Trial calls left untimed first: the first calls run while the JIT still compiles the kernels, which
         * would favour the one compiled first (the one-row kernel, which the others also call for their
         * remainder rows, gets hot first). 256 calls are about four decode steps of bench-small.
         */
        static final int WARMUP_CALLS = 256;
        private static int warmup = WARMUP_CALLS;
        private static final long TRIAL_MIN_BYTES = 1 << 20;
        /** 1 or 4 once chosen (or forced), 0 while the trial runs. */
        private static volatile int choice = forced();
        private static final java.util.concurrent.atomic.AtomicInteger TURN = new java.util.concurrent.atomic.AtomicInteger();
        private static final double[][] RATES = new double[3][TRIAL_CALLS];
        private static final int[] CALLS = new int[3];

        private static int forced() {
            String p = System.getProperty("jamba4j.f32rows", "auto").trim();
            return switch (p) {
                case "1" -> 1;
                case "2" -> 2;
                case "4" -> 4;
                case "auto", "" -> 0;
                default -> throw new IllegalArgumentException("jamba4j.f32rows must be 1, 2, 4 or auto, got '" + p + "'");
            };
        }

        /** The kernels on trial, by rows per step. */
        private static final int[] KERNELS = {1, 2, 4};

        /** Rows per step for the next F32 matvec. */
        static int pick() {
            int c = choice;
            return c != 0 ? c : KERNELS[Math.floorMod(TURN.getAndIncrement(), KERNELS.length)];
        }

        /** Whether a matvec of {@code bytes} weights is part of the trial (its time is to be {@link #record}ed). */
        static boolean trialFor(long bytes) {
            return choice == 0 && bytes >= TRIAL_MIN_BYTES;
        }

        static synchronized void record(int rows, long nanos, long bytes) {
            if (choice != 0) return;
            if (warmup > 0) {
                warmup--;
                return;
            }
            int k = java.util.Arrays.binarySearch(KERNELS, rows);
            if (CALLS[k] < TRIAL_CALLS) RATES[k][CALLS[k]++] = bytes / (double) Math.max(1, nanos);
            int best = 0;
            for (int j = 0; j < KERNELS.length; j++) {
                if (CALLS[j] < TRIAL_CALLS) return;
                if (median(RATES[j]) > median(RATES[best])) best = j;
            }
            choice = KERNELS[best];
        }

        private static double median(double[] v) {
            double[] c = v.clone();
            java.util.Arrays.sort(c);
            return c[c.length / 2];
        }

        /** The kernel in use: 1 or 4 rows per step, or 0 while still undecided. */
        static int current() {
            return choice;
        }
    }

    /**
     * F16 rows one at a time, one accumulator (see {@link #rowsF32}): the remainder rows of {@link #rowsF16x4}. fp16 →
     * fp32 by bit manipulation (the Vector API has no half-float conversion): the magnitude shifted into float position
     * and multiplied by 2^112 rebiases the exponent (subnormals included); exponent 31 (inf / NaN) is patched; the
     * sign bit is already in place after sign extension to int.
     */
    static void rowsF16(MemorySegment seg, long rowBytes, int in, float[] x, int xo, float[] y, int yo, int r0, int r1) {
        int upL = in & ~(L - 1);
        for (int r = r0; r < r1; r++) {
            long b0 = r * rowBytes;
            FloatVector a0 = FloatVector.zero(F);
            int i = 0;
            for (; i < upL; i += L) {
                long p = 2L * i;
                FloatVector xv = FloatVector.fromArray(F, x, xo + i);
                IntVector h0 = (IntVector) ShortVector.fromMemorySegment(SH, seg, b0 + p, LE).convertShape(VectorOperators.S2I, I, 0);
                IntVector m0 = h0.and(0x7FFF), s0h = m0.lanewise(VectorOperators.LSHL, 13);
                a0 = s0h.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts().blend(s0h.or(0x7F800000), m0.compare(VectorOperators.GE, 0x7C00))
                        .or(h0.and(0x80000000)).reinterpretAsFloats().fma(xv, a0);
            }
            y[yo + r] = tailHalf(false, seg, b0, x, xo, i, in, VectorOps.sumLanes(a0));
        }
    }

    /**
     * F16 rows, four at a time, one from each quarter of {@code [r0, r1)}, one accumulator per row: the layout of
     * {@link #rowsF32x4}, and the same bits as {@link #rowsF16}. Measured on the development VM (2 vCPU AMD EPYC),
     * bench-small in F16, decode alternating with the earlier kernel (one row, two accumulators) in one process: 1.44×
     * at 512 bits, 1.03× at 256 bits ({@code -XX:MaxVectorSize=32}, where the conversion makes it compute-bound).
     */
    static void rowsF16x4(MemorySegment seg, long rowBytes, int in, float[] x, int xo, float[] y, int yo, int r0, int r1) {
        int upL = in & ~(L - 1);
        float[] tile = SCRATCH.get().floats(Scratch.SUMS, 8 * L);
        int q = (r1 - r0) / 4;
        long qb = q * rowBytes;
        for (int r = r0; r < r0 + q; r++) {
            long b0 = r * rowBytes, b1 = b0 + qb, b2 = b1 + qb, b3 = b2 + qb;
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            int i = 0;
            for (; i < upL; i += L) {
                long p = 2L * i;
                FloatVector xv = FloatVector.fromArray(F, x, xo + i);
                IntVector h0 = (IntVector) ShortVector.fromMemorySegment(SH, seg, b0 + p, LE).convertShape(VectorOperators.S2I, I, 0);
                IntVector m0 = h0.and(0x7FFF), s0h = m0.lanewise(VectorOperators.LSHL, 13);
                a0 = s0h.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts().blend(s0h.or(0x7F800000), m0.compare(VectorOperators.GE, 0x7C00))
                        .or(h0.and(0x80000000)).reinterpretAsFloats().fma(xv, a0);
                IntVector h1 = (IntVector) ShortVector.fromMemorySegment(SH, seg, b1 + p, LE).convertShape(VectorOperators.S2I, I, 0);
                IntVector m1 = h1.and(0x7FFF), s1h = m1.lanewise(VectorOperators.LSHL, 13);
                a1 = s1h.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts().blend(s1h.or(0x7F800000), m1.compare(VectorOperators.GE, 0x7C00))
                        .or(h1.and(0x80000000)).reinterpretAsFloats().fma(xv, a1);
                IntVector h2 = (IntVector) ShortVector.fromMemorySegment(SH, seg, b2 + p, LE).convertShape(VectorOperators.S2I, I, 0);
                IntVector m2 = h2.and(0x7FFF), s2h = m2.lanewise(VectorOperators.LSHL, 13);
                a2 = s2h.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts().blend(s2h.or(0x7F800000), m2.compare(VectorOperators.GE, 0x7C00))
                        .or(h2.and(0x80000000)).reinterpretAsFloats().fma(xv, a2);
                IntVector h3 = (IntVector) ShortVector.fromMemorySegment(SH, seg, b3 + p, LE).convertShape(VectorOperators.S2I, I, 0);
                IntVector m3 = h3.and(0x7FFF), s3h = m3.lanewise(VectorOperators.LSHL, 13);
                a3 = s3h.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts().blend(s3h.or(0x7F800000), m3.compare(VectorOperators.GE, 0x7C00))
                        .or(h3.and(0x80000000)).reinterpretAsFloats().fma(xv, a3);
            }
            // the four sums through memory: C2 stops inlining into this method before it reaches VectorOps.sumLanes
            // (NodeCountInliningCutoff, JDK 25), and a vector passed to a call it did not inline is boxed: 28.7 MB
            // of garbage per bench-small decode step before this
            a0.intoArray(tile, 0);
            a1.intoArray(tile, L);
            a2.intoArray(tile, 2 * L);
            a3.intoArray(tile, 3 * L);
            y[yo + r] = tailHalf(false, seg, b0, x, xo, i, in, VectorOps.sumLanes(tile, 0));
            y[yo + r + q] = tailHalf(false, seg, b1, x, xo, i, in, VectorOps.sumLanes(tile, L));
            y[yo + r + 2 * q] = tailHalf(false, seg, b2, x, xo, i, in, VectorOps.sumLanes(tile, 2 * L));
            y[yo + r + 3 * q] = tailHalf(false, seg, b3, x, xo, i, in, VectorOps.sumLanes(tile, 3 * L));
        }
        rowsF16(seg, rowBytes, in, x, xo, y, yo, r0 + 4 * q, r1);
    }

    /**
     * F16 rows one at a time, one accumulator, widened as in {@link #rowsF16x4Widened}: its remainder rows (the same
     * sums as {@link #rowsF16}).
     */
    static void rowsF16Widened(MemorySegment seg, long rowBytes, int in, float[] x, int xo, float[] y, int yo, int r0, int r1) {
        int upL = in & ~(L - 1);
        float[] wf = SCRATCH.get().floats(Scratch.HALF, 4 * F16_CHUNK);
        for (int r = r0; r < r1; r++) {
            long b0 = r * rowBytes;
            FloatVector a0 = FloatVector.zero(F);
            for (int c = 0; c < upL; c += F16_CHUNK) {
                int n = Math.min(F16_CHUNK, upL - c);
                widenF16(seg, b0 + 2L * c, wf, 0, n);
                for (int i = 0; i < n; i += L) a0 = FloatVector.fromArray(F, wf, i).fma(FloatVector.fromArray(F, x, xo + c + i), a0);
            }
            y[yo + r] = tailHalf(false, seg, b0, x, xo, upL, in, VectorOps.sumLanes(a0));
        }
    }

    /**
     * {@link #rowsF16x4} at 256 bits: the same sums (the same bits), with the fp16 values widened {@link #F16_CHUNK} at
     * a time per row by {@link #widenF16} (which C2 compiles to the CPU's own conversion, F16C's {@code vcvtph2ps})
     * and FMA'd from that scratch. At 256 bits the bit operations of {@link #rowsF16x4} (ten vector operations per
     * vector of weights) made F16 decode compute-bound: bench-small 17–19 tok/s against BF16's 69–75. Measured on the
     * development VM ({@code -XX:UseAVX=2}): bench-small F16 decode after a 16-token prompt 17–19 → 30–46 tok/s (7
     * old/new jar pairs, 5 of them 41–46), after a 512-token prompt 16–18 → 22–25 in 3 pairs, 22–46 over 14 runs (the
     * slower runs' profiles put more time in the FMA loop; why some runs compile it worse is not found); one thread
     * over 32 matrices of 2816 × 1024 (a /tmp harness) 8–9 → 15–16 GB/s. Widening whole rows instead of chunks ran
     * 23–28 tok/s in 3 runs. At 512 bits the bit operations stay ahead (20 against 15 GB/s in that harness, decode −4%
     * over 3 pairs), so there they remain.
     */
    static void rowsF16x4Widened(MemorySegment seg, long rowBytes, int in, float[] x, int xo, float[] y, int yo, int r0, int r1) {
        int upL = in & ~(L - 1);
        Scratch sc = SCRATCH.get();
        float[] tile = sc.floats(Scratch.SUMS, 8 * L);
        float[] wf = sc.floats(Scratch.HALF, 4 * F16_CHUNK);
        int q = (r1 - r0) / 4;
        long qb = q * rowBytes;
        for (int r = r0; r < r0 + q; r++) {
            long b0 = r * rowBytes, b1 = b0 + qb, b2 = b1 + qb, b3 = b2 + qb;
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            for (int c = 0; c < upL; c += F16_CHUNK) {
                int n = Math.min(F16_CHUNK, upL - c);
                widenF16(seg, b0 + 2L * c, wf, 0, n);
                widenF16(seg, b1 + 2L * c, wf, F16_CHUNK, n);
                widenF16(seg, b2 + 2L * c, wf, 2 * F16_CHUNK, n);
                widenF16(seg, b3 + 2L * c, wf, 3 * F16_CHUNK, n);
                for (int i = 0; i < n; i += L) {
                    FloatVector xv = FloatVector.fromArray(F, x, xo + c + i);
                    a0 = FloatVector.fromArray(F, wf, i).fma(xv, a0);
                    a1 = FloatVector.fromArray(F, wf, F16_CHUNK + i).fma(xv, a1);
                    a2 = FloatVector.fromArray(F, wf, 2 * F16_CHUNK + i).fma(xv, a2);
                    a3 = FloatVector.fromArray(F, wf, 3 * F16_CHUNK + i).fma(xv, a3);
                }
            }
            // the four sums through memory: C2 stops inlining into this method before it reaches VectorOps.sumLanes
            // (NodeCountInliningCutoff, JDK 25), and a vector passed to a call it did not inline is boxed: 28.7 MB
            // of garbage per bench-small decode step before this
            a0.intoArray(tile, 0);
            a1.intoArray(tile, L);
            a2.intoArray(tile, 2 * L);
            a3.intoArray(tile, 3 * L);
            y[yo + r] = tailHalf(false, seg, b0, x, xo, upL, in, VectorOps.sumLanes(tile, 0));
            y[yo + r + q] = tailHalf(false, seg, b1, x, xo, upL, in, VectorOps.sumLanes(tile, L));
            y[yo + r + 2 * q] = tailHalf(false, seg, b2, x, xo, upL, in, VectorOps.sumLanes(tile, 2 * L));
            y[yo + r + 3 * q] = tailHalf(false, seg, b3, x, xo, upL, in, VectorOps.sumLanes(tile, 3 * L));
        }
        rowsF16Widened(seg, rowBytes, in, x, xo, y, yo, r0 + 4 * q, r1);
    }

    /** fp16 values {@link #rowsF16x4Widened} widens per row at a time: a multiple of the lanes; four rows' take 8 KiB. */
    static final int F16_CHUNK = 512;

    /**
     * dst[d .. d + n) = the n fp16 values at byte {@code off} of {@code seg}, as floats, by a plain loop over
     * {@link Float#float16ToFloat}, which C2 vectorizes to the CPU's conversion instruction (F16C's {@code vcvtph2ps}
     * on x86; measured on the development VM at 256 bits: 0.04 ns per value from L1, against 0.44 ns scalar). Exact.
     * Reading the segment in the loop streamed 15–17 GB/s in a one-thread matrix-vector harness, against 9 GB/s
     * for a bulk copy to a short array first (its overlap and bounds checks per call).
     */
    static void widenF16(MemorySegment seg, long off, float[] dst, int d, int n) {
        for (int i = 0; i < n; i++) dst[d + i] = Float.float16ToFloat(seg.get(I16LE, off + 2L * i));
    }

    /** BF16 rows one at a time, one accumulator (see {@link #rowsF32}): the remainder rows of {@link #rowsBF16x4}. */
    static void rowsBF16(MemorySegment seg, long rowBytes, int in, float[] x, int xo, float[] y, int yo, int r0, int r1) {
        int upL = in & ~(L - 1);
        float[] tile = r0 < r1 ? SCRATCH.get().floats(Scratch.SUMS, 8 * L) : null;
        for (int r = r0; r < r1; r++) {
            long base = r * rowBytes;
            FloatVector acc = FloatVector.zero(F);
            int i = 0;
            for (; i < upL; i += L) {
                FloatVector w = ShortVector.fromMemorySegment(SH, seg, base + 2L * i, LE).convertShape(VectorOperators.S2I, I, 0)
                        .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                acc = w.fma(FloatVector.fromArray(F, x, xo + i), acc);
            }
            // through memory, as rowsBF16x4's sums: inlined into it, this call to sumLanes was not inlined and boxed
            // acc (the default model's remainder rows, JFR, 2026-12-05)
            acc.intoArray(tile, 0);
            y[yo + r] = tailHalf(true, seg, base, x, xo, i, in, VectorOps.sumLanes(tile, 0));
        }
    }

    /**
     * BF16 rows, four at a time, one from each quarter of {@code [r0, r1)}, one accumulator per row: the layout of
     * {@link #rowsF32x4}, and the same bits as {@link #rowsBF16}. Measured on the development VM (2 vCPU AMD EPYC),
     * bench-small in BF16, decode alternating with the earlier kernel (one row, two accumulators) in one process:
     * 1.6–1.7× at 512 bits, 1.75× at 256 bits ({@code -XX:MaxVectorSize=32}); one row with one accumulator 1.2–1.3×
     * at 512 bits, no faster at 256.
     */
    static void rowsBF16x4(MemorySegment seg, long rowBytes, int in, float[] x, int xo, float[] y, int yo, int r0, int r1) {
        int upL = in & ~(L - 1);
        float[] tile = SCRATCH.get().floats(Scratch.SUMS, 8 * L);
        int q = (r1 - r0) / 4;
        long qb = q * rowBytes;
        for (int r = r0; r < r0 + q; r++) {
            long b0 = r * rowBytes, b1 = b0 + qb, b2 = b1 + qb, b3 = b2 + qb;
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            int i = 0;
            for (; i < upL; i += L) {
                long p = 2L * i;
                FloatVector xv = FloatVector.fromArray(F, x, xo + i);
                a0 = ShortVector.fromMemorySegment(SH, seg, b0 + p, LE).convertShape(VectorOperators.S2I, I, 0)
                        .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xv, a0);
                a1 = ShortVector.fromMemorySegment(SH, seg, b1 + p, LE).convertShape(VectorOperators.S2I, I, 0)
                        .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xv, a1);
                a2 = ShortVector.fromMemorySegment(SH, seg, b2 + p, LE).convertShape(VectorOperators.S2I, I, 0)
                        .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xv, a2);
                a3 = ShortVector.fromMemorySegment(SH, seg, b3 + p, LE).convertShape(VectorOperators.S2I, I, 0)
                        .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xv, a3);
            }
            // the four sums through memory, as in rowsF16x4: C2 did not inline the fourth VectorOps.sumLanes here
            // (JDK 25) and boxed a3 for the call, one 80-byte array per four rows, in every run: 857 KiB per decode
            // step of the bundled default model (BF16; JFR: all at the fourth sum) before this
            a0.intoArray(tile, 0);
            a1.intoArray(tile, L);
            a2.intoArray(tile, 2 * L);
            a3.intoArray(tile, 3 * L);
            y[yo + r] = tailHalf(true, seg, b0, x, xo, i, in, VectorOps.sumLanes(tile, 0));
            y[yo + r + q] = tailHalf(true, seg, b1, x, xo, i, in, VectorOps.sumLanes(tile, L));
            y[yo + r + 2 * q] = tailHalf(true, seg, b2, x, xo, i, in, VectorOps.sumLanes(tile, 2 * L));
            y[yo + r + 3 * q] = tailHalf(true, seg, b3, x, xo, i, in, VectorOps.sumLanes(tile, 3 * L));
        }
        rowsBF16(seg, rowBytes, in, x, xo, y, yo, r0 + 4 * q, r1);
    }

    /** s + Σ W[i]·x[i] over the columns {@code [from, in)} of the F32 row at {@code base}, one at a time: a row's tail. */
    private static float tailF32(MemorySegment seg, long base, MemorySegment x, int from, int in, float s) {
        return tailF32(seg, base, x, 0, from, in, s);
    }

    /** As {@link #tailF32}, x from byte {@code xb} of {@code x}. */
    private static float tailF32(MemorySegment seg, long base, MemorySegment x, long xb, int from, int in, float s) {
        for (int i = from; i < in; i++) s = Math.fma(seg.get(F32LE, base + 4L * i), x.get(F32LE, xb + 4L * i), s);
        return s;
    }

    /** As {@link #tailF32} for a BF16 row, x from byte {@code xb} of {@code x}. */
    private static float tailBF16(MemorySegment seg, long base, MemorySegment x, long xb, int from, int in, float s) {
        for (int i = from; i < in; i++) s = Math.fma(Dequantize.bf16ToFloat(seg.get(I16LE, base + 2L * i)), x.get(F32LE, xb + 4L * i), s);
        return s;
    }

    /** As {@link #tailF32} for an F16 ({@code bf16} false) or BF16 row, x from {@code x[xo]}. */
    private static float tailHalf(boolean bf16, MemorySegment seg, long base, float[] x, int xo, int from, int in, float s) {
        for (int i = from; i < in; i++) {
            short h = seg.get(I16LE, base + 2L * i);
            s = Math.fma(bf16 ? Dequantize.bf16ToFloat(h) : Float.float16ToFloat(h), x[xo + i], s);
        }
        return s;
    }

    // The row kernels below are written out by hand, without helper methods returning vectors: if C2 ever compiled
    // such a helper out of line, every vector it returns would be boxed on the heap (an order of magnitude slower).

    /** Q8_0 rows against a Q8_0-quantized activation (integer values {@code q}, block scales {@code dx}). */
    static void rowsQ8(MemorySegment seg, long rowBytes, int in, float[] q, float[] dx, float[] y, int yo, int r0, int r1) {
        int nb = in / 32;
        int per = 32 / L;
        for (int r = r0; r < r1; r++) {
            long base = r * rowBytes;
            float acc = 0f;
            for (int b = 0; b < nb; b++) {
                long p = base + 34L * b;
                int qi = 32 * b;
                FloatVector s = ((FloatVector) ByteVector.fromMemorySegment(BY, seg, p + 2, LE).convertShape(VectorOperators.B2F, F, 0))
                        .mul(FloatVector.fromArray(F, q, qi));
                for (int j = 1; j < per; j++) {
                    s = ((FloatVector) ByteVector.fromMemorySegment(BY, seg, p + 2 + (long) j * L, LE).convertShape(VectorOperators.B2F, F, 0))
                            .fma(FloatVector.fromArray(F, q, qi + j * L), s);
                }
                // the block's sum is an exact integer; accumulate it exactly as the GEMM does (batch invariance)
                acc = Math.fma(s.reduceLanes(VectorOperators.ADD), Float.float16ToFloat(seg.get(I16LE, p)) * dx[b], acc);
            }
            y[yo + r] = acc;
        }
    }

    /**
     * Rows [r0, r1) of four tokens' matrix-vector products {@code a}, {@code b}, {@code c}, {@code e} (the same Q8_0 or
     * Q4_0 W, each activation prepared; their block scales interleaved in {@code dx4} from {@code dx4Off}: block b's
     * four at {@code dx4Off + 4b}): each block of W is loaded and widened once for the four tokens, and each token's
     * sums are its own row kernel's ({@link #rowsQ8}, {@link #rowsQ4}) — the same exact integer block sums (any order
     * gives them), each then scaled into the row's total by the same FMA in the same order — so the same bits. The
     * four block sums are reduced together ({@link #sums4}) and the four totals kept in the lanes of one vector.
     */
    static void rowsFourTokens(MatVec a, MatVec b, MatVec c, MatVec e, float[] dx4, int dx4Off, int r0, int r1) {
        Tensor w = a.w;
        MemorySegment seg = w.data();
        float[] tile = SCRATCH.get().floats(Scratch.SUMS, L);
        switch (w.type()) {
            case Q8_0 -> rowsQ8Tokens4(seg, w.rowBytes(), w.cols(), a.xv, b.xv, c.xv, e.xv, dx4, dx4Off, a.y, a.yOff, b.yOff, c.yOff, e.yOff, tile, r0, r1);
            case Q4_0 -> rowsQ4Tokens4(seg, w.rowBytes(), w.cols(), a.xv, b.xv, c.xv, e.xv, dx4, dx4Off, a.y, a.yOff, b.yOff, c.yOff, e.yOff, tile, r0, r1);
            default -> throw new AssertionError(w.type());
        }
    }

    /**
     * {@link #rowsQ8} for four tokens at once ({@link #rowsFourTokens}): token j's activation qj, its row r at
     * y[yj + r].
     */
    static void rowsQ8Tokens4(MemorySegment seg, long rowBytes, int in, float[] q0, float[] q1, float[] q2, float[] q3,
                              float[] dx4, int dx4Off, float[] y, int y0, int y1, int y2, int y3, float[] tile, int r0, int r1) {
        int nb = in / 32;
        int per = 32 / L;
        for (int r = r0; r < r1; r++) {
            long base = r * rowBytes;
            FloatVector acc = FloatVector.zero(F4);
            for (int b = 0; b < nb; b++) {
                long p = base + 34L * b;
                int qi = 32 * b;
                FloatVector wv = (FloatVector) ByteVector.fromMemorySegment(BY, seg, p + 2, LE).convertShape(VectorOperators.B2F, F, 0);
                FloatVector s0 = wv.mul(FloatVector.fromArray(F, q0, qi)), s1 = wv.mul(FloatVector.fromArray(F, q1, qi));
                FloatVector s2 = wv.mul(FloatVector.fromArray(F, q2, qi)), s3 = wv.mul(FloatVector.fromArray(F, q3, qi));
                for (int j = 1; j < per; j++) {
                    int k = qi + j * L;
                    wv = (FloatVector) ByteVector.fromMemorySegment(BY, seg, p + 2 + (long) j * L, LE).convertShape(VectorOperators.B2F, F, 0);
                    s0 = wv.fma(FloatVector.fromArray(F, q0, k), s0);
                    s1 = wv.fma(FloatVector.fromArray(F, q1, k), s1);
                    s2 = wv.fma(FloatVector.fromArray(F, q2, k), s2);
                    s3 = wv.fma(FloatVector.fromArray(F, q3, k), s3);
                }
                // lane j: token j's acc = fma(block sum, d_w · d_x, acc), as rowsQ8's scalar steps
                float dw = Float.float16ToFloat(seg.get(I16LE, p));
                acc = sums4(s0, s1, s2, s3).fma(FloatVector.fromArray(F4, dx4, dx4Off + 4 * b).mul(dw), acc);
            }
            storeFour(acc, tile, y, y0 + r, y1 + r, y2 + r, y3 + r);
        }
    }

    /** {@link #rowsQ4} for four tokens at once, as {@link #rowsQ8Tokens4}. */
    static void rowsQ4Tokens4(MemorySegment seg, long rowBytes, int in, float[] q0, float[] q1, float[] q2, float[] q3,
                              float[] dx4, int dx4Off, float[] y, int y0, int y1, int y2, int y3, float[] tile, int r0, int r1) {
        int nb = in / 32;
        int halves = 16 / L;
        for (int r = r0; r < r1; r++) {
            long base = r * rowBytes;
            FloatVector acc = FloatVector.zero(F4);
            for (int b = 0; b < nb; b++) {
                long p = base + 18L * b;
                int qi = 32 * b;
                // bytes [h·L, h·L + L): low nibbles are values h·L.., high nibbles values 16 + h·L..
                IntVector v = (IntVector) ByteVector.fromMemorySegment(BY, seg, p + 2, LE).convertShape(VectorOperators.B2I, I, 0);
                FloatVector lo = (FloatVector) v.and(0xF).sub(8).convert(VectorOperators.I2F, 0);
                FloatVector hi = (FloatVector) v.lanewise(VectorOperators.ASHR, 4).and(0xF).sub(8).convert(VectorOperators.I2F, 0);
                FloatVector s0 = lo.mul(FloatVector.fromArray(F, q0, qi)), s1 = lo.mul(FloatVector.fromArray(F, q1, qi));
                FloatVector s2 = lo.mul(FloatVector.fromArray(F, q2, qi)), s3 = lo.mul(FloatVector.fromArray(F, q3, qi));
                s0 = hi.fma(FloatVector.fromArray(F, q0, qi + 16), s0);
                s1 = hi.fma(FloatVector.fromArray(F, q1, qi + 16), s1);
                s2 = hi.fma(FloatVector.fromArray(F, q2, qi + 16), s2);
                s3 = hi.fma(FloatVector.fromArray(F, q3, qi + 16), s3);
                for (int h = 1; h < halves; h++) {
                    int k = qi + h * L;
                    v = (IntVector) ByteVector.fromMemorySegment(BY, seg, p + 2 + (long) h * L, LE).convertShape(VectorOperators.B2I, I, 0);
                    lo = (FloatVector) v.and(0xF).sub(8).convert(VectorOperators.I2F, 0);
                    hi = (FloatVector) v.lanewise(VectorOperators.ASHR, 4).and(0xF).sub(8).convert(VectorOperators.I2F, 0);
                    s0 = lo.fma(FloatVector.fromArray(F, q0, k), s0);
                    s1 = lo.fma(FloatVector.fromArray(F, q1, k), s1);
                    s2 = lo.fma(FloatVector.fromArray(F, q2, k), s2);
                    s3 = lo.fma(FloatVector.fromArray(F, q3, k), s3);
                    s0 = hi.fma(FloatVector.fromArray(F, q0, k + 16), s0);
                    s1 = hi.fma(FloatVector.fromArray(F, q1, k + 16), s1);
                    s2 = hi.fma(FloatVector.fromArray(F, q2, k + 16), s2);
                    s3 = hi.fma(FloatVector.fromArray(F, q3, k + 16), s3);
                }
                float dw = Float.float16ToFloat(seg.get(I16LE, p));
                acc = sums4(s0, s1, s2, s3).fma(FloatVector.fromArray(F4, dx4, dx4Off + 4 * b).mul(dw), acc);
            }
            storeFour(acc, tile, y, y0 + r, y1 + r, y2 + r, y3 + r);
        }
    }

    /** y[i0] .. y[i3] = lanes 0 .. 3 of {@code v} (through {@code tile}). */
    private static void storeFour(FloatVector v, float[] tile, float[] y, int i0, int i1, int i2, int i3) {
        v.intoArray(tile, 0);
        y[i0] = tile[0];
        y[i1] = tile[1];
        y[i2] = tile[2];
        y[i3] = tile[3];
    }

    /** Four float lanes: {@link #sums4}'s result, a four-token kernel's four totals. */
    static final VectorSpecies<Float> F4 = FloatVector.SPECIES_128;

    /**
     * The lane sums of four vectors of exact integers (so any order gives the same sums), reduced together into
     * the lanes 0–3 of a four-lane vector: two steps that each halve the lanes per vector and pack two vectors into
     * one ({@link #pairSums}), then log2(L) − 2 plain folding steps, instead of four reductions of log2(L) steps.
     */
    static FloatVector sums4(FloatVector s0, FloatVector s1, FloatVector s2, FloatVector s3) {
        // lane i ≡ j (mod 4) holds partial sums of s_j
        FloatVector v = pairSums(pairSums(s0, s1, ODD_LANES, VectorOps.XOR1), pairSums(s2, s3, ODD_LANES, VectorOps.XOR1),
                LANES_2_3, VectorOps.XOR2);
        v = v.add(v.rearrange(VectorOps.XOR4));
        if (L == 16) v = v.add(v.rearrange(VectorOps.XOR8));
        return (FloatVector) v.reinterpretShape(F4, 0);
    }

    /**
     * Lane i of the result: a[i] + a[i ^ d] where lane i is outside {@code upper} (the lanes with bit d set), else
     * b[i] + b[i ^ d] ({@code xor} the shuffle i → i ^ d).
     */
    private static FloatVector pairSums(FloatVector a, FloatVector b, VectorMask<Float> upper, VectorShuffle<Float> xor) {
        return a.blend(b, upper).add(b.blend(a, upper).rearrange(xor));
    }

    private static final VectorMask<Float> ODD_LANES = VECTOR ? VectorMask.fromLong(F, lanesWithBit(1)) : null;
    private static final VectorMask<Float> LANES_2_3 = VECTOR ? VectorMask.fromLong(F, lanesWithBit(2)) : null;

    /** The lanes i of an L-lane mask with {@code (i & bit) != 0}. */
    private static long lanesWithBit(int bit) {
        long m = 0;
        for (int i = 0; i < L; i++) if ((i & bit) != 0) m |= 1L << i;
        return m;
    }

    /** Q4_0 rows against a Q8_0-quantized activation. */
    static void rowsQ4(MemorySegment seg, long rowBytes, int in, float[] q, float[] dx, float[] y, int yo, int r0, int r1) {
        int nb = in / 32;
        int halves = 16 / L;
        for (int r = r0; r < r1; r++) {
            long base = r * rowBytes;
            float acc = 0f;
            for (int b = 0; b < nb; b++) {
                long p = base + 18L * b;
                int qi = 32 * b;
                IntVector v = (IntVector) ByteVector.fromMemorySegment(BY, seg, p + 2, LE).convertShape(VectorOperators.B2I, I, 0);
                FloatVector s = ((FloatVector) v.and(0xF).sub(8).convert(VectorOperators.I2F, 0)).mul(FloatVector.fromArray(F, q, qi));
                s = ((FloatVector) v.lanewise(VectorOperators.ASHR, 4).and(0xF).sub(8).convert(VectorOperators.I2F, 0))
                        .fma(FloatVector.fromArray(F, q, qi + 16), s);
                for (int h = 1; h < halves; h++) {
                    v = (IntVector) ByteVector.fromMemorySegment(BY, seg, p + 2 + (long) h * L, LE).convertShape(VectorOperators.B2I, I, 0);
                    s = ((FloatVector) v.and(0xF).sub(8).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, q, qi + h * L), s);
                    s = ((FloatVector) v.lanewise(VectorOperators.ASHR, 4).and(0xF).sub(8).convert(VectorOperators.I2F, 0))
                            .fma(FloatVector.fromArray(F, q, qi + 16 + h * L), s);
                }
                acc = Math.fma(s.reduceLanes(VectorOperators.ADD), Float.float16ToFloat(seg.get(I16LE, p)) * dx[b], acc);
            }
            y[yo + r] = acc;
        }
    }

    /**
     * Q4_K rows against a Q8_K-quantized activation: integer values {@code q}, the super-block's scale {@code dx}
     * (repeated per 32-group) and minus each group's sum of q {@code nbs}. Per super-block, as {@link MatMulReference}:
     * the exact sums A (groups 0–3) and B (groups 4–7) of sc_g · nibble · q and M = Σ m_g · nbs_g, then three fused
     * steps {@code acc = fma(A, d·dx, acc)}, {@code fma(B, d·dx, acc)}, {@code fma(M, dmin·dx, acc)}. A and B are
     * accumulated lane-wise (every lane's partial sum is an exact integer) and reduced once per half super-block, M in
     * int. The former order (two scalar FMAs, one reduction and four scale decodes per 32-group) spent most of its
     * instructions outside the vector work: 4.6 → 6.7 GB/s on one thread (KernelBench-style loop over one 5632 × 2048
     * matrix), 8–9 → 12.6–13 GB/s with 2 threads, bench-small Q4_K decode +27% (development VM, alternating runs).
     * Written out per 64-value chunk: loops over chunks compile to slower code (C2 keeps the loop and its checks).
     */
    static void rowsQ4K(MemorySegment seg, long rowBytes, int in, float[] q, float[] dx, int[] nbs, float[] y, int yo, int r0, int r1) {
        int nsb = in / 256;
        int per = 32 / L;
        for (int r = r0; r < r1; r++) {
            long base = r * rowBytes;
            float acc = 0f;
            for (int sb = 0; sb < nsb; sb++) {
                long p = base + 144L * sb;
                int qb = 256 * sb, g = 8 * sb;
                float d = Float.float16ToFloat(seg.get(I16LE, p));
                float dmin = Float.float16ToFloat(seg.get(I16LE, p + 2));
                // the 12 packed 6-bit scale/min bytes, one byte per group: scales sc_0..7 and mins m_0..7
                long lo = seg.get(I64LE_U, p + 4);
                int hi = seg.get(I32LE_U, p + 12);
                long sc = q4kScales(lo, hi), mn = q4kMins(lo, hi);
                float dd = d * dx[g];
                FloatVector t;
                {   // values 0–63: low nibbles are group 0, high nibbles group 1
                    long qp = p + 16;
                    int qi = qb;
                    IntVector v = (IntVector) ByteVector.fromMemorySegment(BY, seg, qp, LE).convertShape(VectorOperators.B2I, I, 0);
                    FloatVector s0 = ((FloatVector) v.and(0xF).convert(VectorOperators.I2F, 0)).mul(FloatVector.fromArray(F, q, qi));
                    FloatVector s1 = ((FloatVector) v.lanewise(VectorOperators.LSHR, 4).and(0xF).convert(VectorOperators.I2F, 0)).mul(FloatVector.fromArray(F, q, qi + 32));
                    for (int h = 1; h < per; h++) {
                        v = (IntVector) ByteVector.fromMemorySegment(BY, seg, qp + (long) h * L, LE).convertShape(VectorOperators.B2I, I, 0);
                        s0 = ((FloatVector) v.and(0xF).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, q, qi + h * L), s0);
                        s1 = ((FloatVector) v.lanewise(VectorOperators.LSHR, 4).and(0xF).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, q, qi + 32 + h * L), s1);
                    }
                    // sc_g · P_g lane-wise: exact integers, |lane| < 2^24
                    t = s0.mul((float) ((int) sc & 0xFF)).add(s1.mul((float) ((int) (sc >>> 8) & 0xFF)));
                }
                {   // values 64–127: low nibbles are group 2, high nibbles group 3
                    long qp = p + 48;
                    int qi = qb + 64;
                    IntVector v = (IntVector) ByteVector.fromMemorySegment(BY, seg, qp, LE).convertShape(VectorOperators.B2I, I, 0);
                    FloatVector s0 = ((FloatVector) v.and(0xF).convert(VectorOperators.I2F, 0)).mul(FloatVector.fromArray(F, q, qi));
                    FloatVector s1 = ((FloatVector) v.lanewise(VectorOperators.LSHR, 4).and(0xF).convert(VectorOperators.I2F, 0)).mul(FloatVector.fromArray(F, q, qi + 32));
                    for (int h = 1; h < per; h++) {
                        v = (IntVector) ByteVector.fromMemorySegment(BY, seg, qp + (long) h * L, LE).convertShape(VectorOperators.B2I, I, 0);
                        s0 = ((FloatVector) v.and(0xF).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, q, qi + h * L), s0);
                        s1 = ((FloatVector) v.lanewise(VectorOperators.LSHR, 4).and(0xF).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, q, qi + 32 + h * L), s1);
                    }
                    // sc_g · P_g lane-wise: exact integers, |lane| < 2^24
                    t = s0.mul((float) ((int) (sc >>> 16) & 0xFF)).add(t).add(s1.mul((float) ((int) (sc >>> 24) & 0xFF)));
                }
                acc = Math.fma(t.reduceLanes(VectorOperators.ADD), dd, acc);
                {   // values 128–191: low nibbles are group 4, high nibbles group 5
                    long qp = p + 80;
                    int qi = qb + 128;
                    IntVector v = (IntVector) ByteVector.fromMemorySegment(BY, seg, qp, LE).convertShape(VectorOperators.B2I, I, 0);
                    FloatVector s0 = ((FloatVector) v.and(0xF).convert(VectorOperators.I2F, 0)).mul(FloatVector.fromArray(F, q, qi));
                    FloatVector s1 = ((FloatVector) v.lanewise(VectorOperators.LSHR, 4).and(0xF).convert(VectorOperators.I2F, 0)).mul(FloatVector.fromArray(F, q, qi + 32));
                    for (int h = 1; h < per; h++) {
                        v = (IntVector) ByteVector.fromMemorySegment(BY, seg, qp + (long) h * L, LE).convertShape(VectorOperators.B2I, I, 0);
                        s0 = ((FloatVector) v.and(0xF).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, q, qi + h * L), s0);
                        s1 = ((FloatVector) v.lanewise(VectorOperators.LSHR, 4).and(0xF).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, q, qi + 32 + h * L), s1);
                    }
                    // sc_g · P_g lane-wise: exact integers, |lane| < 2^24
                    t = s0.mul((float) ((int) (sc >>> 32) & 0xFF)).add(s1.mul((float) ((int) (sc >>> 40) & 0xFF)));
                }
                {   // values 192–255: low nibbles are group 6, high nibbles group 7
                    long qp = p + 112;
                    int qi = qb + 192;
                    IntVector v = (IntVector) ByteVector.fromMemorySegment(BY, seg, qp, LE).convertShape(VectorOperators.B2I, I, 0);
                    FloatVector s0 = ((FloatVector) v.and(0xF).convert(VectorOperators.I2F, 0)).mul(FloatVector.fromArray(F, q, qi));
                    FloatVector s1 = ((FloatVector) v.lanewise(VectorOperators.LSHR, 4).and(0xF).convert(VectorOperators.I2F, 0)).mul(FloatVector.fromArray(F, q, qi + 32));
                    for (int h = 1; h < per; h++) {
                        v = (IntVector) ByteVector.fromMemorySegment(BY, seg, qp + (long) h * L, LE).convertShape(VectorOperators.B2I, I, 0);
                        s0 = ((FloatVector) v.and(0xF).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, q, qi + h * L), s0);
                        s1 = ((FloatVector) v.lanewise(VectorOperators.LSHR, 4).and(0xF).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, q, qi + 32 + h * L), s1);
                    }
                    // sc_g · P_g lane-wise: exact integers, |lane| < 2^24
                    t = s0.mul((float) ((int) (sc >>> 48) & 0xFF)).add(t).add(s1.mul((float) ((int) (sc >>> 56) & 0xFF)));
                }
                acc = Math.fma(t.reduceLanes(VectorOperators.ADD), dd, acc);
                acc = Math.fma(q4kMinSum(mn, nbs, g), dmin * dx[g], acc);
            }
            y[yo + r] = acc;
        }
    }

    /**
     * A Q4_K super-block's eight 6-bit scales sc_0..7, one per byte of the result, from its 12 packed scale/min bytes
     * read as one long {@code lo} (bytes 0–7) and one int {@code hi} (bytes 8–11); see {@link Dequantize#q4kScaleMin}.
     */
    static long q4kScales(long lo, int hi) {
        int lo0 = (int) lo;
        return (lo0 & 0x3F3F3F3FL) | (long) ((hi & 0x0F0F0F0F) | ((lo0 >>> 6) & 0x03030303) << 4) << 32;
    }

    /** The eight 6-bit mins m_0..7 of the same bytes as {@link #q4kScales}, one per byte. */
    static long q4kMins(long lo, int hi) {
        int lo1 = (int) (lo >>> 32);
        return (lo1 & 0x3F3F3F3FL) | (long) (((hi >>> 4) & 0x0F0F0F0F) | ((lo1 >>> 6) & 0x03030303) << 4) << 32;
    }

    /** M = Σ m_g · nbs[g0 + g] over a super-block's eight groups, in int (exact: |M| &lt; 8·63·32·127). */
    static int q4kMinSum(long mn, int[] nbs, int g0) {
        return ((int) mn & 0xFF) * nbs[g0] + ((int) (mn >>> 8) & 0xFF) * nbs[g0 + 1]
                + ((int) (mn >>> 16) & 0xFF) * nbs[g0 + 2] + ((int) (mn >>> 24) & 0xFF) * nbs[g0 + 3]
                + ((int) (mn >>> 32) & 0xFF) * nbs[g0 + 4] + ((int) (mn >>> 40) & 0xFF) * nbs[g0 + 5]
                + ((int) (mn >>> 48) & 0xFF) * nbs[g0 + 6] + (int) (mn >>> 56) * nbs[g0 + 7];
    }

    /**
     * Which Q4_K matrix-vector kernel runs: {@link #rowsQ4K}, watched, or {@link #rowsQ4KHalves} where C2 compiled it
     * without its intrinsics. Seen on the development VM: bench-small Q4_K decode boxed in 2 of about 15 runs at 512
     * bits and 4 of 18 at 256 bits ({@code -XX:UseAVX=2}), 0.19–1.4 GB allocated per token, 8–23 against 44–58 tok/s
     * (JFR: the boxes are the loop-carried sums of the kernel's last 64-value chunk).
     */
    static final KernelWatch Q4K_WATCH = new KernelWatch("whole", "halves");

    /**
     * {@link #rowsQ4K} with each half super-block summed in {@link #q4kHalf}: the same sums, the same bits; the
     * fallback where C2 compiled {@link #rowsQ4K} without its intrinsics ({@link #Q4K_WATCH}). Two calls per
     * super-block: bench-small Q4_K decode 15% slower than the whole kernel where that compiled well (256 bits, 8
     * alternating runs), twice as fast as it boxed; not boxed in 8 of 8 runs.
     */
    static void rowsQ4KHalves(MemorySegment seg, long rowBytes, int in, float[] q, float[] dx, int[] nbs, float[] y, int yo, int r0, int r1) {
        int nsb = in / 256;
        for (int r = r0; r < r1; r++) {
            long base = r * rowBytes;
            float acc = 0f;
            for (int sb = 0; sb < nsb; sb++) {
                long p = base + 144L * sb;
                int qb = 256 * sb, g = 8 * sb;
                float d = Float.float16ToFloat(seg.get(I16LE, p));
                float dmin = Float.float16ToFloat(seg.get(I16LE, p + 2));
                long lo = seg.get(I64LE_U, p + 4);
                int hi = seg.get(I32LE_U, p + 12);
                long sc = q4kScales(lo, hi), mn = q4kMins(lo, hi);
                float dd = d * dx[g];
                acc = Math.fma(q4kHalf(seg, p + 16, q, qb, (int) sc), dd, acc);
                acc = Math.fma(q4kHalf(seg, p + 80, q, qb + 128, (int) (sc >>> 32)), dd, acc);
                acc = Math.fma(q4kMinSum(mn, nbs, g), dmin * dx[g], acc);
            }
            y[yo + r] = acc;
        }
    }

    /**
     * The exact sum Σ_g sc_g · Σ nibble · q of half a Q4_K super-block: 64 bytes of nibbles at {@code qp} (values
     * 0–63: low nibbles group 0, high group 1; 64–127: groups 2, 3), activations from {@code q[qi ..]}, the four
     * groups' 6-bit scales one per byte of {@code sc4}. Takes and returns no vector.
     */
    private static float q4kHalf(MemorySegment seg, long qp, float[] q, int qi, int sc4) {
        int per = 32 / L;
        IntVector v = (IntVector) ByteVector.fromMemorySegment(BY, seg, qp, LE).convertShape(VectorOperators.B2I, I, 0);
        FloatVector s0 = ((FloatVector) v.and(0xF).convert(VectorOperators.I2F, 0)).mul(FloatVector.fromArray(F, q, qi));
        FloatVector s1 = ((FloatVector) v.lanewise(VectorOperators.LSHR, 4).and(0xF).convert(VectorOperators.I2F, 0)).mul(FloatVector.fromArray(F, q, qi + 32));
        for (int h = 1; h < per; h++) {
            v = (IntVector) ByteVector.fromMemorySegment(BY, seg, qp + (long) h * L, LE).convertShape(VectorOperators.B2I, I, 0);
            s0 = ((FloatVector) v.and(0xF).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, q, qi + h * L), s0);
            s1 = ((FloatVector) v.lanewise(VectorOperators.LSHR, 4).and(0xF).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, q, qi + 32 + h * L), s1);
        }
        FloatVector t = s0.mul((float) (sc4 & 0xFF)).add(s1.mul((float) ((sc4 >>> 8) & 0xFF)));
        long qp2 = qp + 32;
        int qi2 = qi + 64;
        v = (IntVector) ByteVector.fromMemorySegment(BY, seg, qp2, LE).convertShape(VectorOperators.B2I, I, 0);
        s0 = ((FloatVector) v.and(0xF).convert(VectorOperators.I2F, 0)).mul(FloatVector.fromArray(F, q, qi2));
        s1 = ((FloatVector) v.lanewise(VectorOperators.LSHR, 4).and(0xF).convert(VectorOperators.I2F, 0)).mul(FloatVector.fromArray(F, q, qi2 + 32));
        for (int h = 1; h < per; h++) {
            v = (IntVector) ByteVector.fromMemorySegment(BY, seg, qp2 + (long) h * L, LE).convertShape(VectorOperators.B2I, I, 0);
            s0 = ((FloatVector) v.and(0xF).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, q, qi2 + h * L), s0);
            s1 = ((FloatVector) v.lanewise(VectorOperators.LSHR, 4).and(0xF).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, q, qi2 + 32 + h * L), s1);
        }
        t = s0.mul((float) ((sc4 >>> 16) & 0xFF)).add(t).add(s1.mul((float) (sc4 >>> 24)));
        return t.reduceLanes(VectorOperators.ADD);
    }

    /**
     * Q6_K rows against a Q8_K-quantized activation. Per 32-group (half h, quarter k), in order: the exact integer sum P
     * of (q − 32)·sc × q_x (|P| &lt; 2^24), then {@code acc = fma(P, d·dx, acc)}: the byte kernel of the width
     * ({@link #rowsQ6K512}, {@link #rowsQ6KBytes256}), or {@link #rowsQ6K256}, as {@link #Q6K_WATCH} decides. All
     * compute the same sums, so the same bits.
     */
    static void rowsQ6K(MemorySegment seg, long rowBytes, int in, float[] q, float[] dx, float[] y, int yo, int r0, int r1) {
        long a0 = Q6K_WATCH.begin();
        if (!Q6K_WATCH.primary(a0)) rowsQ6K256(seg, rowBytes, in, q, dx, y, yo, r0, r1);
        else if (L == 16) rowsQ6K512(seg, rowBytes, in, q, dx, y, yo, r0, r1);
        else rowsQ6KBytes256(seg, rowBytes, in, q, dx, y, yo, r0, r1);
        Q6K_WATCH.end(a0);
    }

    /**
     * Which Q6_K kernel runs. The byte kernels ({@link #rowsQ6K512}, {@link #rowsQ6KBytes256}: the 6-bit values cut out
     * of bytes) stream 1.5× faster than {@link #rowsQ6K256} where C2 compiles them with their intrinsics, but JDK 25's
     * C2 now and then compiles them without, and then every call boxes its vectors, for the rest of the run: at 256
     * bits in about half of the runs (measured with {@code -XX:UseAVX=2} on the development VM: 10 of 18 runs of
     * bench-small Q6_K, 0.25–2.3 GB allocated per token, decode 2–3× slower); at 512 bits too (2026-12-05, `jamba
     * bench --prompt 512 --gen 64 --reps 3 --warmup 3`, before this watch: bench-small Q6_K 2 of 5 runs, 210 MB per
     * token, decode 25–30 tok/s; the Q4_K_M mix ({@link io.jamba4j.model.GgufTypes}) 2 of 3 runs, 42–84 MB per token;
     * JFR: all in {@code rowsQ6K512}'s conversions; after it 0 of 7 and 0 of 3). So the
     * byte kernel runs first and is watched, at either width, and gives way to {@link #rowsQ6K256} where it is boxed.
     * Sampled from a thread's call 10,000 on (20,000 of two threads' calls), not the default: in a Q4_K_M file only a
     * few matrices are Q6_K (a step of bench-small Q4_K_M makes ~300 Q6_K row-kernel calls), and the default (then
     * 100,000 calls of all threads) left the watch undecided through a whole benchmark.
     */
    static final KernelWatch Q6K_WATCH = new KernelWatch("bytes", "ints", 10_000);

    /** {@link #rowsQ6K} at 256 bits with the values cut out of bytes: each half super-block in {@link #q6kHalf256}. */
    static void rowsQ6KBytes256(MemorySegment seg, long rowBytes, int in, float[] q, float[] dx, float[] y, int yo, int r0, int r1) {
        int nsb = in / 256;
        byte[] tmp = SCRATCH.get().q6kBytes;
        for (int r = r0; r < r1; r++) {
            long base = r * rowBytes;
            float acc = 0f;
            for (int sb = 0; sb < nsb; sb++) {
                long p = base + 210L * sb;
                float d = Float.float16ToFloat(seg.get(I16LE, p + 208));
                acc = q6kHalf256(seg, p, 0, q, 256 * sb, d, dx, 8 * sb, tmp, acc);
                acc = q6kHalf256(seg, p, 1, q, 256 * sb + 128, d, dx, 8 * sb + 4, tmp, acc);
            }
            y[yo + r] = acc;
        }
    }

    /**
     * Half {@code h} of the Q6_K super-block at {@code p}, as {@link #rowsQ6K512} cuts and sums it, widened through a
     * scratch array at 256 bits (eight bytes reloaded widening at a time: widening the byte vector in four parts was
     * no faster than {@link #rowsQ6K256}); returns acc after the half's four groups. A method of its own that takes
     * and returns no vector. Its first lines repeat {@link #rowsQ6K512}'s cutting: a helper returning the four byte
     * vectors would box them wherever C2 kept it out of line, and {@link #rowsQ6K512} split per half the same way ran
     * a quarter slower (9.9 against 13.5 GB/s). Measured on the development VM ({@code -XX:UseAVX=2}, 2816 × 1024,
     * 256 MiB rotation, 2 threads, medians of 15): 6.8 → 10.3 GB/s against {@link #rowsQ6K256}.
     */
    private static float q6kHalf256(MemorySegment seg, long p, int h, float[] q, int qi, float d, float[] dx, int g, byte[] tmp, float acc) {
        long qlp = p + 64L * h, qhp = p + 128 + 32L * h, scp = p + 192 + 8L * h;
        ByteVector la = ByteVector.fromMemorySegment(B32, seg, qlp, LE);
        ByteVector lb = ByteVector.fromMemorySegment(B32, seg, qlp + 32, LE);
        ByteVector hb = ByteVector.fromMemorySegment(B32, seg, qhp, LE);
        ShortVector las = la.reinterpretAsShorts(), lbs = lb.reinterpretAsShorts(), hbs = hb.reinterpretAsShorts();
        ByteVector w0 = la.and((byte) 0x0F).or(hbs.lanewise(VectorOperators.LSHL, 4).reinterpretAsBytes().and((byte) 0x30)).sub((byte) 32);
        ByteVector w1 = lb.and((byte) 0x0F).or(hbs.lanewise(VectorOperators.LSHL, 2).reinterpretAsBytes().and((byte) 0x30)).sub((byte) 32);
        ByteVector w2 = las.lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0x0F).or(hb.and((byte) 0x30)).sub((byte) 32);
        ByteVector w3 = lbs.lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0x0F)
                .or(hbs.lanewise(VectorOperators.LSHR, 2).reinterpretAsBytes().and((byte) 0x30)).sub((byte) 32);
        float c0 = seg.get(ValueLayout.JAVA_BYTE, scp), c1 = seg.get(ValueLayout.JAVA_BYTE, scp + 1);
        float c2 = seg.get(ValueLayout.JAVA_BYTE, scp + 2), c3 = seg.get(ValueLayout.JAVA_BYTE, scp + 3);
        float c4 = seg.get(ValueLayout.JAVA_BYTE, scp + 4), c5 = seg.get(ValueLayout.JAVA_BYTE, scp + 5);
        float c6 = seg.get(ValueLayout.JAVA_BYTE, scp + 6), c7 = seg.get(ValueLayout.JAVA_BYTE, scp + 7);
        // four vectors per group, two per sub-block: through the scratch array, eight bytes reloaded widening at a time
        w0.intoArray(tmp, 0);
        w1.intoArray(tmp, 32);
        w2.intoArray(tmp, 64);
        w3.intoArray(tmp, 96);
        FloatVector s0 = ((FloatVector) ByteVector.fromArray(BY, tmp, 0).convertShape(VectorOperators.B2F, F, 0)).mul(c0).mul(FloatVector.fromArray(F, q, qi));
        s0 = ((FloatVector) ByteVector.fromArray(BY, tmp, 8).convertShape(VectorOperators.B2F, F, 0)).mul(c0).fma(FloatVector.fromArray(F, q, qi + 8), s0);
        s0 = ((FloatVector) ByteVector.fromArray(BY, tmp, 16).convertShape(VectorOperators.B2F, F, 0)).mul(c1).fma(FloatVector.fromArray(F, q, qi + 16), s0);
        s0 = ((FloatVector) ByteVector.fromArray(BY, tmp, 24).convertShape(VectorOperators.B2F, F, 0)).mul(c1).fma(FloatVector.fromArray(F, q, qi + 24), s0);
        FloatVector s1 = ((FloatVector) ByteVector.fromArray(BY, tmp, 32).convertShape(VectorOperators.B2F, F, 0)).mul(c2).mul(FloatVector.fromArray(F, q, qi + 32));
        s1 = ((FloatVector) ByteVector.fromArray(BY, tmp, 40).convertShape(VectorOperators.B2F, F, 0)).mul(c2).fma(FloatVector.fromArray(F, q, qi + 40), s1);
        s1 = ((FloatVector) ByteVector.fromArray(BY, tmp, 48).convertShape(VectorOperators.B2F, F, 0)).mul(c3).fma(FloatVector.fromArray(F, q, qi + 48), s1);
        s1 = ((FloatVector) ByteVector.fromArray(BY, tmp, 56).convertShape(VectorOperators.B2F, F, 0)).mul(c3).fma(FloatVector.fromArray(F, q, qi + 56), s1);
        FloatVector s2 = ((FloatVector) ByteVector.fromArray(BY, tmp, 64).convertShape(VectorOperators.B2F, F, 0)).mul(c4).mul(FloatVector.fromArray(F, q, qi + 64));
        s2 = ((FloatVector) ByteVector.fromArray(BY, tmp, 72).convertShape(VectorOperators.B2F, F, 0)).mul(c4).fma(FloatVector.fromArray(F, q, qi + 72), s2);
        s2 = ((FloatVector) ByteVector.fromArray(BY, tmp, 80).convertShape(VectorOperators.B2F, F, 0)).mul(c5).fma(FloatVector.fromArray(F, q, qi + 80), s2);
        s2 = ((FloatVector) ByteVector.fromArray(BY, tmp, 88).convertShape(VectorOperators.B2F, F, 0)).mul(c5).fma(FloatVector.fromArray(F, q, qi + 88), s2);
        FloatVector s3 = ((FloatVector) ByteVector.fromArray(BY, tmp, 96).convertShape(VectorOperators.B2F, F, 0)).mul(c6).mul(FloatVector.fromArray(F, q, qi + 96));
        s3 = ((FloatVector) ByteVector.fromArray(BY, tmp, 104).convertShape(VectorOperators.B2F, F, 0)).mul(c6).fma(FloatVector.fromArray(F, q, qi + 104), s3);
        s3 = ((FloatVector) ByteVector.fromArray(BY, tmp, 112).convertShape(VectorOperators.B2F, F, 0)).mul(c7).fma(FloatVector.fromArray(F, q, qi + 112), s3);
        s3 = ((FloatVector) ByteVector.fromArray(BY, tmp, 120).convertShape(VectorOperators.B2F, F, 0)).mul(c7).fma(FloatVector.fromArray(F, q, qi + 120), s3);
        acc = Math.fma(s0.reduceLanes(VectorOperators.ADD), d * dx[g], acc);
        acc = Math.fma(s1.reduceLanes(VectorOperators.ADD), d * dx[g + 1], acc);
        acc = Math.fma(s2.reduceLanes(VectorOperators.ADD), d * dx[g + 2], acc);
        return Math.fma(s3.reduceLanes(VectorOperators.ADD), d * dx[g + 3], acc);
    }


    /**
     * {@link #rowsQ6K} at 512 bits. A half's four groups are built side by side as signed bytes, 32 values per
     * operation: its 64 ql and 32 qh bytes are loaded once as three 256-bit byte vectors, the nibbles and two-bit
     * fields cut out with shifts on 16-bit lanes and masks per byte (under the masks a byte's bits never cross into
     * its neighbour's), and 32 subtracted per byte; each group's 32 bytes are then widened to two float vectors,
     * multiplied by their sub-block's scale (exact: |·| ≤ 4096) and FMA'd with the activation. Measured on the
     * development VM (2 vCPU AMD EPYC, 2816 × 1024, 256 MiB rotation, 2 threads, alternating with the previous kernel
     * in one process, medians of 15): 11.3 → 13.7 GB/s; bench-small Q6_K decode (`jamba bench --prompt 16 --gen 64
     * --reps 3 --warmup 3`, old and new jar alternated, 5 pairs) +1–21%, median +18%. At 256 bits the same cutting
     * gains only through a scratch array ({@link #q6kHalf256}), and C2 compiles that path without its intrinsics in
     * about half of the runs ({@link #Q6K_WATCH}; 10 of 18 runs of bench-small, whether the whole kernel was one method
     * or a method per half). Never compiling without profiles ({@code -XX:Tier3DelayOn=100000}: C2's queue on two
     * cores is often past the default 5, and methods are then compiled without type profiles) looked like the cure
     * (0 of 14 runs boxed with a method per half) but was not (3 of 8 in a later try).
     */
    private static void rowsQ6K512(MemorySegment seg, long rowBytes, int in, float[] q, float[] dx, float[] y, int yo, int r0, int r1) {
        int nsb = in / 256;
        for (int r = r0; r < r1; r++) {
            long base = r * rowBytes;
            float acc = 0f;
            for (int sb = 0; sb < nsb; sb++) {
                long p = base + 210L * sb;
                float d = Float.float16ToFloat(seg.get(I16LE, p + 208));
                for (int h = 0; h < 2; h++) {
                    // the half's 128 values: ql [0, 32) holds group k = 0 (low nibbles) and k = 2 (high), ql [32, 64)
                    // k = 1 and k = 3, each qh byte the top two bits of all four (bits 2k, 2k + 1)
                    long qlp = p + 64L * h, qhp = p + 128 + 32L * h, scp = p + 192 + 8L * h;
                    int qi = 256 * sb + 128 * h;
                    ByteVector la = ByteVector.fromMemorySegment(B32, seg, qlp, LE);
                    ByteVector lb = ByteVector.fromMemorySegment(B32, seg, qlp + 32, LE);
                    ByteVector hb = ByteVector.fromMemorySegment(B32, seg, qhp, LE);
                    ShortVector las = la.reinterpretAsShorts(), lbs = lb.reinterpretAsShorts(), hbs = hb.reinterpretAsShorts();
                    ByteVector w0 = la.and((byte) 0x0F).or(hbs.lanewise(VectorOperators.LSHL, 4).reinterpretAsBytes().and((byte) 0x30)).sub((byte) 32);
                    ByteVector w1 = lb.and((byte) 0x0F).or(hbs.lanewise(VectorOperators.LSHL, 2).reinterpretAsBytes().and((byte) 0x30)).sub((byte) 32);
                    ByteVector w2 = las.lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0x0F).or(hb.and((byte) 0x30)).sub((byte) 32);
                    ByteVector w3 = lbs.lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0x0F)
                            .or(hbs.lanewise(VectorOperators.LSHR, 2).reinterpretAsBytes().and((byte) 0x30)).sub((byte) 32);
                    // the eight 16-value sub-blocks' scales: sub-blocks 2k and 2k + 1 are group k's halves
                    float c0 = seg.get(ValueLayout.JAVA_BYTE, scp), c1 = seg.get(ValueLayout.JAVA_BYTE, scp + 1);
                    float c2 = seg.get(ValueLayout.JAVA_BYTE, scp + 2), c3 = seg.get(ValueLayout.JAVA_BYTE, scp + 3);
                    float c4 = seg.get(ValueLayout.JAVA_BYTE, scp + 4), c5 = seg.get(ValueLayout.JAVA_BYTE, scp + 5);
                    float c6 = seg.get(ValueLayout.JAVA_BYTE, scp + 6), c7 = seg.get(ValueLayout.JAVA_BYTE, scp + 7);
                    FloatVector s0 = ((FloatVector) w0.convertShape(VectorOperators.B2F, F, 0)).mul(c0).mul(FloatVector.fromArray(F, q, qi));
                    s0 = ((FloatVector) w0.convertShape(VectorOperators.B2F, F, 1)).mul(c1).fma(FloatVector.fromArray(F, q, qi + 16), s0);
                    FloatVector s1 = ((FloatVector) w1.convertShape(VectorOperators.B2F, F, 0)).mul(c2).mul(FloatVector.fromArray(F, q, qi + 32));
                    s1 = ((FloatVector) w1.convertShape(VectorOperators.B2F, F, 1)).mul(c3).fma(FloatVector.fromArray(F, q, qi + 48), s1);
                    FloatVector s2 = ((FloatVector) w2.convertShape(VectorOperators.B2F, F, 0)).mul(c4).mul(FloatVector.fromArray(F, q, qi + 64));
                    s2 = ((FloatVector) w2.convertShape(VectorOperators.B2F, F, 1)).mul(c5).fma(FloatVector.fromArray(F, q, qi + 80), s2);
                    FloatVector s3 = ((FloatVector) w3.convertShape(VectorOperators.B2F, F, 0)).mul(c6).mul(FloatVector.fromArray(F, q, qi + 96));
                    s3 = ((FloatVector) w3.convertShape(VectorOperators.B2F, F, 1)).mul(c7).fma(FloatVector.fromArray(F, q, qi + 112), s3);
                    int g = 8 * sb + 4 * h;
                    acc = Math.fma(s0.reduceLanes(VectorOperators.ADD), d * dx[g], acc);
                    acc = Math.fma(s1.reduceLanes(VectorOperators.ADD), d * dx[g + 1], acc);
                    acc = Math.fma(s2.reduceLanes(VectorOperators.ADD), d * dx[g + 2], acc);
                    acc = Math.fma(s3.reduceLanes(VectorOperators.ADD), d * dx[g + 3], acc);
                }
            }
            y[yo + r] = acc;
        }
    }

    /** 256-bit byte vectors: a Q6_K half's ql and qh bytes, 32 at a time ({@link #rowsQ6K512}, {@link #q6kHalf256}). */
    private static final VectorSpecies<Byte> B32 = ByteVector.SPECIES_256;

    /**
     * {@link #rowsQ6K} with the fields cut out of 32-bit lanes, where {@link #Q6K_WATCH} gives up the byte
     * kernel or cannot watch it (valid at either width): the four groups of a half summed side by side, each ql / qh
     * byte loaded and widened to a 32-bit lane once (not once per group that uses it), the fields cut out there, and
     * the scale applied as a float product instead of a 32-bit integer multiply. Measured on the development VM (JMH {@code matvec}, Q6_K
     * 2816 × 1024, 1 GiB rotation, 2 threads): 5.8 → 8.1–8.5 GB/s at 512 bits (this kernel's width there until
     * 2026-12-04), 2.4 → 4.3–4.4 GB/s at 256 ({@code -XX:MaxVectorSize=32}); still compute-bound.
     */
    static void rowsQ6K256(MemorySegment seg, long rowBytes, int in, float[] q, float[] dx, float[] y, int yo, int r0, int r1) {
        int nsb = in / 256;
        int per = 32 / L;
        int perHalf = 16 / L; // vectors per 16-element sub-block (1 or 2)
        for (int r = r0; r < r1; r++) {
            long base = r * rowBytes;
            float acc = 0f;
            for (int sb = 0; sb < nsb; sb++) {
                long p = base + 210L * sb;
                float d = Float.float16ToFloat(seg.get(I16LE, p + 208));
                for (int h = 0; h < 2; h++) {
                    // the half's four 32-groups k = 0..3 side by side: ql bytes [0, 32) hold k = 0 (low nibbles) and
                    // k = 2 (high), ql [32, 64) k = 1 and k = 3, and each qh byte the top two bits of all four
                    // (bits 2k, 2k + 1); so each byte is loaded and widened once, not once per group
                    long qlp = p + 64L * h, qhp = p + 128 + 32L * h, scp = p + 192 + 8L * h;
                    int qi = 256 * sb + 128 * h;
                    FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
                    for (int j = 0; j < per; j++) {
                        IntVector la = (IntVector) ByteVector.fromMemorySegment(BY, seg, qlp + (long) j * L, LE).convertShape(VectorOperators.B2I, I, 0);
                        IntVector lb = (IntVector) ByteVector.fromMemorySegment(BY, seg, qlp + 32 + (long) j * L, LE).convertShape(VectorOperators.B2I, I, 0);
                        IntVector hb = (IntVector) ByteVector.fromMemorySegment(BY, seg, qhp + (long) j * L, LE).convertShape(VectorOperators.B2I, I, 0);
                        int si = j / perHalf;
                        IntVector w0 = la.and(0xF).or(hb.and(3).lanewise(VectorOperators.LSHL, 4)).sub(32);
                        IntVector w1 = lb.and(0xF).or(hb.lanewise(VectorOperators.LSHR, 2).and(3).lanewise(VectorOperators.LSHL, 4)).sub(32);
                        IntVector w2 = la.lanewise(VectorOperators.LSHR, 4).and(0xF).or(hb.lanewise(VectorOperators.LSHR, 4).and(3).lanewise(VectorOperators.LSHL, 4)).sub(32);
                        IntVector w3 = lb.lanewise(VectorOperators.LSHR, 4).and(0xF).or(hb.lanewise(VectorOperators.LSHR, 6).and(3).lanewise(VectorOperators.LSHL, 4)).sub(32);
                        // (q − 32)·sc as float products: exact (|·| ≤ 4096), and cheaper than 32-bit integer multiplies
                        s0 = ((FloatVector) w0.convert(VectorOperators.I2F, 0)).mul((float) seg.get(ValueLayout.JAVA_BYTE, scp + si))
                                .fma(FloatVector.fromArray(F, q, qi + j * L), s0);
                        s1 = ((FloatVector) w1.convert(VectorOperators.I2F, 0)).mul((float) seg.get(ValueLayout.JAVA_BYTE, scp + 2 + si))
                                .fma(FloatVector.fromArray(F, q, qi + 32 + j * L), s1);
                        s2 = ((FloatVector) w2.convert(VectorOperators.I2F, 0)).mul((float) seg.get(ValueLayout.JAVA_BYTE, scp + 4 + si))
                                .fma(FloatVector.fromArray(F, q, qi + 64 + j * L), s2);
                        s3 = ((FloatVector) w3.convert(VectorOperators.I2F, 0)).mul((float) seg.get(ValueLayout.JAVA_BYTE, scp + 6 + si))
                                .fma(FloatVector.fromArray(F, q, qi + 96 + j * L), s3);
                    }
                    int g = 8 * sb + 4 * h;
                    acc = Math.fma(s0.reduceLanes(VectorOperators.ADD), d * dx[g], acc);
                    acc = Math.fma(s1.reduceLanes(VectorOperators.ADD), d * dx[g + 1], acc);
                    acc = Math.fma(s2.reduceLanes(VectorOperators.ADD), d * dx[g + 2], acc);
                    acc = Math.fma(s3.reduceLanes(VectorOperators.ADD), d * dx[g + 3], acc);
                }
            }
            y[yo + r] = acc;
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // T > 1

    /** Per thread: packed W panel and its block scales. */
    private static final class PanelScratch {
        float[] wp = new float[0];
        float[] dw = new float[0];
        /** Q4_K: dmin·m per 32-group and row. */
        float[] dmw = new float[0];
        /** One NR × MR output tile for edge tiles. */
        final float[] ct = new float[NR * MR];
    }

    /** Copies the valid {@code tValid × rows} corner of an edge tile (row stride MR) into Y. */
    private static void copyTile(float[] ct, float[] y, int yb, int out, int rows, int tValid) {
        for (int t = 0; t < tValid; t++) System.arraycopy(ct, t * MR, y, yb + t * out, rows);
    }

    private static final ThreadLocal<PanelScratch> PANEL = ThreadLocal.withInitial(PanelScratch::new);

    /** Per calling thread: packed X. */
    private static final class XScratch {
        float[] xp = new float[0];
        float[] dxp = new float[0];
        /** Q4_K: minus the activation's integer sum per 32-group, per tile row. */
        float[] nbx = new float[0];
        float[] row = new float[0];
        float[] rowd = new float[0];
    }

    private static final ThreadLocal<XScratch> XPACK = ThreadLocal.withInitial(XScratch::new);

    private static void gemm(Tensor w, float[] x, int xOff, int T, float[] y, int yOff) {
        GgmlType type = w.type();
        boolean kq = type == GgmlType.Q4_K || type == GgmlType.Q6_K;
        boolean quant = type == GgmlType.Q8_0 || type == GgmlType.Q4_0 || kq;
        int in = w.cols();
        int out = (int) w.rows();
        int nb = in / 32;
        int tiles = (T + NR - 1) / NR;
        XScratch xs = XPACK.get();
        long xpLen = (long) tiles * in * NR;
        if (xpLen > Integer.MAX_VALUE - 64) throw new IllegalArgumentException("matmul: X too large (" + T + " x " + in + ")");
        if (xs.xp.length < xpLen) xs.xp = new float[(int) xpLen];
        if (quant && xs.dxp.length < tiles * nb * NR) xs.dxp = new float[tiles * nb * NR];
        if (kq && xs.nbx.length < tiles * nb * NR) xs.nbx = new float[tiles * nb * NR];
        float[] xp = xs.xp, dxp = xs.dxp, nbx = xs.nbx;

        boolean floatActs = w.activationType() == GgmlType.F32;
        // pack X: tile j holds rows [j*NR, j*NR+NR) interleaved: xp[(j*in + k)*NR + c] = X'[j*NR + c, k]
        Parallel.forRange(tiles, 1, (j0, j1) -> {
            float[] row = new float[in];
            float[] rowd = new float[Math.max(1, nb)];
            float[] rown = kq ? new float[Math.max(1, nb)] : null;
            for (int j = j0; j < j1; j++) {
                int tb = j * in * NR;
                for (int c = 0; c < NR; c++) {
                    int t = j * NR + c;
                    if (t >= T) {
                        for (int k = 0; k < in; k++) xp[tb + k * NR + c] = 0f;
                        if (quant) for (int b = 0; b < nb; b++) dxp[(j * nb + b) * NR + c] = 0f;
                        if (kq) for (int b = 0; b < nb; b++) nbx[(j * nb + b) * NR + c] = 0f;
                        continue;
                    }
                    int xb = xOff + t * in;
                    switch (floatActs ? GgmlType.F32 : type) {
                        case F32 -> System.arraycopy(x, xb, row, 0, in);
                        case F16 -> roundRowF16(x, xb, row, 0, in);
                        case BF16 -> roundRowBf16(x, xb, row, 0, in);
                        case Q4_K, Q6_K -> {
                            MatMulReference.quantizeActivationQ8K(x, xb, in, row, 0, rowd, 0, rown, 0);
                            for (int b = 0; b < nb; b++) {
                                dxp[(j * nb + b) * NR + c] = rowd[b];
                                nbx[(j * nb + b) * NR + c] = rown[b];
                            }
                        }
                        default -> {
                            quantizeActivation(x, xb, in, row, 0, rowd, 0);
                            for (int b = 0; b < nb; b++) dxp[(j * nb + b) * NR + c] = rowd[b];
                        }
                    }
                    for (int k = 0; k < in; k++) xp[tb + k * NR + c] = row[k];
                }
            }
        });

        int panels = (out + MR - 1) / MR;
        MemorySegment seg = w.data();
        long rowBytes = w.rowBytes();
        Parallel.forRange(panels, 1, (p0, p1) -> {
            PanelScratch ps = PANEL.get();
            if (ps.wp.length < in * MR) ps.wp = new float[in * MR];
            if (quant && ps.dw.length < nb * MR) ps.dw = new float[nb * MR];
            if (type == GgmlType.Q4_K && ps.dmw.length < nb * MR) ps.dmw = new float[nb * MR];
            float[] wp = ps.wp, dw = ps.dw, dmw = ps.dmw, ct = ps.ct;
            for (int p = p0; p < p1; p++) {
                int o0 = p * MR;
                int rows = Math.min(MR, out - o0);
                packW(type, seg, rowBytes, in, o0, rows, wp, dw, dmw);
                for (int j = 0; j < tiles; j++) {
                    int t0 = j * NR;
                    int tValid = Math.min(NR, T - t0);
                    int yb = yOff + t0 * out + o0;
                    // the micro-kernels have no branches: a whole tile is stored straight into Y, an edge tile
                    // (fewer than MR rows of W or NR rows of X) into a scratch tile whose valid part is copied
                    boolean whole = rows == MR && tValid == NR;
                    float[] c = whole ? y : ct;
                    int cb = whole ? yb : 0, ldc = whole ? out : MR;
                    if (type == GgmlType.Q4_K) kernelQK(wp, dw, dmw, xp, dxp, nbx, j * in * NR, j * nb * NR, nb, c, cb, ldc);
                    else if (quant) kernelQ(wp, dw, xp, dxp, j * in * NR, j * nb * NR, nb, c, cb, ldc);
                    else kernelF(wp, xp, j * in * NR, in, c, cb, ldc);
                    if (!whole) copyTile(ct, y, yb, out, rows, tValid);
                }
            }
        });
    }

    /** Per thread: rows of W copied out of their segment in bulk before packing. */
    private static final class RawScratch {
        float[] f = new float[0];
        /** Widened K-quant scales (and Q4_K's mins) of a panel's rows. */
        float[] s = new float[0];
        short[] h = new short[0];
        byte[] b = new byte[0];
    }

    private static final ThreadLocal<RawScratch> RAW = ThreadLocal.withInitial(RawScratch::new);

    private static final ValueLayout.OfShort I16LE_U = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);

    /**
     * Packs rows [o0, o0+rows) of W into wp[k*MR + r] (zero rows past {@code rows}) and block scales into dw[b*MR + r].
     * The rows are first copied out of the segment in bulk (per-element segment reads pay bounds and alignment checks
     * that C2 does not hoist across rows) — the K-quants widened to floats with vector loads instead ({@link #widenRows})
     * — then transposed array to array in blocks of 32 values of {@code in}, so that the destination block (32 · MR
     * floats) stays in L1.
     */
    static void packW(GgmlType type, MemorySegment seg, long rowBytes, int in, int o0, int rows, float[] wp, float[] dw, float[] dmw) {
        if (rows < MR) {
            java.util.Arrays.fill(wp, 0, in * MR, 0f);
            if (type.isQuantized()) java.util.Arrays.fill(dw, 0, (in / 32) * MR, 0f);
            if (type == GgmlType.Q4_K) java.util.Arrays.fill(dmw, 0, (in / 32) * MR, 0f);
        }
        RawScratch raw = RAW.get();
        long base = (long) o0 * rowBytes;
        switch (type) {
            case F32 -> {
                if (raw.f.length < rows * in) raw.f = new float[MR * in];
                float[] f = raw.f;
                for (int r = 0; r < rows; r++) MemorySegment.copy(seg, F32LE, base + r * rowBytes, f, r * in, in);
                transposeRows(f, rows, in, wp);
            }
            case F16 -> {
                // widened row by row (a loop C2 vectorizes to the CPU's fp16 conversion), then laid out as F32's
                if (raw.f.length < rows * in) raw.f = new float[MR * in];
                float[] f = raw.f;
                for (int r = 0; r < rows; r++) widenF16(seg, base + r * rowBytes, f, r * in, in);
                transposeRows(f, rows, in, wp);
            }
            case BF16 -> {
                if (raw.h.length < rows * in) raw.h = new short[MR * in];
                short[] h = raw.h;
                for (int r = 0; r < rows; r++) MemorySegment.copy(seg, I16LE_U, base + r * rowBytes, h, r * in, in);
                for (int k0 = 0; k0 < in; k0 += 32) {
                    int kn = Math.min(32, in - k0);
                    for (int r = 0; r < rows; r++) {
                        int src = r * in + k0, dst = k0 * MR + r;
                        for (int i = 0; i < kn; i++) wp[dst + i * MR] = Float.intBitsToFloat(h[src + i] << 16);
                    }
                }
            }
            case Q8_0, Q4_0 -> {
                int rb = (int) rowBytes;
                if (raw.b.length < rows * rb) raw.b = new byte[MR * rb];
                byte[] b = raw.b;
                MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, base, b, 0, rows * rb);
                boolean q8 = type == GgmlType.Q8_0;
                int bs = q8 ? 34 : 18;
                for (int blk = 0; blk < in / 32; blk++) {
                    int k0 = 32 * blk;
                    for (int r = 0; r < rows; r++) {
                        int src = r * rb + bs * blk, dst = k0 * MR + r;
                        dw[blk * MR + r] = Float.float16ToFloat((short) ((b[src] & 0xFF) | (b[src + 1] << 8)));
                        if (q8) {
                            for (int i = 0; i < 32; i++) wp[dst + i * MR] = b[src + 2 + i];
                        } else {
                            for (int i = 0; i < 16; i++) {
                                int v = b[src + 2 + i] & 0xFF;
                                wp[dst + i * MR] = (v & 0xF) - 8;
                                wp[dst + (i + 16) * MR] = (v >>> 4) - 8;
                            }
                        }
                    }
                }
            }
            case Q4_K, Q6_K -> {
                // Q4_K: wp = sc_g · the 4-bit q, dw = d and dmin per super-block (entries 2sb, 2sb + 1), dmw = m_g per
                // group; Q6_K: wp = (q − 32)·sc of the element's 16-sub-block, dw = d per group; all exact in float32.
                // Widened row by row with tokenLanesQ's vector decoding, then transposed as the F32 rows are.
                int nb = in / 32;
                if (raw.f.length < rows * in) raw.f = new float[MR * in];
                if (raw.s.length < 2 * MR * nb) raw.s = new float[2 * MR * nb];
                float[] f = raw.f, sd = raw.s;
                widenRows(type, seg, rowBytes, in, o0, rows, f, sd, sd, MR * nb);
                transposeRows(f, rows, in, wp);
                boolean q4k = type == GgmlType.Q4_K;
                int scales = q4k ? 2 * (in / 256) : nb; // Q4_K: d and dmin per super-block; Q6_K: d per group
                for (int r = 0; r < rows; r++) {
                    for (int g = 0; g < scales; g++) dw[g * MR + r] = sd[r * nb + g];
                    if (q4k) for (int g = 0; g < nb; g++) dmw[g * MR + r] = sd[MR * nb + r * nb + g];
                }
            }
            default -> throw new AssertionError(type);
        }
    }

    /**
     * wp[k·MR + r] = f[r·in + k] for the {@code rows} rows of {@code f}: a panel of W transposed for the micro-kernels,
     * in blocks of 32 values of {@code in} so that the destination block (32 · MR floats) stays in L1.
     */
    private static void transposeRows(float[] f, int rows, int in, float[] wp) {
        for (int k0 = 0; k0 < in; k0 += 32) {
            int kn = Math.min(32, in - k0);
            for (int r = 0; r < rows; r++) {
                int src = r * in + k0, dst = k0 * MR + r;
                for (int i = 0; i < kn; i++) wp[dst + i * MR] = f[src + i];
            }
        }
    }

    /**
     * Float micro-kernel: MR rows of packed W × NR packed X rows over all of {@code in}; writes the whole NR × MR tile
     * to c[cb + t·ldc + r]. Deliberately branch-free and without vector-typed helper calls: an out-of-line helper
     * taking vectors makes C2 box the accumulators, and a branch seen late (an edge tile) deoptimizes the method.
     */
    static void kernelF(float[] wp, float[] xp, int xb, int in, float[] c, int cb, int ldc) {
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c02 = c00, c03 = c00, c04 = c00, c05 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00, c13 = c00, c14 = c00, c15 = c00;
        for (int k = 0; k < in; k++) {
            // indices linear in the loop variable, so C2 can hoist the range checks
            int wi = k * MR, xi = xb + k * NR;
            FloatVector w0 = FloatVector.fromArray(F, wp, wi);
            FloatVector w1 = FloatVector.fromArray(F, wp, wi + L);
            FloatVector b = FloatVector.broadcast(F, xp[xi]);
            c00 = w0.fma(b, c00); c10 = w1.fma(b, c10);
            b = FloatVector.broadcast(F, xp[xi + 1]);
            c01 = w0.fma(b, c01); c11 = w1.fma(b, c11);
            b = FloatVector.broadcast(F, xp[xi + 2]);
            c02 = w0.fma(b, c02); c12 = w1.fma(b, c12);
            b = FloatVector.broadcast(F, xp[xi + 3]);
            c03 = w0.fma(b, c03); c13 = w1.fma(b, c13);
            b = FloatVector.broadcast(F, xp[xi + 4]);
            c04 = w0.fma(b, c04); c14 = w1.fma(b, c14);
            b = FloatVector.broadcast(F, xp[xi + 5]);
            c05 = w0.fma(b, c05); c15 = w1.fma(b, c15);
        }
        c00.intoArray(c, cb); c10.intoArray(c, cb + L);
        c01.intoArray(c, cb + ldc); c11.intoArray(c, cb + ldc + L);
        c02.intoArray(c, cb + 2 * ldc); c12.intoArray(c, cb + 2 * ldc + L);
        c03.intoArray(c, cb + 3 * ldc); c13.intoArray(c, cb + 3 * ldc + L);
        c04.intoArray(c, cb + 4 * ldc); c14.intoArray(c, cb + 4 * ldc + L);
        c05.intoArray(c, cb + 5 * ldc); c15.intoArray(c, cb + 5 * ldc + L);
    }

    /**
     * Quantized micro-kernel: per 32-block, exact integer partial sums p (floats) of packed W values × packed X
     * values, then c += p · (d_w · d_x) per lane.
     */
    static void kernelQ(float[] wp, float[] dw, float[] xp, float[] dxp, int xb, int db, int nb,
                        float[] c, int cb, int ldc) {
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c02 = c00, c03 = c00, c04 = c00, c05 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00, c13 = c00, c14 = c00, c15 = c00;
        for (int blk = 0; blk < nb; blk++) {
            FloatVector p00 = FloatVector.zero(F), p01 = p00, p02 = p00, p03 = p00, p04 = p00, p05 = p00;
            FloatVector p10 = p00, p11 = p00, p12 = p00, p13 = p00, p14 = p00, p15 = p00;
            for (int k = blk * 32, kEnd = k + 32; k < kEnd; k++) {
                int wi = k * MR, xi = xb + k * NR;
                FloatVector w0 = FloatVector.fromArray(F, wp, wi);
                FloatVector w1 = FloatVector.fromArray(F, wp, wi + L);
                FloatVector b = FloatVector.broadcast(F, xp[xi]);
                p00 = w0.fma(b, p00); p10 = w1.fma(b, p10);
                b = FloatVector.broadcast(F, xp[xi + 1]);
                p01 = w0.fma(b, p01); p11 = w1.fma(b, p11);
                b = FloatVector.broadcast(F, xp[xi + 2]);
                p02 = w0.fma(b, p02); p12 = w1.fma(b, p12);
                b = FloatVector.broadcast(F, xp[xi + 3]);
                p03 = w0.fma(b, p03); p13 = w1.fma(b, p13);
                b = FloatVector.broadcast(F, xp[xi + 4]);
                p04 = w0.fma(b, p04); p14 = w1.fma(b, p14);
                b = FloatVector.broadcast(F, xp[xi + 5]);
                p05 = w0.fma(b, p05); p15 = w1.fma(b, p15);
            }
            FloatVector d0 = FloatVector.fromArray(F, dw, blk * MR);
            FloatVector d1 = FloatVector.fromArray(F, dw, blk * MR + L);
            int di = db + blk * NR;
            float e = dxp[di];
            c00 = p00.fma(d0.mul(e), c00); c10 = p10.fma(d1.mul(e), c10);
            e = dxp[di + 1];
            c01 = p01.fma(d0.mul(e), c01); c11 = p11.fma(d1.mul(e), c11);
            e = dxp[di + 2];
            c02 = p02.fma(d0.mul(e), c02); c12 = p12.fma(d1.mul(e), c12);
            e = dxp[di + 3];
            c03 = p03.fma(d0.mul(e), c03); c13 = p13.fma(d1.mul(e), c13);
            e = dxp[di + 4];
            c04 = p04.fma(d0.mul(e), c04); c14 = p14.fma(d1.mul(e), c14);
            e = dxp[di + 5];
            c05 = p05.fma(d0.mul(e), c05); c15 = p15.fma(d1.mul(e), c15);
        }
        c00.intoArray(c, cb); c10.intoArray(c, cb + L);
        c01.intoArray(c, cb + ldc); c11.intoArray(c, cb + ldc + L);
        c02.intoArray(c, cb + 2 * ldc); c12.intoArray(c, cb + 2 * ldc + L);
        c03.intoArray(c, cb + 3 * ldc); c13.intoArray(c, cb + 3 * ldc + L);
        c04.intoArray(c, cb + 4 * ldc); c14.intoArray(c, cb + 4 * ldc + L);
        c05.intoArray(c, cb + 5 * ldc); c15.intoArray(c, cb + 5 * ldc + L);
    }

    /**
     * Q4_K micro-kernel, per super-block in the order of {@link #rowsQ4K}: for each half (128 values) the exact sum
     * P of packed (sc_g · q) × packed X, then {@code c = fma(P, d·d_x, c)}; then the exact min sum
     * P = Σ_g m_g · (−Σ q_x) and {@code c = fma(P, dmin·d_x, c)}. Packed: dw = (d, dmin) per super-block, dmw = m_g.
     */
    static void kernelQK(float[] wp, float[] dw, float[] dmw, float[] xp, float[] dxp, float[] nbx, int xb, int db, int nb,
                        float[] c, int cb, int ldc) {
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c02 = c00, c03 = c00, c04 = c00, c05 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00, c13 = c00, c14 = c00, c15 = c00;
        for (int sb = 0; sb < nb / 8; sb++) {
            int di = db + 8 * sb * NR; // the activation scale is the same for the super-block's 8 groups
            for (int part = 0; part < 3; part++) {
                FloatVector p00 = FloatVector.zero(F), p01 = p00, p02 = p00, p03 = p00, p04 = p00, p05 = p00;
                FloatVector p10 = p00, p11 = p00, p12 = p00, p13 = p00, p14 = p00, p15 = p00;
                if (part < 2) {
                    for (int k = 256 * sb + 128 * part, kEnd = k + 128; k < kEnd; k++) {
                        int wi = k * MR, xi = xb + k * NR;
                        FloatVector w0 = FloatVector.fromArray(F, wp, wi);
                        FloatVector w1 = FloatVector.fromArray(F, wp, wi + L);
                        FloatVector b = FloatVector.broadcast(F, xp[xi]);
                        p00 = w0.fma(b, p00); p10 = w1.fma(b, p10);
                        b = FloatVector.broadcast(F, xp[xi + 1]);
                        p01 = w0.fma(b, p01); p11 = w1.fma(b, p11);
                        b = FloatVector.broadcast(F, xp[xi + 2]);
                        p02 = w0.fma(b, p02); p12 = w1.fma(b, p12);
                        b = FloatVector.broadcast(F, xp[xi + 3]);
                        p03 = w0.fma(b, p03); p13 = w1.fma(b, p13);
                        b = FloatVector.broadcast(F, xp[xi + 4]);
                        p04 = w0.fma(b, p04); p14 = w1.fma(b, p14);
                        b = FloatVector.broadcast(F, xp[xi + 5]);
                        p05 = w0.fma(b, p05); p15 = w1.fma(b, p15);
                    }
                } else {
                    for (int g = 8 * sb, gEnd = g + 8; g < gEnd; g++) {
                        int mi = g * MR, ni = db + g * NR;
                        FloatVector w0 = FloatVector.fromArray(F, dmw, mi);
                        FloatVector w1 = FloatVector.fromArray(F, dmw, mi + L);
                        FloatVector b = FloatVector.broadcast(F, nbx[ni]);
                        p00 = w0.fma(b, p00); p10 = w1.fma(b, p10);
                        b = FloatVector.broadcast(F, nbx[ni + 1]);
                        p01 = w0.fma(b, p01); p11 = w1.fma(b, p11);
                        b = FloatVector.broadcast(F, nbx[ni + 2]);
                        p02 = w0.fma(b, p02); p12 = w1.fma(b, p12);
                        b = FloatVector.broadcast(F, nbx[ni + 3]);
                        p03 = w0.fma(b, p03); p13 = w1.fma(b, p13);
                        b = FloatVector.broadcast(F, nbx[ni + 4]);
                        p04 = w0.fma(b, p04); p14 = w1.fma(b, p14);
                        b = FloatVector.broadcast(F, nbx[ni + 5]);
                        p05 = w0.fma(b, p05); p15 = w1.fma(b, p15);
                    }
                }
                // part 0 and 1 scale by d, part 2 by dmin
                int si = (2 * sb + (part >> 1)) * MR;
                FloatVector d0 = FloatVector.fromArray(F, dw, si);
                FloatVector d1 = FloatVector.fromArray(F, dw, si + L);
                float e = dxp[di];
                c00 = p00.fma(d0.mul(e), c00); c10 = p10.fma(d1.mul(e), c10);
                e = dxp[di + 1];
                c01 = p01.fma(d0.mul(e), c01); c11 = p11.fma(d1.mul(e), c11);
                e = dxp[di + 2];
                c02 = p02.fma(d0.mul(e), c02); c12 = p12.fma(d1.mul(e), c12);
                e = dxp[di + 3];
                c03 = p03.fma(d0.mul(e), c03); c13 = p13.fma(d1.mul(e), c13);
                e = dxp[di + 4];
                c04 = p04.fma(d0.mul(e), c04); c14 = p14.fma(d1.mul(e), c14);
                e = dxp[di + 5];
                c05 = p05.fma(d0.mul(e), c05); c15 = p15.fma(d1.mul(e), c15);
            }
        }
        c00.intoArray(c, cb); c10.intoArray(c, cb + L);
        c01.intoArray(c, cb + ldc); c11.intoArray(c, cb + ldc + L);
        c02.intoArray(c, cb + 2 * ldc); c12.intoArray(c, cb + 2 * ldc + L);
        c03.intoArray(c, cb + 3 * ldc); c13.intoArray(c, cb + 3 * ldc + L);
        c04.intoArray(c, cb + 4 * ldc); c14.intoArray(c, cb + 4 * ldc + L);
        c05.intoArray(c, cb + 5 * ldc); c15.intoArray(c, cb + 5 * ldc + L);
    }
}
