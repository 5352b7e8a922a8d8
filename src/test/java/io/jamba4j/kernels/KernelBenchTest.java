package io.jamba4j.kernels;

import io.jamba4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class KernelBenchTest {
    static Tensor ones(Arena arena, long... shape) {
        long n = Tensor.numElements(shape);
        MemorySegment seg = arena.allocate(4 * n, 64);
        for (long i = 0; i < n; i++) seg.setAtIndex(Tensor.F32_LE, i, 1f);
        return new Tensor("ones", io.jamba4j.tensor.GgmlType.F32, shape, seg);
    }

    /**
     * The weights-read probe reads every row of every tensor once, whether a tensor is split across the threads
     * (matrices of 4 KiB, 256 B and 8 KiB rows) or read on the calling thread (a small matrix, a vector): summing
     * ones counts the floats read.
     */
    @Test
    void weightsReadCoversEveryRowOnce() {
        try (Arena arena = Arena.ofShared()) { // read by the pool's threads
            List<Tensor> ts = List.of(ones(arena, 4096, 1024), ones(arena, 2048, 64), ones(arena, 96, 2048),
                    ones(arena, 8, 1024), ones(arena, 1024), ones(arena, 1000));
            // the 1000-float vector is read up to a multiple of two vectors (at most 2 × 64 bytes short)
            long pair = 2L * MatMul.F.vectorByteSize() / 4;
            double want = 4096 * 1024 + 2048 * 64 + 96 * 2048 + 8 * 1024 + 1024 + 1000 / pair * pair;
            for (int pass = 0; pass < 3; pass++) assertEquals(want, KernelBench.readPass(ts), "pass " + pass);
            assertTrue(KernelBench.weightsRead(ts, 1, 1_000_000L) > 0);
        }
        assertThrows(IllegalArgumentException.class, () -> KernelBench.weightsRead(List.of(), 1, 1));
    }

    /** The bandwidth probe's pass reads every float once with either pattern, and refuses a size it cannot split. */
    @Test
    void bandwidthPassReadsEveryFloatOnce() {
        try (Arena arena = Arena.ofShared()) {
            long floats = 1 << 20; // 4 MiB: 256 chunks of 16 KiB
            MemorySegment seg = arena.allocate(4 * floats, 64);
            for (long i = 0; i < floats; i++) seg.setAtIndex(Tensor.F32_LE, i, 1f);
            assertEquals(floats, KernelBench.bandwidthPass(seg, 2));
            assertEquals(floats, KernelBench.bandwidthPass(seg, 4));
            var e = assertThrows(IllegalArgumentException.class, () -> KernelBench.bandwidthPass(seg.asSlice(0, 4 * floats - 256), 2));
            assertTrue(e.getMessage().contains("256 chunks"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> KernelBench.bandwidthPass(seg, 3));
        }
        assertEquals(2.0 * MatMul.F.length() * 12 * 1000 * Parallel.threads(), KernelBench.fmaPass(1000));
    }

    /**
     * Every part of the taken-apart F32 matrix × vector reads each weight once: over ones (4099 rows, so that rows are
     * left over after the quarters), with an activation of ones, each row's result is its length (× the constant of
     * the part without activation loads) and each read's sum is the number of floats; a non-F32 matrix is refused.
     */
    @Test
    void f32PartsReadEveryWeightOnce() {
        try (Arena arena = Arena.ofShared()) {
            int rows = 4099, in = 1024;
            Tensor w = ones(arena, rows, in);
            MemorySegment x = arena.allocate(4L * in, 64);
            float[] xHeap = new float[in];
            for (int i = 0; i < in; i++) {
                x.setAtIndex(Tensor.F32_LE, i, 1f);
                xHeap[i] = 1f;
            }
            for (KernelBench.F32Part part : KernelBench.F32Part.values()) {
                float[] y = new float[rows];
                float sum = KernelBench.f32PartPass(w, x, xHeap, y, part);
                switch (part) {
                    // each thread's part is whole 4 KiB rows, a multiple of 4 vectors: read to its last float
                    case READ, READ_FOUR_STREAMS -> assertEquals((float) rows * in, sum, part.toString());
                    default -> {
                        float want = part == KernelBench.F32Part.X_IN_REGISTER ? in * 1.0001f : in;
                        for (int r = 0; r < rows; r++) assertEquals(want, y[r], want * 1e-6f, part + " row " + r);
                    }
                }
            }
            Tensor q = new Tensor("q", io.jamba4j.tensor.GgmlType.Q8_0, new long[]{4, 32}, arena.allocate(4 * 34));
            var e = assertThrows(IllegalArgumentException.class, () -> KernelBench.f32PartPass(q, x, xHeap, new float[4], KernelBench.F32Part.KERNEL));
            assertTrue(e.getMessage().contains("q is Q8_0"), e.getMessage());
        }
    }
}
