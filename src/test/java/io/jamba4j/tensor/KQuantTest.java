package io.jamba4j.tensor;

import io.jamba4j.kernels.Dequantize;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** Q4_K and Q6_K (llama.cpp's k-quants): block layouts, the reference quantizers, round trips. */
class KQuantTest {
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    static byte[] resource(String name) throws IOException {
        try (InputStream in = KQuantTest.class.getResourceAsStream("/kquants/" + name)) {
            assertNotNull(in, name);
            return in.readAllBytes();
        }
    }

    static float[] floats(byte[] b) {
        float[] f = new float[b.length / 4];
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
        return f;
    }

    /**
     * kquants/q4_k.bin and q6_k.bin are the output of llama.cpp's {@code quantize_row_q4_K_ref} /
     * {@code quantize_row_q6_K_ref} (libggml-base from node-llama-cpp 3.22.1, llama.cpp release v0.5.0 build) on
     * kquants/input.f32: 16 super-blocks of gaussian, tiny, outlier, one-signed, all-zero, constant, mixed-magnitude,
     * integer and uniform values.
     */
    @Test
    void quantizersAreByteIdenticalToLlamaCpp() throws IOException {
        float[] x = floats(resource("input.f32"));
        for (GgmlType type : new GgmlType[]{GgmlType.Q4_K, GgmlType.Q6_K}) {
            byte[] want = resource(type.name().toLowerCase() + ".bin");
            byte[] got = Quantize.quantize(type, x, 0, x.length).toArray(ValueLayout.JAVA_BYTE);
            assertEquals(want.length, got.length, type.toString());
            for (int i = 0; i < want.length; i++) {
                int blk = i / type.typeSize;
                assertEquals(want[i], got[i], type + ": byte " + (i % type.typeSize) + " of super-block " + blk);
            }
        }
    }

    /** Packs 8 six-bit scales and mins the way ggml's get_scale_min_k4 reads them (written from the layout spec). */
    static byte[] packScaleMin(int[] sc, int[] m) {
        byte[] s = new byte[12];
        for (int j = 0; j < 4; j++) {
            s[j] = (byte) (sc[j] | (sc[j + 4] >> 4) << 6);
            s[j + 4] = (byte) (m[j] | (m[j + 4] >> 4) << 6);
            s[j + 8] = (byte) ((sc[j + 4] & 0xF) | (m[j + 4] & 0xF) << 4);
        }
        return s;
    }

    @Test
    void q4_KHandBuiltBlock() {
        int[] sc = {1, 2, 3, 63, 17, 33, 48, 63};
        int[] m = {0, 5, 10, 62, 20, 40, 60, 1};
        int[] q = new int[256];
        Random r = new Random(4);
        for (int i = 0; i < 256; i++) q[i] = r.nextInt(16);
        q[0] = 15; q[32] = 0; q[255] = 15;
        byte[] b = new byte[144];
        MemorySegment seg = MemorySegment.ofArray(b);
        seg.set(I16, 0, Float.floatToFloat16(0.5f));
        seg.set(I16, 2, Float.floatToFloat16(0.25f));
        System.arraycopy(packScaleMin(sc, m), 0, b, 4, 12);
        // nibbles: byte 16 + 32c + i holds element 64c + i (low) and 64c + 32 + i (high)
        for (int c = 0; c < 4; c++) for (int i = 0; i < 32; i++) b[16 + 32 * c + i] = (byte) (q[64 * c + i] | q[64 * c + 32 + i] << 4);
        float[] out = new float[256];
        Dequantize.row(GgmlType.Q4_K, seg, 0, 256, out, 0);
        for (int k = 0; k < 256; k++) {
            int g = k / 32;
            assertEquals(0.5f * sc[g] * q[k] - 0.25f * m[g], out[k], "element " + k);
        }
        // a few literal values: sub-block 0 (sc 1, m 0) element 0 = 0.5·15; sub-block 1 element 32 = 0 − 0.25·5
        assertEquals(7.5f, out[0]);
        assertEquals(-1.25f, out[32]);
        assertEquals(0.5f * 63 * 15 - 0.25f, out[255]);
        for (int j = 0; j < 8; j++) {
            int sm = Dequantize.q4kScaleMin(j, b, 4);
            assertEquals(sc[j], sm & 0xFF, "scale " + j);
            assertEquals(m[j], sm >>> 8, "min " + j);
        }
    }

    @Test
    void q6_KHandBuiltBlock() {
        int[] sc = new int[16];
        int[] q = new int[256];
        Random r = new Random(5);
        for (int j = 0; j < 16; j++) sc[j] = r.nextInt(256) - 128;
        sc[0] = -128; sc[15] = 127;
        for (int i = 0; i < 256; i++) q[i] = r.nextInt(64);
        q[0] = 0; q[1] = 63;
        byte[] b = new byte[210];
        // element k = 128h + 32t + l: low 4 bits in ql[64h + 32(t&1) + l] (low nibble t < 2, high nibble t >= 2),
        // top 2 bits at bit 2t of qh[32h + l]; scale sc[k / 16]
        for (int k = 0; k < 256; k++) {
            int h = k / 128, t = (k % 128) / 32, l = k % 32;
            int qi = 64 * h + 32 * (t & 1) + l;
            b[qi] |= (byte) ((q[k] & 0xF) << (t < 2 ? 0 : 4));
            b[128 + 32 * h + l] |= (byte) ((q[k] >> 4) << (2 * t));
        }
        for (int j = 0; j < 16; j++) b[192 + j] = (byte) sc[j];
        MemorySegment seg = MemorySegment.ofArray(b);
        seg.set(I16, 208, Float.floatToFloat16(0.125f));
        float[] out = new float[256];
        Dequantize.row(GgmlType.Q6_K, seg, 0, 256, out, 0);
        for (int k = 0; k < 256; k++) assertEquals(0.125f * sc[k / 16] * (q[k] - 32), out[k], "element " + k);
        assertEquals(0.125f * -128 * -32, out[0]);
        assertEquals(0.125f * -128 * 31, out[1]);
    }

    static double relRms(float[] v, float[] back) {
        double e = 0, s = 0;
        for (int i = 0; i < v.length; i++) {
            e += (v[i] - back[i]) * (double) (v[i] - back[i]);
            s += v[i] * (double) v[i];
        }
        return Math.sqrt(e / s);
    }

    @Test
    void roundTripErrorBounds() {
        Random r = new Random(6);
        float[] v = new float[256 * 64];
        for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian() * (1 + (i / 256) % 5);
        float[] q4 = QuantizeTest.roundTrip(GgmlType.Q4_K, v);
        float[] q6 = QuantizeTest.roundTrip(GgmlType.Q6_K, v);
        double e4 = relRms(v, q4), e6 = relRms(v, q6);
        // 4 bits over a 32-value range (≈ 5σ): step ≈ σ/3, RMS ≈ step/√12 ≈ 0.1σ; the fit does somewhat better.
        // 6 bits signed over 16 values: step ≈ amax/32 ≈ σ/16, RMS ≈ 0.02σ
        assertTrue(e4 < 0.11, "Q4_K relative RMS error " + e4);
        assertTrue(e6 < 0.025, "Q6_K relative RMS error " + e6);
        assertTrue(e6 < e4 / 3, "Q6_K should be much finer than Q4_K: " + e6 + " vs " + e4);
        // per element: a Q4_K value is at most about one step of its sub-block away
        for (int b = 0; b < v.length / 32; b++) {
            float lo = 0, hi = 0;
            for (int i = 0; i < 32; i++) {
                lo = Math.min(lo, v[32 * b + i]);
                hi = Math.max(hi, v[32 * b + i]);
            }
            float step = (hi - lo) / 15;
            for (int i = 0; i < 32; i++) assertEquals(v[32 * b + i], q4[32 * b + i], 1.1f * step, "Q4_K element " + (32 * b + i));
        }
        for (int b = 0; b < v.length / 16; b++) {
            float amax = 0;
            for (int i = 0; i < 16; i++) amax = Math.max(amax, Math.abs(v[16 * b + i]));
            for (int i = 0; i < 16; i++) assertEquals(v[16 * b + i], q6[16 * b + i], amax / 32 * 1.1f, "Q6_K element " + (16 * b + i));
        }
        // zeros stay exactly zero; an all-zero super-block is all zero bytes in Q6_K
        float[] z = new float[512];
        for (GgmlType t : new GgmlType[]{GgmlType.Q4_K, GgmlType.Q6_K}) {
            for (float f : QuantizeTest.roundTrip(t, z)) assertEquals(0f, f + 0f, t.toString()); // -0 == 0 here
        }
        for (byte x : Quantize.quantize(GgmlType.Q6_K, z, 0, 256).toArray(ValueLayout.JAVA_BYTE)) assertEquals(0, x);
        assertThrows(IllegalArgumentException.class, () -> Quantize.quantize(GgmlType.Q4_K, new float[300], 0, 300));
    }

    @Test
    void nearestIntRoundsHalfToEven() {
        assertEquals(2, Quantize.nearestInt(2.5f));
        assertEquals(4, Quantize.nearestInt(3.5f));
        assertEquals(-2, Quantize.nearestInt(-2.5f));
        assertEquals(0, Quantize.nearestInt(0.49999997f));
        assertEquals(-127, Quantize.nearestInt(-127.2f));
        assertEquals(4194303, Quantize.nearestInt(4194303f));
    }
}
