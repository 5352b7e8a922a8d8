package io.jamba4j.tensor;

import io.jamba4j.kernels.Dequantize;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class TensorTest {
    @Test
    void sliceViewsOneOuterIndexWithoutCopy() {
        float[] v = new float[2 * 3 * 4];
        for (int i = 0; i < v.length; i++) v[i] = i;
        Tensor t = Tensor.ofFloats("w", v, 2, 3, 4);
        Tensor s = t.slice(1);
        assertArrayEquals(new long[]{3, 4}, s.shape());
        assertEquals(12f, s.toFloats()[0]);
        assertEquals(3, s.rows());
        assertEquals(4, s.cols());
        assertThrows(IndexOutOfBoundsException.class, () -> t.slice(2));
    }

    @Test
    void rejectsByteCountThatDoesNotMatchShape() {
        var seg = java.lang.foreign.MemorySegment.ofArray(new byte[10]);
        var e = assertThrows(IllegalArgumentException.class, () -> new Tensor("x", GgmlType.F32, new long[]{3}, seg));
        assertTrue(e.getMessage().contains("'x'"), e.getMessage());
    }

    @Test
    void bf16RoundsToNearestEven() {
        assertEquals(1.0f, Dequantize.bf16ToFloat(Dequantize.floatToBf16(1.0f)));
        float f = Float.intBitsToFloat(0x3F808000); // exactly half-way between two bf16 values: ties to even
        assertEquals(0x3F80, Dequantize.floatToBf16(f) & 0xFFFF);
        float g = Float.intBitsToFloat(0x3F818000);
        assertEquals(0x3F82, Dequantize.floatToBf16(g) & 0xFFFF);
    }
}
