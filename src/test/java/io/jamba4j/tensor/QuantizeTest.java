package io.jamba4j.tensor;

import io.jamba4j.kernels.Dequantize;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class QuantizeTest {
    static float[] roundTrip(GgmlType type, float[] v) {
        MemorySegment seg = Quantize.quantize(type, v, 0, v.length);
        assertEquals(type.bytesFor(v.length), seg.byteSize());
        float[] back = new float[v.length];
        Dequantize.row(type, seg, 0, v.length, back, 0);
        return back;
    }

    @Test
    void floatTypesRoundTrip() {
        Random r = new Random(1);
        float[] v = new float[1000];
        for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian() * 10;
        assertArrayEquals(v, roundTrip(GgmlType.F32, v));
        float[] h = roundTrip(GgmlType.F16, v);
        float[] b = roundTrip(GgmlType.BF16, v);
        for (int i = 0; i < v.length; i++) {
            assertEquals(Float.float16ToFloat(Float.floatToFloat16(v[i])), h[i]);
            assertEquals(v[i], h[i], Math.abs(v[i]) * 0x1p-11f);
            assertEquals(v[i], b[i], Math.abs(v[i]) * 0x1p-8f);
        }
        // round to nearest even on ties: 1 + 2^-11 is halfway between fp16 1 and 1 + 2^-10
        assertEquals(1f, roundTrip(GgmlType.F16, new float[]{1f + 0x1p-11f})[0]);
        assertEquals(1f + 0x1p-9f, roundTrip(GgmlType.F16, new float[]{1f + 0x1p-10f + 0x1p-11f})[0]);
    }

    @Test
    void q8_0RoundTripWithinHalfAStep() {
        Random r = new Random(2);
        float[] v = new float[32 * 50];
        for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian() * (1 + i / 32);
        float[] back = roundTrip(GgmlType.Q8_0, v);
        for (int b = 0; b < v.length / 32; b++) {
            float amax = 0;
            for (int i = 0; i < 32; i++) amax = Math.max(amax, Math.abs(v[32 * b + i]));
            float d = amax / 127;
            float d16 = Float.float16ToFloat(Float.floatToFloat16(d)); // the stored scale
            float tol = 0.5f * d16 + 128 * Math.abs(d16 - d) + 1e-6f * amax;
            for (int i = 0; i < 32; i++) assertEquals(v[32 * b + i], back[32 * b + i], tol);
        }
    }

    @Test
    void q8_0HandComputedBlock() {
        float[] v = new float[32];
        v[0] = 127f; v[1] = 0.5f; v[2] = -0.5f; v[3] = 2.5f; v[4] = -2.5f; v[5] = -127f; v[6] = 1.49f;
        MemorySegment seg = Quantize.quantize(GgmlType.Q8_0, v, 0, 32);
        assertEquals(Float.floatToFloat16(1f), seg.get(ValueLayout.JAVA_SHORT_UNALIGNED, 0)); // d = 127/127 = 1
        byte[] want = {127, 1, -1, 3, -3, -127, 1}; // roundf: halfway cases away from zero
        for (int i = 0; i < want.length; i++) assertEquals(want[i], seg.get(ValueLayout.JAVA_BYTE, 2 + i), "q[" + i + "]");
        for (int i = want.length; i < 32; i++) assertEquals(0, seg.get(ValueLayout.JAVA_BYTE, 2 + i));
    }

    @Test
    void q8_0EdgeCases() {
        // all zero: d = 0, q = 0
        MemorySegment z = Quantize.quantize(GgmlType.Q8_0, new float[32], 0, 32);
        for (long i = 0; i < 34; i++) assertEquals(0, z.get(ValueLayout.JAVA_BYTE, i));
        // one huge value: it maps to +-127, the small ones to 0
        float[] v = new float[32];
        for (int i = 0; i < 32; i++) v[i] = 0.001f * i;
        v[17] = -1e6f;
        MemorySegment seg = Quantize.quantize(GgmlType.Q8_0, v, 0, 32);
        assertEquals(-127, seg.get(ValueLayout.JAVA_BYTE, 2 + 17));
        assertEquals(0, seg.get(ValueLayout.JAVA_BYTE, 2 + 31));
        assertEquals(Float.float16ToFloat(Float.floatToFloat16(1e6f / 127f)), Float.float16ToFloat(seg.get(ValueLayout.JAVA_SHORT_UNALIGNED, 0)));
    }

    @Test
    void q4_0HandComputedBlockAndNibbleOrder() {
        float[] v = new float[32];
        // max magnitude element is negative: d = max / -8 = 1 -> q = x + 8 (truncated after + 8.5)
        v[0] = -8f; v[1] = 7f; v[2] = 0.4f; v[3] = 0.5f; v[16] = -1f; v[17] = 3.6f; v[31] = -7.5f;
        MemorySegment seg = Quantize.quantize(GgmlType.Q4_0, v, 0, 32);
        assertEquals(1f, Float.float16ToFloat(seg.get(ValueLayout.JAVA_SHORT_UNALIGNED, 0)));
        int[] q = new int[32];
        for (int j = 0; j < 16; j++) {
            int b = seg.get(ValueLayout.JAVA_BYTE, 2 + j) & 0xFF;
            q[j] = b & 0xF;
            q[j + 16] = b >>> 4;
        }
        assertEquals(0, q[0]);   // -8 + 8.5 = 0.5 -> 0
        assertEquals(15, q[1]);  // 7 + 8.5 = 15.5 -> 15
        assertEquals(8, q[2]);   // 8.9 -> 8
        assertEquals(9, q[3]);   // 9.0 -> 9
        assertEquals(7, q[16]);  // 7.5 -> 7
        assertEquals(12, q[17]); // 12.1 -> 12
        assertEquals(1, q[31]);  // 1.0 -> 1
        assertEquals(8, q[5]);   // zero -> 8
        float[] back = new float[32];
        Dequantize.row(GgmlType.Q4_0, seg, 0, 32, back, 0);
        assertEquals(-8f, back[0]);
        assertEquals(7f, back[1]);
        assertEquals(4f, back[17]);
    }

    @Test
    void q4_0EdgeCases() {
        // positive max: d = max / -8 is negative, the max itself maps to q = 0 (value -8 * d = max)
        float[] v = new float[32];
        v[4] = 16f; v[5] = -16f + 1; v[6] = 2f;
        MemorySegment seg = Quantize.quantize(GgmlType.Q4_0, v, 0, 32);
        assertEquals(-2f, Float.float16ToFloat(seg.get(ValueLayout.JAVA_SHORT_UNALIGNED, 0)));
        float[] back = new float[32];
        Dequantize.row(GgmlType.Q4_0, seg, 0, 32, back, 0);
        assertEquals(16f, back[4]);
        assertEquals(-14f, back[5]); // -15 / -2 + 8.5 = 16 -> clamped to 15 -> (15 - 8) * -2 = -14
        assertEquals(2f, back[6]);
        // all zero: d = 0 / -8 = -0 (stored as fp16 0x8000, as llama.cpp does), every nibble 8, decodes to 0
        MemorySegment z = Quantize.quantize(GgmlType.Q4_0, new float[32], 0, 32);
        assertEquals((short) 0x8000, z.get(ValueLayout.JAVA_SHORT_UNALIGNED, 0));
        for (long i = 2; i < 18; i++) assertEquals((byte) 0x88, z.get(ValueLayout.JAVA_BYTE, i));
        // round trip within one step
        Random r = new Random(4);
        float[] w = new float[32 * 40];
        for (int i = 0; i < w.length; i++) w[i] = (float) r.nextGaussian();
        float[] wb = roundTrip(GgmlType.Q4_0, w);
        for (int b = 0; b < w.length / 32; b++) {
            float amax = 0;
            for (int i = 0; i < 32; i++) amax = Math.max(amax, Math.abs(w[32 * b + i]));
            for (int i = 0; i < 32; i++) assertEquals(w[32 * b + i], wb[32 * b + i], amax / 8 * 1.01f); // one step
        }
    }

    @Test
    void streamingIntoSegmentAtOffset() {
        float[] v = new float[64];
        for (int i = 0; i < 64; i++) v[i] = i - 30;
        MemorySegment big = MemorySegment.ofArray(new byte[200]);
        Quantize.quantize(GgmlType.Q8_0, v, 32, 32, big, 5);
        MemorySegment one = Quantize.quantize(GgmlType.Q8_0, v, 32, 32);
        assertEquals(-1, big.asSlice(5, 34).mismatch(one));
        assertThrows(IllegalArgumentException.class, () -> Quantize.quantize(GgmlType.Q8_0, v, 0, 31));
        assertEquals(3f, Quantize.roundf(2.5f));
        assertEquals(-3f, Quantize.roundf(-2.5f));
        assertEquals(0f, Quantize.roundf(0.49999997f));
    }
}
