package io.jamba4j.format;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

class NpyTest {
    @TempDir
    Path tmp;

    @Test
    void float32RoundTrip() throws IOException {
        float[] v = {1, -2.5f, Float.NaN, Float.MIN_VALUE, 5, 6};
        for (int[] shape : new int[][]{{2, 3}, {6}, {1, 2, 3}}) {
            Path p = tmp.resolve("a.npy");
            Npy.writeFloat32(p, v, shape);
            byte[] b = Files.readAllBytes(p);
            int hl = (b[8] & 0xFF) | (b[9] & 0xFF) << 8;
            assertEquals(0, (10 + hl) % 64);
            assertEquals('\n', b[10 + hl - 1]);
            NpyArray a = Npy.read(p);
            assertArrayEquals(shape, a.shape());
            assertEquals(Arrays.toString(v), Arrays.toString(a.data()));
        }
        Path s = tmp.resolve("scalar.npy");
        Npy.writeFloat32(s, new float[]{3});
        assertArrayEquals(new int[0], Npy.read(s).shape());
        String header = new String(Files.readAllBytes(tmp.resolve("a.npy")), 10, 70, StandardCharsets.US_ASCII);
        assertTrue(header.startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 3), }"), header);
        Npy.writeFloat32(tmp.resolve("one.npy"), new float[]{1, 2}, 2);
        assertTrue(Files.readString(tmp.resolve("one.npy"), StandardCharsets.ISO_8859_1).contains("'shape': (2,), }"));
        assertThrows(IllegalArgumentException.class, () -> Npy.writeFloat32(tmp.resolve("x.npy"), v, 4));
    }

    @Test
    void int32RoundTrip() throws IOException {
        Path p = tmp.resolve("i.npy");
        Npy.writeInt32(p, new int[]{1, -2, Integer.MAX_VALUE}, 3);
        NpyIntArray a = Npy.readInt32(p);
        assertArrayEquals(new int[]{3}, a.shape());
        assertArrayEquals(new int[]{1, -2, Integer.MAX_VALUE}, a.data());
        FormatException e = assertThrows(FormatException.class, () -> Npy.read(p));
        assertTrue(e.getMessage().contains("<i4") && e.getMessage().contains("readInt32"), e.getMessage());
    }

    @Test
    void readsFixtureLogprobs() throws IOException {
        for (String n : Fixtures.NAMES) {
            Path dir = Fixtures.root().resolve(n).resolve("ref");
            JsonNode eval = SafetensorsFile.JSON.readTree(dir.resolve("eval.json").toFile());
            NpyArray a = Npy.read(dir.resolve("logprobs.npy"));
            assertEquals(2, a.shape().length);
            assertEquals(512, a.shape()[1]);
            assertEquals(eval.get("logits_rows").size(), a.shape()[0]);
            assertEquals(a.rows() * a.cols(), a.data().length);
            // log-probabilities: every row's exp sums to ~1
            double sum = 0;
            for (float x : a.row(0)) sum += Math.exp(x);
            assertEquals(1.0, sum, 1e-3);
        }
    }

    private static Path handMade(Path p, String header, int version, byte[] data) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.ISO_8859_1);
        int pre = version == 1 ? 10 : 12;
        ByteBuffer bb = ByteBuffer.allocate(pre + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        bb.put(new byte[]{(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) version, 0});
        if (version == 1) bb.putShort((short) h.length);
        else bb.putInt(h.length);
        bb.put(h).put(data);
        Files.write(p, bb.array());
        return p;
    }

    @Test
    void readsFloat64AndVersion2() throws IOException {
        ByteBuffer d = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putDouble(1.25).putDouble(-3);
        Path p = handMade(tmp.resolve("d.npy"), "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }\n", 1, d.array());
        assertArrayEquals(new float[]{1.25f, -3f}, Npy.read(p).data());
        Path q = handMade(tmp.resolve("v2.npy"), "{\"shape\": (1, 2), \"fortran_order\": False, \"descr\": \"<f8\"}", 2, d.array());
        assertArrayEquals(new int[]{1, 2}, Npy.read(q).shape());
    }

    private FormatException fails(Path p, String... fragments) {
        FormatException e = assertThrows(FormatException.class, () -> Npy.read(p));
        assertTrue(e.getMessage().startsWith(p + ": "), e.getMessage());
        for (String f : fragments) assertTrue(e.getMessage().contains(f), "'" + f + "' not in: " + e.getMessage());
        return e;
    }

    @Test
    void brokenFiles() throws IOException {
        Path p = tmp.resolve("b.npy");
        byte[] four = new byte[8];
        fails(handMade(p, "{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", 1, four), ">f4");
        fails(handMade(p, "{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }", 1, four), "fortran_order");
        fails(handMade(p, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", 1, four), "needs 12", "truncated");
        fails(handMade(p, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", 1, four), "needs 4");
        fails(handMade(p, "{'descr': '<f4', 'fortran_order': False, 'shape': (99999, 99999), }", 1, four), "too many elements");
        fails(handMade(p, "{'descr': '<f4', 'shape': (2,), }", 1, four), "lacks");
        fails(handMade(p, "{'descr': '<f4' 'fortran_order': False}", 1, four), "malformed header");
        fails(handMade(p, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, -1), }", 1, four), "malformed header");
        fails(handMade(p, "{'descr': '<U4', 'fortran_order': False, 'shape': (2,), }", 1, four), "<U4");
        Files.write(p, "hello, world".getBytes(StandardCharsets.US_ASCII));
        fails(p, "bad magic");
        Files.write(p, new byte[3]);
        fails(p, "only 3 bytes");
        byte[] ok = Files.readAllBytes(Fixtures.root().resolve("A-tiny-dense/ref/logprobs.npy"));
        ByteBuffer.wrap(ok).order(ByteOrder.LITTLE_ENDIAN).putShort(8, (short) 0xFFFF);
        Files.write(p, Arrays.copyOf(ok, 1000));
        fails(p, "header length 65535 extends beyond");
    }
}
