package io.jamba4j.kernels;

import io.jamba4j.tensor.GgmlType;
import io.jamba4j.tensor.Quantize;
import io.jamba4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class MatMulTest {
    static final GgmlType[] TYPES = {GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.Q6_K};

    /** A weight tensor of random values encoded as {@code type}, its bytes at byte offset {@code pad} of a bigger array. */
    static Tensor randomWeight(GgmlType type, int out, int in, long seed, int pad) {
        Random r = new Random(seed);
        float[] v = new float[out * in];
        for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian() * (r.nextInt(16) == 0 ? 4f : 0.5f);
        MemorySegment enc = Quantize.quantize(type, v, 0, v.length);
        byte[] big = new byte[(int) enc.byteSize() + pad + 7];
        MemorySegment seg = MemorySegment.ofArray(big).asSlice(pad, enc.byteSize());
        seg.copyFrom(enc);
        return new Tensor("w", type, new long[]{out, in}, seg);
    }

    static float[] randomX(int n, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian() * (r.nextInt(32) == 0 ? 10f : 1f);
        return x;
    }

    /** Σ |w||x| per output, the scale of float rounding differences. */
    static float[] absBound(Tensor w, float[] x, int xOff, int T) {
        int in = w.cols(), out = (int) w.rows();
        float[] row = new float[in];
        float[] b = new float[T * out];
        for (int o = 0; o < out; o++) {
            w.rowToFloats(o, row, 0);
            for (int t = 0; t < T; t++) {
                double s = 0;
                for (int i = 0; i < in; i++) s += Math.abs(row[i] * x[xOff + t * in + i]);
                b[t * out + o] = (float) s;
            }
        }
        return b;
    }

    void check(GgmlType type, int out, int in, int T, int pad) {
        Tensor w = randomWeight(type, out, in, 31L * out + in + type.ordinal(), pad);
        int xOff = 3, yOff = 5;
        float[] x = randomX(xOff + T * in + 2, 7L * T + in);
        float[] y = new float[yOff + T * out + 4];
        float[] ref = new float[yOff + T * out + 4];
        java.util.Arrays.fill(y, 123f);
        java.util.Arrays.fill(ref, 123f);
        MatMul.matmul(w, x, xOff, T, y, yOff);
        MatMulReference.matmul(w, x, xOff, T, ref, yOff);
        float[] bound = absBound(w, x, xOff, T);
        for (int i = 0; i < y.length; i++) {
            if (i < yOff || i >= yOff + T * out) {
                assertEquals(123f, y[i], "wrote outside Y at " + i);
                continue;
            }
            // quantized types: the activation quantization may differ between reference and kernel only through
            // float accumulation order (integer block sums are exact), so the same relative tolerance applies
            float tol = 2e-6f * bound[i - yOff] + 1e-30f;
            assertEquals(ref[i], y[i], tol, () -> type + " [" + out + "x" + in + "] T=" + T + " pad=" + pad);
        }
    }

    @Test
    void matvecMatchesReferenceAllTypes() {
        for (GgmlType type : TYPES) {
            int[][] shapes = type.blockSize == 256
                    ? new int[][]{{1, 256}, {3, 512}, {37, 768}, {70, 256}, {130, 1024}, {300, 1280}}
                    : type.isQuantized()
                    ? new int[][]{{1, 32}, {3, 64}, {37, 96}, {70, 160}, {130, 1024}, {300, 544}}
                    : new int[][]{{1, 1}, {3, 7}, {5, 13}, {37, 100}, {70, 1003}, {130, 1024}, {300, 517}};
            for (int[] s : shapes) {
                check(type, s[0], s[1], 1, 0);
                check(type, s[0], s[1], 1, 3);
            }
        }
    }

    @Test
    void gemmMatchesReferenceAllTypes() {
        for (GgmlType type : TYPES) {
            int[][] shapes = type.blockSize == 256
                    ? new int[][]{{1, 256}, {5, 512}, {33, 256}, {70, 768}, {97, 256}}
                    : type.isQuantized()
                    ? new int[][]{{1, 32}, {5, 64}, {33, 96}, {70, 160}, {97, 256}}
                    : new int[][]{{1, 1}, {5, 7}, {17, 13}, {33, 100}, {70, 259}, {97, 64}};
            for (int[] s : shapes) {
                for (int T : new int[]{2, 5, 6, 7, 13, 31}) {
                    check(type, s[0], s[1], T, (T & 1) == 0 ? 0 : 1);
                }
            }
        }
    }

    @Test
    void largeShapesSplitAcrossThreads() {
        for (GgmlType type : TYPES) {
            check(type, 1024, 1024, 1, 1);
            check(type, 257, 512, 40, 3);
        }
    }

    /**
     * A batch gives each product's separate {@link MatMul#matmul} result bit for bit: fused (all T = 1; products
     * sharing an input row, with other inputs between, of every type, large enough to split across threads) and not
     * (one T &gt; 1 among them).
     */
    @Test
    void batchMatchesSeparateProductsBitForBit() {
        int in = 512;
        float[] x = randomX(3 * in, 5);
        for (int tNext : new int[]{1, 3}) {
            java.util.List<Tensor> ws = new java.util.ArrayList<>();
            for (GgmlType type : TYPES) {
                ws.add(randomWeight(type, 300, in, type.ordinal() * 7L + 1, 0));
                ws.add(randomWeight(type, 44, in, type.ordinal() * 7L + 2, 0));
            }
            int n = ws.size();
            float[][] fused = new float[n][], separate = new float[n][];
            MatMul.Batch batch = MatMul.batch();
            for (int j = 0; j < n; j++) {
                Tensor w = ws.get(j);
                int xOff = j % 3 == 2 ? 2 * in : in; // pairs of the same input, and a third input now and then
                int T = j == n - 1 ? tNext : 1, out = (int) w.rows();
                if (T > 1) xOff = 0;
                fused[j] = new float[T * out + 2];
                separate[j] = new float[T * out + 2];
                batch.add(w, x, xOff, T, fused[j], 1);
                MatMul.matmul(w, x, xOff, T, separate[j], 1);
            }
            batch.run();
            for (int j = 0; j < n; j++) {
                for (int o = 0; o < fused[j].length; o++) {
                    assertEquals(Float.floatToIntBits(separate[j][o]), Float.floatToIntBits(fused[j][o]),
                            ws.get(j).type() + " product " + j + " element " + o + " (last T = " + tNext + ")");
                }
            }
        }
        // a batch left with products (a forward pass that failed before running it) is emptied by the next batch()
        MatMul.batch().add(randomWeight(GgmlType.F32, 4, 16, 1, 0), x, 0, 1, new float[4], 0);
        float[] y = new float[4];
        MatMul.batch().add(randomWeight(GgmlType.F32, 4, 16, 2, 0), x, 0, 1, y, 0).run();
        float[] ref = new float[4];
        MatMul.matmul(randomWeight(GgmlType.F32, 4, 16, 2, 0), x, 0, 1, ref, 0);
        assertArrayEquals(ref, y);
    }

    /** The three F32 matvec kernels (one, two or four rows per step, chosen at run time) give the same bits, over any row range. */
    @Test
    void f32RowKernelsAgreeBitForBit() {
        for (int[] s : new int[][]{{1, 16}, {2, 16}, {7, 100}, {13, 1024}, {41, 1000}, {64, 2048}}) {
            Tensor w = randomWeight(GgmlType.F32, s[0], s[1], 11L * s[0] + s[1], s[0] % 5);
            float[] x = randomX(s[1] + 3, s[1]);
            float[] one = new float[s[0] + 2], two = new float[s[0] + 2], four = new float[s[0] + 2];
            java.lang.foreign.MemorySegment xs = java.lang.foreign.Arena.ofAuto().allocate(4L * s[1], 64);
            java.lang.foreign.MemorySegment.copy(x, 3, xs, Tensor.F32_LE, 0, s[1]);
            MatMul.rowsF32(w.data(), w.rowBytes(), s[1], xs, one, 2, 0, s[0]);
            MatMul.rowsF32x2(w.data(), w.rowBytes(), s[1], xs, two, 2, 0, s[0]);
            MatMul.rowsF32x4(w.data(), w.rowBytes(), s[1], xs, four, 2, 0, s[0]);
            for (int o = 0; o < s[0]; o++) {
                assertEquals(Float.floatToIntBits(one[o + 2]), Float.floatToIntBits(two[o + 2]), s[0] + "x" + s[1] + " row " + o + " (two rows per step)");
                assertEquals(Float.floatToIntBits(one[o + 2]), Float.floatToIntBits(four[o + 2]), s[0] + "x" + s[1] + " row " + o + " (four rows per step)");
            }
            // a range that starts inside the matrix (the multi-row kernels take their rows from the range's halves or quarters)
            int r0 = s[0] / 3;
            float[] partTwo = new float[s[0] + 2], partFour = new float[s[0] + 2];
            MatMul.rowsF32x2(w.data(), w.rowBytes(), s[1], xs, partTwo, 2, r0, s[0]);
            MatMul.rowsF32x4(w.data(), w.rowBytes(), s[1], xs, partFour, 2, r0, s[0]);
            for (int o = 0; o < s[0]; o++) {
                float want = o < r0 ? 0f : one[o + 2];
                assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(partTwo[o + 2]), s[0] + "x" + s[1] + " from " + r0 + ", row " + o + " (two)");
                assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(partFour[o + 2]), s[0] + "x" + s[1] + " from " + r0 + ", row " + o + " (four)");
            }
        }
        int rows = MatMul.f32MatvecRows();
        assertTrue(rows == 0 || rows == 1 || rows == 2 || rows == 4, "f32MatvecRows = " + rows);
    }

    /** The F16 and BF16 matvec kernels (four rows per step, from the quarters of the range) give the bits of one row at a time. */
    @Test
    void halfRowKernelsAgreeBitForBit() {
        for (GgmlType type : new GgmlType[]{GgmlType.F16, GgmlType.BF16}) {
            for (int[] s : new int[][]{{1, 16}, {7, 100}, {13, 1024}, {41, 1000}, {64, 2048}}) {
                Tensor w = randomWeight(type, s[0], s[1], 13L * s[0] + s[1], s[0] % 5);
                float[] x = randomX(s[1] + 3, s[1]);
                for (int r0 : new int[]{0, s[0] / 3}) {
                    float[] one = new float[s[0] + 2], four = new float[s[0] + 2];
                    if (type == GgmlType.F16) {
                        MatMul.rowsF16(w.data(), w.rowBytes(), s[1], x, 3, one, 2, r0, s[0]);
                        MatMul.rowsF16x4(w.data(), w.rowBytes(), s[1], x, 3, four, 2, r0, s[0]);
                        float[] widened = new float[s[0] + 2];
                        MatMul.rowsF16x4Widened(w.data(), w.rowBytes(), s[1], x, 3, widened, 2, r0, s[0]);
                        for (int o = 0; o < s[0] + 2; o++) {
                            assertEquals(Float.floatToIntBits(one[o]), Float.floatToIntBits(widened[o]), "F16 widened " + s[0] + "x" + s[1] + " from " + r0 + ", y[" + o + "]");
                        }
                    } else {
                        MatMul.rowsBF16(w.data(), w.rowBytes(), s[1], x, 3, one, 2, r0, s[0]);
                        MatMul.rowsBF16x4(w.data(), w.rowBytes(), s[1], x, 3, four, 2, r0, s[0]);
                    }
                    for (int o = 0; o < s[0] + 2; o++) {
                        assertEquals(Float.floatToIntBits(one[o]), Float.floatToIntBits(four[o]),
                                type + " " + s[0] + "x" + s[1] + " from " + r0 + ", y[" + o + "]");
                    }
                }
            }
        }
    }

    /**
     * F16 from raw random bit patterns (subnormals included; infinities and NaNs left out, which would make every sum
     * NaN): {@link MatMul#widenF16} (a loop C2 turns into the CPU's conversion) gives {@link Float#float16ToFloat}'s
     * bits for every value; the matrix-vector kernels (the bit operations of the 512-bit path, and at 256 bits FMAs
     * from what widenF16 widened) the bits of the same sums done one value at a time (lane by lane, then the lanes
     * summed and the tail added); the GEMM (its packing widens the same way) the reference's bits.
     */
    @Test
    void f16RawBitsWidenExactly() {
        int out = 23, in = 1540;
        byte[] raw = new byte[2 * out * in];
        Random rnd = new Random(91);
        for (int i = 0; i < out * in; i++) {
            int h = rnd.nextInt(1 << 16);
            if ((h & 0x7C00) == 0x7C00) h &= ~0x0400; // exponent 31 → 30
            raw[2 * i] = (byte) h;
            raw[2 * i + 1] = (byte) (h >>> 8);
        }
        Tensor w = new Tensor("w", GgmlType.F16, new long[]{out, in}, MemorySegment.ofArray(raw));
        float[] h16 = new float[out * in], got = new float[out * in];
        for (int i = 0; i < out * in; i++) h16[i] = Float.float16ToFloat((short) ((raw[2 * i] & 0xFF) | (raw[2 * i + 1] << 8)));
        for (int o = 0; o < out; o++) MatMul.widenF16(w.data(), o * w.rowBytes(), got, o * in, in);
        for (int i = 0; i < out * in; i++) assertEquals(Float.floatToIntBits(h16[i]), Float.floatToIntBits(got[i]), "widenF16, value " + i);
        float[] x = new float[2 * in];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian() * 1e-3f;
        float[] one = new float[out], four = new float[out], widened = new float[out];
        MatMul.rowsF16(w.data(), w.rowBytes(), in, x, 0, one, 0, 0, out);
        MatMul.rowsF16x4(w.data(), w.rowBytes(), in, x, 0, four, 0, 0, out);
        MatMul.rowsF16x4Widened(w.data(), w.rowBytes(), in, x, 0, widened, 0, 0, out);
        int L = MatMul.L, upL = in & ~(L - 1);
        for (int o = 0; o < out; o++) {
            float[] lanes = new float[L];
            for (int i = 0; i < upL; i++) lanes[i % L] = Math.fma(h16[o * in + i], x[i], lanes[i % L]);
            float want = VectorOps.sumLanes(lanes, 0);
            for (int i = upL; i < in; i++) want = Math.fma(h16[o * in + i], x[i], want);
            assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(one[o]), "one row at a time, row " + o);
            assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(four[o]), "four rows, row " + o);
            assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(widened[o]), "four rows widened, row " + o);
        }
        float[] ref = new float[2 * out], gemm = new float[2 * out];
        MatMulReference.matmul(w, x, 0, 2, ref, 0);
        MatMul.matmul(w, x, 0, 2, gemm, 0); // F16 with two tokens: the GEMM
        for (int i = 0; i < 2 * out; i++) assertEquals(Float.floatToIntBits(ref[i]), Float.floatToIntBits(gemm[i]), "gemm y[" + i + "]");
    }

    /**
     * The F32-family matvec kernels give the same bits before and after the JIT compiles them (their lane sums have
     * a fixed order; {@code reduceLanes} sums in the interpreter's order at first and in C2's later).
     */
    @Test
    void f32KernelsDoNotDependOnCompilation() {
        for (GgmlType type : new GgmlType[]{GgmlType.F32, GgmlType.F16, GgmlType.BF16}) {
            Tensor w = randomWeight(type, 9, 1000, 77 + type.ordinal(), 0);
            float[] x = randomX(1000, 78);
            float[] cold = new float[9], warm = new float[9];
            MatMul.matmul(w, x, 0, 1, cold, 0);
            Tensor small = randomWeight(type, 8, 64, 79, 0);
            float[] xs = randomX(64, 80), ys = new float[8];
            for (int i = 0; i < 40_000; i++) MatMul.matmul(small, xs, 0, 1, ys, 0); // compiles the kernels
            MatMul.matmul(w, x, 0, 1, warm, 0);
            for (int o = 0; o < 9; o++) assertEquals(Float.floatToIntBits(cold[o]), Float.floatToIntBits(warm[o]), type + " row " + o);
        }
    }

    /**
     * F32 and BF16 products of up to {@link MatMul#FEW_TOKENS} tokens ({@code MatMul.fewTokens}) give every token the
     * bits of its own matrix-vector product: split across threads or not, with column tails (in not a multiple of
     * the vector length), odd row counts and token counts not a multiple of four, BF16 with rounded and with float
     * activations.
     */
    @Test
    void fewTokensEqualTheirMatvecsBitForBit() {
        // F32 row counts odd and even, serial and split (the F32 kernel takes rows in pairs from a range's halves)
        for (Tensor w0 : new Tensor[]{randomWeight(GgmlType.F32, 40, 256, 11, 0), randomWeight(GgmlType.F32, 600, 100, 12, 0),
                randomWeight(GgmlType.F32, 41, 100, 15, 0), randomWeight(GgmlType.F32, 333, 256, 16, 0),
                randomWeight(GgmlType.BF16, 37, 250, 13, 0), randomWeight(GgmlType.BF16, 700, 512, 14, 0)}) {
            for (Tensor w : new Tensor[]{w0, w0.withFloatActivations()}) {
                int in = w.cols(), out = (int) w.rows();
                for (int T = 2; T <= MatMul.FEW_TOKENS; T += (T < 6 ? 1 : 5)) {
                    float[] x = randomX(T * in + 3, T * 7L + in);
                    float[] y = new float[T * out + 5];
                    MatMul.matmul(w, x, 3, T, y, 5);
                    for (int t = 0; t < T; t++) {
                        float[] yv = new float[out];
                        MatMul.matmul(w, x, 3 + t * in, 1, yv, 0);
                        for (int o = 0; o < out; o++) {
                            assertEquals(Float.floatToIntBits(yv[o]), Float.floatToIntBits(y[5 + t * out + o]),
                                    w.type() + " " + out + "x" + in + " T=" + T + " t=" + t + " o=" + o);
                        }
                    }
                }
            }
        }
    }

    /**
     * F32 and BF16 products of {@code FEW_TOKENS + 1 .. TOKEN_LANES_MAX} tokens, F16 ones of 2 ..
     * {@code TOKEN_LANES_MAX} ({@code MatMul.tokenLanes}), give the GEMM's bits: each token's row equals that token's
     * row of a GEMM over more tokens (partial last row group, tokens not a multiple of the vector length, split across
     * threads or not; activations rounded to the weight's type or not).
     */
    @Test
    void tokenLanesEqualTheGemmBitForBit() {
        int big = MatMul.TOKEN_LANES_MAX + 3;
        for (Tensor w0 : new Tensor[]{randomWeight(GgmlType.F32, 45, 256, 21, 0), randomWeight(GgmlType.F32, 700, 96, 22, 0),
                randomWeight(GgmlType.BF16, 37, 250, 23, 0), randomWeight(GgmlType.BF16, 403, 512, 24, 0),
                randomWeight(GgmlType.F16, 29, 260, 25, 0), randomWeight(GgmlType.F16, 300, 1030, 26, 0)}) {
            for (Tensor w : new Tensor[]{w0, w0.withFloatActivations()}) {
                int in = w.cols(), out = (int) w.rows();
                float[] x = randomX(big * in, in * 5L + out);
                float[] yg = new float[big * out];
                MatMul.matmul(w, x, 0, big, yg, 0); // the GEMM
                // F16 has no few-token path: token lanes from 2 tokens on
                int[] ts = w.type() == GgmlType.F16 ? new int[]{2, 5, MatMul.FEW_TOKENS + 1, 17, MatMul.TOKEN_LANES_MAX}
                        : new int[]{MatMul.FEW_TOKENS + 1, 16, 17, 33, MatMul.TOKEN_LANES_MAX};
                for (int T : ts) {
                    float[] y = new float[T * out];
                    MatMul.matmul(w, x, 0, T, y, 0);
                    for (int i = 0; i < y.length; i++) {
                        assertEquals(Float.floatToIntBits(yg[i]), Float.floatToIntBits(y[i]),
                                w.type() + " " + out + "x" + in + " T=" + T + " t=" + i / out + " o=" + i % out);
                    }
                }
            }
        }
    }

    /**
     * Quantized products of 2 .. {@code TOKEN_LANES_Q_MAX} tokens ({@code MatMul.fewTokensQ} up to its limit per type,
     * Q8_0 and Q4_0 four tokens at a time with the rest one by one, then {@code MatMul.tokenLanesQ}) give the GEMM's
     * bits, and so each token its matrix-vector product's (K-quant rows are multiples of 256).
     */
    @Test
    void quantizedTokenLanesEqualTheGemmAndTheMatvecBitForBit() {
        int big = MatMul.TOKEN_LANES_Q_MAX + 3;
        for (GgmlType type : new GgmlType[]{GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.Q6_K}) {
            boolean kq = type == GgmlType.Q4_K || type == GgmlType.Q6_K;
            int[][] shapes = kq ? new int[][]{{45, 256}, {700, 512}, {403, 1024}, {3, 256}} : new int[][]{{45, 256}, {700, 96}, {403, 512}, {3, 64}};
            for (int[] shape : shapes) {
                Tensor w = randomWeight(type, shape[0], shape[1], shape[0] * 3L + shape[1], 0);
                int in = w.cols(), out = (int) w.rows();
                float[] x = randomX(big * in, in * 7L + out);
                float[] yg = new float[big * out];
                MatMul.matmul(w, x, 0, big, yg, 0); // the GEMM
                int few = MatMul.fewTokensQ(type);
                for (int T : new int[]{2, 3, 4, 5, 8, few, few + 1, 16, 17, MatMul.TOKEN_LANES_Q_MAX}) {
                    float[] y = new float[T * out];
                    MatMul.matmul(w, x, 0, T, y, 0);
                    for (int i = 0; i < y.length; i++) {
                        assertEquals(Float.floatToIntBits(yg[i]), Float.floatToIntBits(y[i]),
                                type + " " + out + "x" + in + " T=" + T + " t=" + i / out + " o=" + i % out);
                    }
                }
                float[] yv = new float[out];
                MatMul.matmul(w, x, 2 * in, 1, yv, 0);
                for (int o = 0; o < out; o++) assertEquals(Float.floatToIntBits(yg[2 * out + o]), Float.floatToIntBits(yv[o]), type + " matvec o=" + o);
            }
        }
    }

    @Test
    void gemmRowEqualsMatvecForQuantizedTypes() {
        // both paths must quantize activations the same way: the same output up to accumulation order
        for (GgmlType type : new GgmlType[]{GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.Q6_K}) {
            Tensor w = randomWeight(type, 40, 256, 5, 0);
            float[] x = randomX(7 * 256, 9);
            float[] yg = new float[7 * 40];
            MatMul.matmul(w, x, 0, 7, yg, 0);
            float[] bound = absBound(w, x, 0, 7);
            for (int t = 0; t < 7; t++) {
                float[] yv = new float[40];
                MatMul.matmul(w, x, t * 256, 1, yv, 0);
                for (int o = 0; o < 40; o++) {
                    assertEquals(yv[o], yg[t * 40 + o], 2e-6f * bound[t * 40 + o]);
                    // batch invariance: the same bits whatever T
                    assertEquals(Float.floatToIntBits(yv[o]), Float.floatToIntBits(yg[t * 40 + o]), type + " t=" + t + " o=" + o);
                }
            }
        }
    }

    /**
     * Q4_K / Q6_K: the kernels and the scalar reference accumulate the same exact per-group integer sums in the same
     * order, so they agree bit for bit — matvec and GEMM, any T, split across threads or not.
     */
    @Test
    void kQuantKernelsEqualReferenceBitForBit() {
        for (GgmlType type : new GgmlType[]{GgmlType.Q4_K, GgmlType.Q6_K}) {
            for (int[] s : new int[][]{{1, 256}, {7, 512}, {45, 768}, {300, 1024}, {1100, 512}}) {
                Tensor w = randomWeight(type, s[0], s[1], s[0] * 7L + s[1], s[0] % 3);
                for (int T : new int[]{1, 2, 6, 7, 13}) {
                    float[] x = randomX(T * s[1], T * 31L + s[1]);
                    float[] y = new float[T * s[0]], ref = new float[T * s[0]];
                    MatMul.matmul(w, x, 0, T, y, 0);
                    MatMulReference.matmul(w, x, 0, T, ref, 0);
                    for (int i = 0; i < y.length; i++) {
                        int fi = i;
                        assertEquals(Float.floatToIntBits(ref[i]), Float.floatToIntBits(y[i]),
                                () -> type + " " + s[0] + "x" + s[1] + " T=" + T + " i=" + fi + ": " + ref[fi] + " vs " + y[fi]);
                    }
                }
            }
        }
    }

    /** A Q6_K tensor of random bytes (every ql / qh bit pattern, signed scales over their range), d = ±0.0062. */
    static Tensor rawQ6K(int out, int in, long seed) {
        int blocks = out * in / 256;
        byte[] raw = new byte[blocks * 210];
        new Random(seed).nextBytes(raw);
        for (int sb = 0; sb < blocks; sb++) {
            raw[210 * sb + 208] = (byte) 0x66; // fp16 0x1E66 / 0x9E66
            raw[210 * sb + 209] = (byte) (sb % 3 == 0 ? 0x9E : 0x1E);
        }
        return new Tensor("w", GgmlType.Q6_K, new long[]{out, in}, MemorySegment.ofArray(raw));
    }

    /**
     * Q6_K from raw random bytes (every bit pattern of ql and qh, signed scales over their whole range), and at the
     * edge of its exactness bound: every 6-bit value 0 (weight −32), every scale −128 and activations that quantize
     * to −127, so each 32-group's sum is 32·(−32)·(−128)·(−127) = −16,646,144 (just under 2^24 in magnitude). The
     * row kernel (whose fields are cut out of bytes packed in 16-bit lanes), the few-token, token-lanes and GEMM
     * paths and the reference must agree bit for bit, and at the bound equal the exact value.
     */
    @Test
    void q6kRawBlocksAndTheirBoundAreExact() {
        int in = 512, out = 9;
        Tensor w = rawQ6K(out, in, 6);
        for (int T : new int[]{1, 3, 13, 40}) {
            float[] x = randomX(T * in, 17L * T);
            float[] y = new float[T * out], ref = new float[T * out];
            MatMul.matmul(w, x, 0, T, y, 0);
            MatMulReference.matmul(w, x, 0, T, ref, 0);
            for (int i = 0; i < y.length; i++) {
                int fi = i;
                assertEquals(Float.floatToIntBits(ref[i]), Float.floatToIntBits(y[i]), () -> "T=" + T + " i=" + fi + ": " + ref[fi] + " vs " + y[fi]);
            }
        }
        byte[] edge = new byte[out * 2 * 210];
        for (int sb = 0; sb < out * 2; sb++) {
            int p = 210 * sb;
            for (int i = 192; i < 208; i++) edge[p + i] = (byte) -128; // scales; ql and qh stay 0: every weight is −32
            edge[p + 208] = 0x00; edge[p + 209] = 0x3C; // d = 1.0
        }
        Tensor we = new Tensor("w", GgmlType.Q6_K, new long[]{out, in}, MemorySegment.ofArray(edge));
        float[] x = new float[3 * in];
        java.util.Arrays.fill(x, 2f); // iscale = −127 / 2: every q_x = −127, d_x = −2/127
        float dx = 1f / (-127f / 2f);
        float acc = 0f;
        for (int g = 0; g < in / 32; g++) acc = Math.fma(32f * -32 * -128 * -127, dx, acc);
        float[] y1 = new float[out], y3 = new float[3 * out], ref = new float[3 * out];
        MatMul.matmul(we, x, 0, 1, y1, 0);
        MatMul.matmul(we, x, 0, 3, y3, 0);
        MatMulReference.matmul(we, x, 0, 3, ref, 0);
        for (int o = 0; o < out; o++) {
            assertEquals(acc, ref[o], "reference");
            assertEquals(Float.floatToIntBits(acc), Float.floatToIntBits(y1[o]), "matvec");
            for (int t = 0; t < 3; t++) assertEquals(Float.floatToIntBits(acc), Float.floatToIntBits(y3[t * out + o]), "few tokens");
        }
        // and that is the dot product itself: weights (−32)·(−128) = 4096, activations 2
        assertEquals(in * 4096 * 2f, acc, 1e-5f * in * 4096 * 2);
    }

    /**
     * The Q6_K row kernels {@link MatMul#rowsQ6K} chooses between give the reference's bits on raw random blocks: the
     * integer-lane kernel at any width, the byte-cutting one at 256 bits where it is the 256-bit path (run the suite
     * with {@code -Dtest.jvm.extra=-XX:UseAVX=2} to check it on an AVX-512 machine; at 512 bits
     * {@code q6kRawBlocksAndTheirBoundAreExact} checks the 512-bit one through {@code rowsQ6K}).
     */
    @Test
    void q6kRowKernelsEqualTheReference() {
        int in = 1024, out = 37;
        Tensor w = rawQ6K(out, in, 66);
        float[] x = randomX(in, 5), ref = new float[out];
        MatMulReference.matmul(w, x, 0, 1, ref, 0);
        float[] q = new float[in], dx = new float[in / 32], nbs = new float[in / 32];
        MatMulReference.quantizeActivationQ8K(x, 0, in, q, 0, dx, 0, nbs, 0);
        float[] ints = new float[out + 3];
        MatMul.rowsQ6K256(w.data(), w.rowBytes(), in, q, dx, ints, 3, 0, out);
        for (int o = 0; o < out; o++) assertEquals(Float.floatToIntBits(ref[o]), Float.floatToIntBits(ints[o + 3]), "integer lanes, row " + o);
        if (MatMul.L == 8) {
            float[] bytes = new float[out + 3];
            MatMul.rowsQ6KBytes256(w.data(), w.rowBytes(), in, q, dx, bytes, 3, 0, out);
            for (int o = 0; o < out; o++) assertEquals(Float.floatToIntBits(ref[o]), Float.floatToIntBits(bytes[o + 3]), "bytes at 256 bits, row " + o);
        }
    }

    /**
     * Both Q4_K row kernels ({@link MatMul#rowsQ4K}, and {@link MatMul#rowsQ4KHalves} that {@link MatMul#Q4K_WATCH}
     * falls back to) give the reference's bits on raw random blocks (every nibble, 6-bit scale and min pattern).
     */
    @Test
    void q4kRowKernelsEqualTheReference() {
        int in = 1024, out = 37;
        byte[] raw = new byte[out * in / 256 * 144];
        new Random(67).nextBytes(raw);
        for (int sb = 0; sb < out * in / 256; sb++) {
            raw[144 * sb] = (byte) 0x66; raw[144 * sb + 1] = (byte) (sb % 3 == 0 ? 0x9E : 0x1E); // d = ±0.0062
            raw[144 * sb + 2] = (byte) 0x66; raw[144 * sb + 3] = 0x1A;                          // dmin = 0.0031
        }
        Tensor w = new Tensor("w", GgmlType.Q4_K, new long[]{out, in}, MemorySegment.ofArray(raw));
        float[] x = randomX(in, 7), ref = new float[out];
        MatMulReference.matmul(w, x, 0, 1, ref, 0);
        float[] q = new float[in], dx = new float[in / 32], nbs = new float[in / 32];
        MatMulReference.quantizeActivationQ8K(x, 0, in, q, 0, dx, 0, nbs, 0);
        int[] nbsI = new int[in / 32];
        for (int b = 0; b < in / 32; b++) nbsI[b] = (int) nbs[b];
        float[] whole = new float[out + 3], halves = new float[out + 3];
        MatMul.rowsQ4K(w.data(), w.rowBytes(), in, q, dx, nbsI, whole, 3, 0, out);
        MatMul.rowsQ4KHalves(w.data(), w.rowBytes(), in, q, dx, nbsI, halves, 3, 0, out);
        for (int o = 0; o < out; o++) {
            assertEquals(Float.floatToIntBits(ref[o]), Float.floatToIntBits(whole[o + 3]), "whole kernel, row " + o);
            assertEquals(Float.floatToIntBits(ref[o]), Float.floatToIntBits(halves[o + 3]), "halves, row " + o);
        }
    }

    /**
     * {@link KernelWatch}: a clean sampled call keeps the primary kernel, {@code SAMPLES} allocating ones in a row drop
     * it, also after it was kept (C2 compiling it again), sampled more sparsely then; on the fallback every
     * {@code TRIAL}th call runs the primary, and a clean trial brings it back (C2 had only not compiled it yet).
     */
    @Test
    void kernelWatchSwitchesOnSampledAllocationBothWays() {
        KernelWatch w = new KernelWatch("fast", "safe");
        assumeTrue(w.choice() == KernelWatch.WATCHING, "per-thread allocation is not measurable here");
        assertNull(w.describe(), "nothing has run yet");
        assertTrue(w.primary(KernelWatch.NOT_SAMPLED));
        assertEquals("watching", w.describe());
        int sampled = 0;
        for (long n = 1; n <= KernelWatch.WATCH_FROM + 10L * KernelWatch.EVERY; n++) {
            long a0 = w.begin();
            if (a0 != KernelWatch.NOT_SAMPLED) {
                assertTrue(n >= KernelWatch.WATCH_FROM && n % KernelWatch.EVERY == 0, "sampled call " + n);
                assertTrue(a0 >= 0, "the thread's allocated bytes");
                sampled++;
            }
        }
        assertEquals(10, sampled);
        // another thread's calls are its own count: none of them sampled before its own call WATCH_FROM
        int[] sampledThere = {0};
        Thread other = new Thread(() -> {
            for (int n = 1; n < KernelWatch.WATCH_FROM; n++) if (w.begin() != KernelWatch.NOT_SAMPLED) sampledThere[0]++;
        });
        other.start();
        assertDoesNotThrow(() -> other.join());
        assertEquals(0, sampledThere[0], "counted per thread");
        assertEquals(KernelWatch.WATCHING, w.choice(), "begin alone decides nothing");
        for (int i = 1; i < KernelWatch.SAMPLES; i++) w.record(1 << 20);
        assertEquals(KernelWatch.WATCHING, w.choice(), "one allocating sample short of the limit");
        w.record(96);
        assertEquals(KernelWatch.FALLBACK, w.choice(), "one boxed vector a call is boxed");
        assertFalse(w.primary(KernelWatch.NOT_SAMPLED));
        assertEquals("safe", w.describe());
        // on the fallback: a trial of the primary every TRIAL-th call
        int trials = 0;
        for (long n = 1; n <= 3L * KernelWatch.TRIAL; n++) {
            long a0 = w.begin();
            if (a0 != KernelWatch.NOT_SAMPLED) {
                assertTrue(w.primary(a0), "a sampled call on the fallback runs the primary");
                trials++;
            }
        }
        assertEquals(3, trials, "trials on the fallback");
        w.record(1 << 20);
        assertEquals(KernelWatch.FALLBACK, w.choice(), "a boxed trial keeps the fallback");
        trials = 0;
        for (long n = 1; n <= 4L * KernelWatch.TRIAL; n++) if (w.begin() != KernelWatch.NOT_SAMPLED) trials++;
        assertEquals(2, trials, "and doubles the spacing of trials");
        w.record(0);
        assertEquals(KernelWatch.PRIMARY, w.choice(), "a clean trial: compiled with its intrinsics by now");
        assertEquals("fast", w.describe());
        // the primary stays watched, every RECHECK-th call of this thread
        int rechecked = 0;
        for (long n = 1; n <= 3L * KernelWatch.RECHECK; n++) {
            if (w.begin() != KernelWatch.NOT_SAMPLED) rechecked++;
        }
        assertEquals(3, rechecked, "sampled sparsely on the primary");
        for (int i = 1; i < KernelWatch.SAMPLES; i++) w.record(1 << 20);
        w.record(0);
        for (int i = 1; i < KernelWatch.SAMPLES; i++) w.record(1 << 20);
        assertEquals(KernelWatch.PRIMARY, w.choice(), "a clean sample in between clears the count");
        w.record(1 << 20);
        assertEquals(KernelWatch.FALLBACK, w.choice(), "compiled again, boxed: the fallback");

        w.reset();
        w.record(-1);
        assertEquals(KernelWatch.FALLBACK, w.choice(), "allocation not measurable: the fallback");
        for (int n = 0; n < 2 * KernelWatch.TRIAL; n++) assertEquals(KernelWatch.NOT_SAMPLED, w.begin(), "and no trials");
        w.record(0);
        assertEquals(KernelWatch.FALLBACK, w.choice(), "for good");

        // end() measures the call between begin() and end(): an allocating one counts as boxed
        w.reset();
        long a0;
        while ((a0 = w.begin()) == KernelWatch.NOT_SAMPLED) { }
        byte[][] garbage = new byte[64][];
        for (int i = 0; i < garbage.length; i++) garbage[i] = new byte[1024];
        w.end(a0);
        assertEquals(KernelWatch.WATCHING, w.choice(), "one allocating sample");
        assertTrue(garbage[63].length > 0);
        while ((a0 = w.begin()) == KernelWatch.NOT_SAMPLED) { }
        w.end(a0);
        assertEquals(KernelWatch.PRIMARY, w.choice(), "a call that allocates nothing");
    }

    /** The Q8_K activation quantization (llama.cpp's quantize_row_q8_K_ref) on hand-picked values. */
    @Test
    void q8KActivationQuantization() {
        float[] x = new float[512];
        x[0] = -2f;      // the element of largest magnitude, negative: iscale = -127 / -2 = 63.5, d = 1 / 63.5
        x[1] = 1f;       // 63.5 -> 64 (half to even)
        x[2] = 0.5f;     // 31.75 -> 32
        x[3] = 1f / 127; // 0.5 -> 0
        x[40] = -1f;     // group 1
        // block 2 stays all zero: d = 0, q = 0
        float[] q = new float[512], d = new float[16], nbs = new float[16];
        MatMulReference.quantizeActivationQ8K(x, 0, 512, q, 0, d, 0, nbs, 0);
        assertEquals(-127f, q[0]);
        assertEquals(64f, q[1]);
        assertEquals(32f, q[2]);
        assertEquals(0f, q[3]);
        assertEquals(-64f, q[40]);
        assertEquals(1f / 63.5f, d[0]);
        for (int g = 0; g < 8; g++) assertEquals(d[0], d[g]);
        assertEquals(-(-127f + 64 + 32), nbs[0]);
        assertEquals(64f, nbs[1]);
        for (int g = 8; g < 16; g++) {
            assertEquals(0f, d[g]);
            assertEquals(0f, nbs[g] + 0f);
        }
        // a positive maximum: iscale = -127 / 4 is negative, so the integers flip sign and d = 1 / iscale < 0
        float[] y = new float[256];
        y[0] = 4f;
        y[1] = -4f;
        MatMulReference.quantizeActivationQ8K(y, 0, 256, q, 0, d, 0, nbs, 0);
        assertEquals(-127f, q[0]);
        assertEquals(127f, q[1]);
        assertEquals(1f / (-127f / 4f), d[0]);
    }

    @Test
    void integerBlockSumsAreExact() {
        // weights and activations that quantize with scale exactly 1: the result is the exact integer dot product
        int in = 64, out = 3;
        float[] wv = new float[out * in];
        float[] x = new float[in];
        Random r = new Random(1);
        for (int b = 0; b < in / 32; b++) {
            for (int i = 0; i < 32; i++) x[32 * b + i] = r.nextInt(255) - 127;
            x[32 * b] = 127; // amax = 127 -> d = 1
        }
        for (int o = 0; o < out; o++) {
            for (int b = 0; b < in / 32; b++) {
                for (int i = 0; i < 32; i++) wv[o * in + 32 * b + i] = r.nextInt(255) - 127;
                wv[o * in + 32 * b + 5] = -127;
            }
        }
        Tensor w = new Tensor("w", GgmlType.Q8_0, new long[]{out, in}, Quantize.quantize(GgmlType.Q8_0, wv, 0, wv.length));
        for (int T : new int[]{1, 3}) {
            float[] xs = new float[T * in];
            for (int t = 0; t < T; t++) System.arraycopy(x, 0, xs, t * in, in);
            float[] y = new float[T * out];
            MatMul.matmul(w, xs, 0, T, y, 0);
            for (int o = 0; o < out; o++) {
                long exact = 0;
                for (int i = 0; i < in; i++) exact += (long) wv[o * in + i] * (long) x[i];
                for (int t = 0; t < T; t++) assertEquals((float) exact, y[t * out + o], "T=" + T + " o=" + o);
            }
        }
    }

    /**
     * Q4_K at the edge of its exactness bound: every scale, min and nibble at its maximum (63, 63, 15) and activations
     * that quantize to ±127, so the half-super-block sums reach 4·63·32·15·127 = 15,361,920 (just under 2^24). The
     * matvec, the GEMM and the reference must agree bit for bit and equal the exact value.
     */
    @Test
    void q4kSuperBlockSumsAtTheirBoundAreExact() {
        int in = 512, out = 5;
        byte[] raw = new byte[out * 2 * 144];
        for (int sb = 0; sb < out * 2; sb++) {
            int p = 144 * sb;
            raw[p] = 0x00; raw[p + 1] = 0x3C;     // d = 1.0 (fp16)
            raw[p + 2] = 0x00; raw[p + 3] = 0x38; // dmin = 0.5
            for (int i = 4; i < 144; i++) raw[p + i] = (byte) 0xFF; // scales = mins = 63, every nibble 15
        }
        Tensor w = new Tensor("w", GgmlType.Q4_K, new long[]{out, in}, MemorySegment.ofArray(raw));
        for (float sign : new float[]{1f, -1f}) {
            float[] x = new float[3 * in];
            java.util.Arrays.fill(x, sign * 2f);
            float[] ref = new float[3 * out], y1 = new float[out], y3 = new float[3 * out];
            MatMulReference.matmul(w, x, 0, 3, ref, 0);
            MatMul.matmul(w, x, 0, 1, y1, 0);
            MatMul.matmul(w, x, 0, 3, y3, 0);
            float dx = 1f / (-127f / (sign * 2f));
            // the block's max is ±2 itself, iscale = -127 / (±2): every q_x = −127 and d_x = ∓2/127; −Σ q_x = 32·127
            float half = -4 * 63 * 32 * 15 * 127;
            float acc = 0f;
            for (int sb = 0; sb < 2; sb++) {
                acc = Math.fma(half, 1f * dx, acc);
                acc = Math.fma(half, 1f * dx, acc);
                acc = Math.fma(8 * 63 * 32 * 127, 0.5f * dx, acc);
            }
            // and that is the dot product itself: weights 63·15 − 0.5·63 = 913.5, activations ±2
            assertEquals(512 * 913.5 * 2 * sign, acc, 1e-5 * 512 * 913.5 * 2);
            for (int o = 0; o < out; o++) {
                assertEquals(acc, ref[o], "reference, sign " + sign);
                assertEquals(Float.floatToIntBits(acc), Float.floatToIntBits(y1[o]), "matvec, sign " + sign);
                for (int t = 0; t < 3; t++) assertEquals(Float.floatToIntBits(acc), Float.floatToIntBits(y3[t * out + o]), "gemm, sign " + sign);
            }
        }
    }

    @Test
    void activationQuantizationFollowsLlamaCppRounding() {
        float[] x = new float[32];
        x[0] = 127f; x[1] = 63.5f; x[2] = -63.5f; x[3] = 0.5f; x[4] = -0.5f; x[5] = 1.5f; x[6] = 2.5f; x[7] = -2.5f;
        x[8] = 126.49f; x[9] = -127f; x[10] = 3.4999998f;
        float[] q = new float[32];
        float[] d = new float[1];
        // x86 SIMD variant: id = 127/amax = 1, round half to even
        MatMulReference.quantizeActivation(x, 0, 32, q, 0, d, 0, true);
        assertEquals(1f, d[0]);
        float[] wantX86 = {127, 64, -64, 0, -0f, 2, 2, -2, 126, -127, 3};
        for (int i = 0; i < wantX86.length; i++) assertEquals(wantX86[i], q[i], "x86 q[" + i + "]");
        // generic C reference: id = 1/d = 1, roundf (half away from zero)
        MatMulReference.quantizeActivation(x, 0, 32, q, 0, d, 0, false);
        float[] wantRef = {127, 64, -64, 1, -1, 2, 3, -3, 126, -127, 3};
        for (int i = 0; i < wantRef.length; i++) assertEquals(wantRef[i], q[i], "ref q[" + i + "]");
        // scale is stored as fp16: amax = 100 -> d = 0.78740157 -> fp16 0.78759765625
        float[] y = new float[32];
        y[3] = -100f;
        MatMulReference.quantizeActivation(y, 0, 32, q, 0, d, 0, true);
        assertEquals(0.78759765625f, d[0]);
        assertEquals(-127f, q[3]);
        // all-zero block: d = 0, q = 0
        MatMulReference.quantizeActivation(new float[32], 0, 32, q, 0, d, 0, true);
        assertEquals(0f, d[0]);
        for (float v : q) assertEquals(0f, v);
    }

    @Test
    void vectorActivationQuantizationEqualsScalar() {
        Random r = new Random(3);
        int n = 32 * 200;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextGaussian();
            // plant exact ties: values that scale to k + 0.5 when amax = 127
            if (i % 32 == 0) x[i] = 127f;
            if (i % 32 == 1) x[i] = r.nextInt(200) - 100 + 0.5f;
        }
        for (boolean x86 : new boolean[]{true, false}) {
            float[] q1 = new float[n], q2 = new float[n], d1 = new float[n / 32], d2 = new float[n / 32];
            MatMulReference.quantizeActivation(x, 0, n, q1, 0, d1, 0, x86);
            if (x86 == MatMulReference.X86_ACT_ROUNDING) {
                MatMul.quantizeActivation(x, 0, n, q2, 0, d2, 0);
                for (int i = 0; i < n; i++) { q1[i] += 0f; q2[i] += 0f; } // -0 and +0 are the same integer
                assertArrayEquals(q1, q2);
                assertArrayEquals(d1, d2);
            }
        }
        assertEquals(3f, MatMulReference.roundHalfAway(2.5f));
        assertEquals(-3f, MatMulReference.roundHalfAway(-2.5f));
        assertEquals(0f, MatMulReference.roundHalfAway(0.49999997f));
        assertEquals(1f, MatMulReference.roundHalfAway(0.5f));
    }

    @Test
    void roundingOfActivationForHalfTypes() {
        // F16 weights: x is rounded to fp16 before the dot; a weight of 1 exposes it
        float[] one = {1f};
        float xv = 1.0001f; // not representable in fp16: rounds to 1.0
        for (GgmlType type : new GgmlType[]{GgmlType.F16, GgmlType.BF16}) {
            Tensor w = new Tensor("w", type, new long[]{1, 1}, Quantize.quantize(type, one, 0, 1));
            float[] y = new float[1];
            MatMul.matmul(w, new float[]{xv}, 0, 1, y, 0);
            assertEquals(1f, y[0], type.toString());
            float[] y2 = new float[2];
            MatMul.matmul(w, new float[]{xv, xv}, 0, 2, y2, 0);
            assertEquals(1f, y2[1], type.toString());
        }
    }

    @Test
    void f16SpecialValuesDecode() {
        short[] hs = {0, (short) 0x8000, 0x0001, (short) 0x8001, 0x03FF, 0x0400, 0x3C00, 0x7BFF, 0x7C00, (short) 0xFC00, 0x7E00, 0x3555};
        int n = hs.length;
        int in = 16; // one row per value, weight at column 0, rest zero
        byte[] bytes = new byte[n * in * 2];
        MemorySegment seg = MemorySegment.ofArray(bytes);
        for (int r = 0; r < n; r++) seg.set(Dequantize.I16, 2L * r * in, hs[r]);
        Tensor w = new Tensor("w", GgmlType.F16, new long[]{n, in}, seg);
        float[] x = new float[in];
        x[0] = 1f;
        float[] y = new float[n];
        MatMul.matmul(w, x, 0, 1, y, 0);
        for (int r = 0; r < n; r++) {
            float want = Float.float16ToFloat(hs[r]);
            assertEquals(Float.floatToIntBits(want * 1f + 0f), Float.floatToIntBits(y[r] + 0f), "half 0x" + Integer.toHexString(hs[r] & 0xFFFF));
        }
    }

    @Test
    void zeroTAndValidation() {
        Tensor w = randomWeight(GgmlType.F32, 4, 8, 1, 0);
        MatMul.matmul(w, new float[0], 0, 0, new float[0], 0);
        assertThrows(IndexOutOfBoundsException.class, () -> MatMul.matmul(w, new float[7], 0, 1, new float[4], 0));
        assertThrows(IndexOutOfBoundsException.class, () -> MatMul.matmul(w, new float[8], 0, 1, new float[3], 0));
    }
}
