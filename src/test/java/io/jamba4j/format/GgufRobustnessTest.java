package io.jamba4j.format;

import io.jamba4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.*;

/** Broken GGUF files, made by mutating copies of the fixtures: each must fail with a FormatException naming the file. */
class GgufRobustnessTest {
    @TempDir
    Path tmp;

    private byte[] a() throws IOException {
        return Files.readAllBytes(Fixtures.gguf("A-tiny-dense"));
    }

    private Path save(String name, byte[] b) throws IOException {
        Path p = tmp.resolve(name);
        Files.write(p, b);
        return p;
    }

    private FormatException fails(byte[] b, String... fragments) throws IOException {
        Path p = save("broken.gguf", b);
        FormatException e = assertThrows(FormatException.class, () -> GgufFile.open(p).close());
        String m = e.getMessage();
        assertTrue(m.startsWith(p.toString() + ": "), m);
        for (String f : fragments) assertTrue(m.contains(f), "'" + f + "' not in: " + m);
        return e;
    }

    private byte[] mutate(byte[] src, Consumer<ByteBuffer> edit) {
        byte[] b = src.clone();
        edit.accept(Fixtures.le(b));
        return b;
    }

    /** Position of the n_dims field of the tensor info of {@code name}. */
    private static int tensorInfo(byte[] b, String name) {
        return Fixtures.afterGgufString(b, name);
    }

    private static long dataOffset(Path p) throws IOException {
        try (GgufFile f = GgufFile.open(p)) {
            return f.dataOffset();
        }
    }

    @Test
    void badMagicAndVersions() throws IOException {
        byte[] b = a();
        fails(mutate(b, bb -> bb.put(0, (byte) 'X')), "not a GGUF file", "magic");
        fails(mutate(b, bb -> bb.putInt(4, 1)), "version 1");
        fails(mutate(b, bb -> bb.putInt(4, 7)), "version 7");
        fails(mutate(b, bb -> bb.putInt(4, Integer.reverseBytes(3))), "big-endian");
        fails(new byte[0], "not a GGUF file");
        fails(Arrays.copyOf(b, 3), "not a GGUF file");
        fails("hello world, this is text".getBytes(StandardCharsets.US_ASCII), "not a GGUF file");
    }

    @Test
    void version2IsAccepted() throws IOException {
        Path p = save("v2.gguf", mutate(a(), bb -> bb.putInt(4, 2)));
        try (GgufFile f = GgufFile.open(p)) {
            assertEquals(2, f.version());
            assertEquals(63, f.tensors().size());
        }
    }

    @Test
    void truncatedAnywhereInHeaderOrData() throws IOException {
        byte[] b = a();
        long lastEnd;
        try (GgufFile f = GgufFile.open(Fixtures.gguf("A-tiny-dense"))) {
            lastEnd = 0;
            for (Tensor t : f.tensors()) {
                lastEnd = Math.max(lastEnd, t.data().address() - f.tensors().get(0).data().address() + t.byteSize());
            }
            lastEnd += f.dataOffset();
        }
        int header = (int) dataOffset(Fixtures.gguf("A-tiny-dense"));
        Random r = new Random(1);
        for (int i = 0; i < 400; i++) {
            int cut = i < 200 ? r.nextInt(header + 1) : header + r.nextInt((int) lastEnd - header);
            fails(Arrays.copyOf(b, cut), "");
        }
        for (int cut : new int[]{4, 8, 16, 24, 25, header - 1, header, header + 1, (int) lastEnd - 1}) {
            FormatException e = fails(Arrays.copyOf(b, cut));
            assertTrue(e.getMessage().contains("truncated") || e.getMessage().contains("beyond the end")
                    || e.getMessage().contains("not a GGUF"), e.getMessage());
        }
        fails(Arrays.copyOf(b, (int) lastEnd - 1), "tensor 'output.weight'", "extends beyond the end of the file");
    }

    @Test
    void hugeCountsAndLengthsDoNotAllocate() throws IOException {
        byte[] b = a();
        fails(mutate(b, bb -> bb.putLong(8, 1L << 60)), "tensors");
        fails(mutate(b, bb -> bb.putLong(8, -1L)), "tensors");
        fails(mutate(b, bb -> bb.putLong(16, 1L << 59)), "metadata entries");
        fails(mutate(b, bb -> bb.putLong(24, Long.MAX_VALUE)), "string length");
        fails(mutate(b, bb -> bb.putLong(24, -8)), "string length");
        // a string value length
        int v = Fixtures.afterGgufString(b, "general.name") + 4;
        fails(mutate(b, bb -> bb.putLong(v, 1L << 40)), "value of metadata key 'general.name'", "string length");
        // an array count: key, type u32 (ARRAY), element type u32, count u64
        int arr = Fixtures.afterGgufString(b, "tokenizer.ggml.tokens") + 8;
        fails(mutate(b, bb -> bb.putLong(arr, 1L << 40)), "'tokenizer.ggml.tokens'", "array length");
        fails(mutate(b, bb -> bb.putLong(arr, -1L)), "'tokenizer.ggml.tokens'", "array length");
        int sc = Fixtures.afterGgufString(b, "tokenizer.ggml.scores") + 8;
        fails(mutate(b, bb -> bb.putLong(sc, 100_000_000L)), "'tokenizer.ggml.scores'", "array length");
        // one element more than there is: runs into the next bytes but then fails cleanly somewhere
        fails(mutate(b, bb -> bb.putLong(arr, 513)));
    }

    @Test
    void unknownValueTypes() throws IOException {
        byte[] b = a();
        int t = Fixtures.afterGgufString(b, "general.architecture");
        fails(mutate(b, bb -> bb.putInt(t, 99)), "metadata key 'general.architecture'", "unknown value type id 99");
        fails(mutate(b, bb -> bb.putInt(t, -1)), "unknown value type id 4294967295");
        int et = Fixtures.afterGgufString(b, "tokenizer.ggml.tokens") + 4;
        fails(mutate(b, bb -> bb.putInt(et, 13)), "'tokenizer.ggml.tokens'", "unknown value type id 13");
        int bo = Fixtures.afterGgufString(b, "tokenizer.ggml.add_bos_token") + 4;
        fails(mutate(b, bb -> bb.put(bo, (byte) 7)), "'tokenizer.ggml.add_bos_token'", "bool");
    }

    @Test
    void invalidUtf8() throws IOException {
        byte[] b = a();
        int k = Fixtures.afterGgufString(b, "general.name") - 1;
        fails(mutate(b, bb -> bb.put(k, (byte) 0xFF)), "UTF-8");
        int n = Fixtures.afterGgufString(b, "token_embd.weight") - 2;
        fails(mutate(b, bb -> bb.put(n, (byte) 0xC3)), "UTF-8");
    }

    @Test
    void duplicateKeysAndTensorNames() throws IOException {
        byte[] b = a();
        // "general.type" -> "general.name" (same length): the key then appears twice
        int k = Fixtures.afterGgufString(b, "general.type") - 4;
        fails(mutate(b, bb -> bb.put(k, "name".getBytes(StandardCharsets.US_ASCII))), "'general.name'", "twice");
        int t = Fixtures.afterGgufString(b, "blk.2.ssm_in.weight") - "2.ssm_in.weight".length() - 0;
        fails(mutate(b, bb -> bb.put(t, (byte) '0')), "tensor 'blk.0.ssm_in.weight'", "duplicate");
    }

    @Test
    void badTensorInfos() throws IOException {
        byte[] b = a();
        int ti = tensorInfo(b, "blk.0.ssm_in.weight"); // n_dims u32, ne[0] u64, ne[1] u64, type u32, offset u64
        String name = "tensor 'blk.0.ssm_in.weight'";
        fails(mutate(b, bb -> bb.putInt(ti, 5)), name, "n_dims = 5");
        fails(mutate(b, bb -> bb.putInt(ti, -1)), name, "n_dims");
        fails(mutate(b, bb -> bb.putInt(ti + 20, 77)), name, "unknown ggml tensor type id 77");
        fails(mutate(b, bb -> bb.putInt(ti + 20, -2)), name, "unknown ggml tensor type id 4294967294");
        fails(mutate(b, bb -> bb.putLong(ti + 4, 1L << 40).putLong(ti + 12, 1L << 40)), name, "more elements than fit");
        fails(mutate(b, bb -> bb.putLong(ti + 4, -64)), name, "too large");
        // dims that no longer match the data: the tensor then runs into its neighbour
        fails(mutate(b, bb -> bb.putLong(ti + 4, 128)), "overlaps");
        // data outside the file
        fails(mutate(b, bb -> bb.putLong(ti + 24, 1L << 40)), name, "extends beyond the end of the file");
        fails(mutate(b, bb -> bb.putLong(ti + 24, -32)), name, "beyond the end of the file");
        // misaligned
        long off = Fixtures.le(b).getLong(ti + 24);
        fails(mutate(b, bb -> bb.putLong(ti + 24, off + 4)), name, "not a multiple of the alignment 32");
        // overlapping: point it at the previous tensor's data
        int prev = tensorInfo(b, "blk.0.attn_norm.weight");
        long prevOff = Fixtures.le(b).getLong(prev + 4 + 8 + 4);
        fails(mutate(b, bb -> bb.putLong(ti + 24, prevOff)), "overlaps");
        // last tensor too large for the file
        int out = tensorInfo(b, "output.weight");
        fails(mutate(b, bb -> bb.putLong(out + 12, 513)), "tensor 'output.weight'", "extends beyond the end of the file");
    }

    @Test
    void quantizedRowLengthMustBeWholeBlocks() throws IOException {
        byte[] b = Files.readAllBytes(Fixtures.q8());
        int ti = tensorInfo(b, "token_embd.weight");
        fails(mutate(b, bb -> bb.putLong(ti + 4, 48).putLong(ti + 12, 512)), "tensor 'token_embd.weight'", "block size 32");
    }

    @Test
    void badAlignmentKey() throws IOException {
        GgufWriter w = new GgufWriter();
        w.setAlignment(64);
        w.addTensor(Tensor.ofFloats("x", new float[]{1}, 1));
        Path p = tmp.resolve("a.gguf");
        w.write(p);
        byte[] b = Files.readAllBytes(p);
        int v = Fixtures.afterGgufString(b, "general.alignment") + 4;
        fails(mutate(b, bb -> bb.putInt(v, 48)), "general.alignment", "power of two");
        fails(mutate(b, bb -> bb.putInt(v, 0)), "general.alignment", "power of two");
        fails(mutate(b, bb -> bb.putInt(v - 4, GgufValueType.FLOAT32.id)), "general.alignment", "FLOAT32");
    }

    @Test
    void deeplyNestedArraysAreRefused() throws IOException {
        ByteBuffer bb = ByteBuffer.allocate(24 + 8 + 1 + 4 + 12 * 1000).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        bb.putInt(GgufFile.MAGIC).putInt(3).putLong(0).putLong(1);
        bb.putLong(1).put((byte) 'k').putInt(GgufValueType.ARRAY.id);
        for (int i = 0; i < 1000; i++) bb.putInt(GgufValueType.ARRAY.id).putLong(1);
        fails(Arrays.copyOf(bb.array(), bb.position()), "'k'", "nested");
    }

    /** Random single- and multi-byte corruption of the header: never anything but success or a FormatException. */
    @Test
    void fuzzedHeadersFailCleanly() throws IOException {
        for (Path src : List.of(Fixtures.gguf("A-tiny-dense"), Fixtures.q8())) {
            byte[] b = Files.readAllBytes(src);
            int header = (int) dataOffset(src);
            Random r = new Random(42);
            Path p = tmp.resolve("fuzz.gguf");
            for (int i = 0; i < 600; i++) {
                byte[] m = b.clone();
                int n = 1 + r.nextInt(4);
                for (int j = 0; j < n; j++) {
                    int pos = r.nextInt(header);
                    m[pos] = switch (r.nextInt(4)) {
                        case 0 -> (byte) 0xFF;
                        case 1 -> 0;
                        case 2 -> (byte) (m[pos] + 1);
                        default -> (byte) r.nextInt(256);
                    };
                }
                Files.write(p, m);
                try (GgufFile f = GgufFile.open(p)) {
                    assertNotNull(f.tensors());
                } catch (FormatException e) {
                    assertTrue(e.getMessage().startsWith(p + ": "), e.getMessage());
                } catch (Throwable t) {
                    throw new AssertionError("mutation " + i + " of " + src + " gave " + t, t);
                }
            }
        }
    }

    /** A tensor past the 4 GiB mark of a sparse file: the single mapping has no 2 GiB limit. */
    @Test
    void tensorBeyondFourGiBInSparseFile() throws IOException {
        GgufWriter w = new GgufWriter();
        w.putString("general.architecture", "jamba");
        w.addTensor(Tensor.ofFloats("far", new float[]{42f, -1f}, 2));
        Path p = tmp.resolve("sparse.gguf");
        w.write(p);
        byte[] b = Files.readAllBytes(p);
        int ti = tensorInfo(b, "far");
        long dataOffset = dataOffset(p);
        long off = (5L << 30); // 5 GiB, aligned
        Fixtures.le(b).putLong(ti + 4 + 8 + 4, off);
        try (var raf = new java.io.RandomAccessFile(p.toFile(), "rw")) {
            raf.write(b, 0, (int) dataOffset);
            raf.setLength(dataOffset + off + 8);
            raf.seek(dataOffset + off);
            byte[] v = new byte[8];
            Fixtures.le(v).putFloat(0, 42f).putFloat(4, -1f);
            raf.write(v);
        }
        try (GgufFile f = GgufFile.open(p)) {
            assertArrayEquals(new float[]{42f, -1f}, f.tensor("far").toFloats());
            assertEquals(dataOffset + off + 8, f.fileSize());
        }
    }
}
