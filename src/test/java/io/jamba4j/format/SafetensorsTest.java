package io.jamba4j.format;

import io.jamba4j.tensor.GgmlType;
import io.jamba4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class SafetensorsTest {
    @TempDir
    Path tmp;

    static void assertSameTensors(Map<String, Tensor> want, Map<String, Tensor> got) {
        assertEquals(want.keySet(), got.keySet());
        for (Tensor w : want.values()) {
            Tensor g = got.get(w.name());
            assertEquals(w.type(), g.type(), w.name());
            assertArrayEquals(w.shape(), g.shape(), w.name());
            assertEquals(-1, w.data().mismatch(g.data()), w.name());
        }
    }

    @Test
    void readsFixtures() throws IOException {
        try (SafetensorsFile a = SafetensorsFile.open(Fixtures.safetensors("A-tiny-dense"));
             SafetensorsFile c = SafetensorsFile.open(Fixtures.safetensors("C-jamba-v0.1-like"))) {
            assertEquals(Map.of("format", "pt"), a.metadata());
            Tensor emb = a.tensor("model.embed_tokens.weight");
            assertEquals(GgmlType.F32, emb.type());
            assertArrayEquals(new long[]{512, 64}, emb.shape());
            assertEquals("model.embed_tokens.weight", a.tensors().keySet().iterator().next());
            assertArrayEquals(new long[]{128, 1, 4}, a.tensor("model.layers.0.mamba.conv1d.weight").shape());
            assertEquals(GgmlType.BF16, c.tensor("model.embed_tokens.weight").type());
            assertTrue(c.tensors().size() > 10);
            // offsets ascending
            long prev = -1;
            for (Tensor t : a.tensors().values()) {
                long at = t.data().address();
                assertTrue(at > prev);
                prev = at;
            }
        }
    }

    @Test
    void roundTripsEveryFixture() throws IOException {
        for (String n : Fixtures.NAMES) {
            Path out = tmp.resolve(n + ".safetensors");
            try (SafetensorsFile in = SafetensorsFile.open(Fixtures.safetensors(n))) {
                SafetensorsWriter w = new SafetensorsWriter();
                in.tensors().values().forEach(w::add);
                w.write(out);
                try (SafetensorsFile back = SafetensorsFile.open(out)) {
                    assertSameTensors(in.tensors(), back.tensors());
                    assertEquals(Map.of("format", "pt"), back.metadata());
                    assertEquals(0, back.dataOffset() % 8);
                }
            }
            byte[] b = Files.readAllBytes(out);
            long n8 = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
            assertEquals(0, n8 % 8);
            String header = new String(b, 8, (int) n8, StandardCharsets.UTF_8);
            assertTrue(header.startsWith("{\"__metadata__\":{\"format\":\"pt\"}"), header);
            assertTrue(header.stripTrailing().endsWith("}"));
        }
    }

    @Test
    void mixedDtypesStayAligned() throws IOException {
        short[] h = {1, 2, 3};
        Tensor half = new Tensor("h", GgmlType.F16, new long[]{3}, MemorySegment.ofArray(h));
        Tensor bf = new Tensor("b", GgmlType.BF16, new long[]{1}, MemorySegment.ofArray(new short[]{0x3f80}));
        Tensor f = Tensor.ofFloats("f", new float[]{1, 2}, 2);
        SafetensorsWriter w = new SafetensorsWriter();
        w.add(half);
        w.add(bf);
        w.add(f);
        w.setMetadata(Map.of("k", "v"));
        Path p = tmp.resolve("m.safetensors");
        w.write(p);
        try (SafetensorsFile s = SafetensorsFile.open(p)) {
            assertEquals(List.of("f", "h", "b"), new ArrayList<>(s.tensors().keySet()));
            assertArrayEquals(new float[]{1, 2}, s.tensor("f").toFloats());
            assertArrayEquals(new float[]{1}, s.tensor("b").toFloats());
            assertEquals(Map.of("k", "v"), s.metadata());
        }
        SafetensorsWriter bad = new SafetensorsWriter();
        assertThrows(IllegalArgumentException.class, () -> bad.add(new Tensor("q", GgmlType.Q8_0, new long[]{32},
                MemorySegment.ofArray(new byte[34]))));
        bad.add(f);
        assertThrows(IllegalArgumentException.class, () -> bad.add(f));
    }

    @Test
    void shardedRoundTrip() throws IOException {
        Path dir = tmp.resolve("sharded");
        try (SafetensorsFile in = SafetensorsFile.open(Fixtures.safetensors("B-hybrid-moe"))) {
            List<Tensor> list = new ArrayList<>(in.tensors().values());
            SafetensorsWriter.writeSharded(list, dir, 200_000);
            assertFalse(Files.exists(dir.resolve("model.safetensors")));
            try (var s = Files.list(dir)) {
                List<String> names = s.map(p -> p.getFileName().toString()).sorted().toList();
                assertTrue(names.size() > 3, names.toString());
                assertTrue(names.contains("model.safetensors.index.json"));
                int n = names.size() - 1;
                assertTrue(names.contains(String.format("model-00001-of-%05d.safetensors", n)), names.toString());
            }
            var index = SafetensorsFile.JSON.readTree(dir.resolve("model.safetensors.index.json").toFile());
            long total = list.stream().mapToLong(Tensor::byteSize).sum();
            assertEquals(total, index.get("metadata").get("total_size").longValue());
            assertEquals(list.size(), index.get("weight_map").size());
            try (SafetensorsCheckpoint ck = SafetensorsCheckpoint.open(dir)) {
                assertSameTensors(in.tensors(), ck.tensors());
                assertTrue(ck.files().size() > 1);
                for (SafetensorsFile f : ck.files()) {
                    long bytes = f.tensors().values().stream().mapToLong(Tensor::byteSize).sum();
                    assertTrue(bytes <= 200_000 || f.tensors().size() == 1);
                }
            }
            // fits in one file: a single model.safetensors, and the old shards are gone
            SafetensorsWriter.writeSharded(list, dir, Long.MAX_VALUE);
            try (var s = Files.list(dir)) {
                assertEquals(List.of("model.safetensors"), s.map(p -> p.getFileName().toString()).toList());
            }
            try (SafetensorsCheckpoint ck = SafetensorsCheckpoint.open(dir)) {
                assertSameTensors(in.tensors(), ck.tensors());
            }
        }
    }

    @Test
    void checkpointOpensFixtureDirectoryAndFile() throws IOException {
        Path hf = Fixtures.safetensors("A-tiny-dense").getParent();
        try (SafetensorsCheckpoint a = SafetensorsCheckpoint.open(hf);
             SafetensorsCheckpoint b = SafetensorsCheckpoint.open(hf.resolve("model.safetensors"))) {
            assertEquals(a.tensors().keySet(), b.tensors().keySet());
            assertEquals(Map.of("format", "pt"), a.metadata());
        }
    }

    // ------------------------------------------------------------------------------------------ broken files

    private Path raw(String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return rawBytes(h, dataBytes);
    }

    private Path rawBytes(byte[] h, int dataBytes) throws IOException {
        ByteBuffer bb = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        bb.putLong(h.length).put(h);
        Path p = tmp.resolve("broken.safetensors");
        Files.write(p, bb.array());
        return p;
    }

    private FormatException fails(Path p, String... fragments) {
        FormatException e = assertThrows(FormatException.class, () -> SafetensorsFile.open(p).close());
        String m = e.getMessage();
        assertTrue(m.startsWith(p + ": "), m);
        for (String f : fragments) assertTrue(m.contains(f), "'" + f + "' not in: " + m);
        return e;
    }

    private static String t(String name, String dtype, String shape, long b, long e) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + b + "," + e + "]}";
    }

    @Test
    void minimalValidFile() throws IOException {
        Path p = raw("{" + t("a", "F32", "[2]", 0, 8) + "," + t("s", "F16", "[]", 8, 10) + "," + t("z", "F32", "[0,3]", 10, 10) + "}", 10);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertEquals(3, f.tensors().size());
            assertArrayEquals(new long[]{}, f.tensor("s").shape());
            assertEquals(0, f.tensor("z").byteSize());
            assertTrue(f.metadata().isEmpty());
        }
    }

    @Test
    void headerLengthProblems() throws IOException {
        byte[] b = Files.readAllBytes(Fixtures.safetensors("A-tiny-dense"));
        Path p = tmp.resolve("broken.safetensors");
        for (long n : new long[]{Long.MAX_VALUE, -1, -8, b.length, b.length - 7, 1L << 40}) {
            byte[] m = b.clone();
            ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN).putLong(0, n);
            Files.write(p, m);
            fails(p, "header length", "beyond the end of the file");
        }
        Files.write(p, new byte[5]);
        fails(p, "only 5 bytes");
        Files.write(p, new byte[0]);
        fails(p, "only 0 bytes");
    }

    @Test
    void truncatedAnywhere() throws IOException {
        byte[] b = Files.readAllBytes(Fixtures.safetensors("B-hybrid-moe"));
        int header = 8 + (int) ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        Path p = tmp.resolve("cut.safetensors");
        Random r = new Random(3);
        for (int i = 0; i < 300; i++) {
            int cut = i < 100 ? r.nextInt(header) : header + r.nextInt(b.length - header);
            Files.write(p, Arrays.copyOf(b, cut));
            FormatException e = fails(p);
            assertTrue(e.getMessage().contains("beyond the end") || e.getMessage().contains("only"), e.getMessage());
        }
        Files.write(p, Arrays.copyOf(b, b.length - 1));
        fails(p, "extends beyond the end of the file");
    }

    @Test
    void headerContentProblems() throws IOException {
        fails(raw("[1,2,3]", 0), "of type array, not an object");
        fails(raw("\"str\"", 0), "not an object");
        fails(raw("{\"a\":", 0), "not valid JSON");
        fails(raw("{} {}", 0), "not valid JSON");
        byte[] bad = ("{" + t("ab", "F32", "[1]", 0, 4) + "}").getBytes(StandardCharsets.UTF_8);
        bad[2] = (byte) 0xFF;
        fails(rawBytes(bad, 4), "not valid UTF-8");
        fails(raw("{" + t("a", "F32", "[1]", 0, 4) + "," + t("a", "F32", "[1]", 4, 8) + "}", 8), "duplicate key 'a'");
        fails(raw("{\"a\":5}", 0), "tensor 'a'", "not an object");
        fails(raw("{\"__metadata__\":{\"k\":1}}", 0), "__metadata__", "'k'");
        fails(raw("{\"__metadata__\":[]}", 0), "__metadata__");
    }

    @Test
    void tensorEntryProblems() throws IOException {
        fails(raw("{" + t("w.idx", "I64", "[1]", 0, 8) + "}", 8), "tensor 'w.idx'", "I64", "not supported");
        fails(raw("{" + t("w", "F8_E4M3", "[1]", 0, 1) + "}", 1), "tensor 'w'", "F8_E4M3");
        fails(raw("{" + t("w", "Q4", "[1]", 0, 1) + "}", 1), "tensor 'w'", "unknown dtype 'Q4'");
        fails(raw("{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4), "tensor 'w'", "dtype");
        fails(raw("{" + t("w", "F32", "[3]", 0, 8) + "}", 8), "tensor 'w'", "span 8 bytes", "needs 12");
        fails(raw("{" + t("w", "F32", "[-1]", 0, 8) + "}", 8), "tensor 'w'", "shape entry -1");
        fails(raw("{" + t("w", "F32", "[1.5]", 0, 8) + "}", 8), "tensor 'w'", "shape entry");
        fails(raw("{" + t("w", "F32", "[99999999999999999999999]", 0, 8) + "}", 8), "tensor 'w'", "shape entry");
        fails(raw("{" + t("w", "F32", "[4294967296,4294967296]", 0, 8) + "}", 8), "tensor 'w'", "more elements");
        fails(raw("{" + t("w", "F32", "\"x\"", 0, 8) + "}", 8), "tensor 'w'", "shape");
        fails(raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", 4), "tensor 'w'", "data_offsets");
        fails(raw("{" + t("w", "F32", "[1]", 8, 4) + "}", 8), "tensor 'w'", "end before");
        fails(raw("{" + t("w", "F32", "[1]", -4, 0) + "}", 8), "tensor 'w'", "data_offsets entry -4");
        fails(raw("{" + t("w", "F32", "[2]", 0, 8) + "}", 4), "tensor 'w'", "extends beyond the end of the file");
        fails(raw("{" + t("w", "F32", "[1]", Long.MAX_VALUE - 4, Long.MAX_VALUE) + "}", 4), "tensor 'w'", "beyond the end");
        fails(raw("{" + t("a", "F32", "[2]", 0, 8) + "," + t("b", "F32", "[2]", 4, 12) + "}", 12), "overlap", "'a'", "'b'");
        fails(raw("{" + t("a", "F32", "[2]", 0, 8) + "," + t("b", "F32", "[2]", 0, 8) + "}", 8), "overlap");
    }

    /** Random corruption of a fixture header: never anything but success or a FormatException. */
    @Test
    void fuzzedHeadersFailCleanly() throws IOException {
        byte[] b = Files.readAllBytes(Fixtures.safetensors("A-tiny-dense"));
        int header = 8 + (int) ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        Random r = new Random(7);
        Path p = tmp.resolve("fuzz.safetensors");
        for (int i = 0; i < 500; i++) {
            byte[] m = b.clone();
            for (int j = 0, n = 1 + r.nextInt(3); j < n; j++) m[r.nextInt(header)] = (byte) "0123456789,:[]{}\"-x \u00ff".charAt(r.nextInt(21));
            Files.write(p, m);
            try (SafetensorsFile f = SafetensorsFile.open(p)) {
                assertNotNull(f.tensors());
            } catch (FormatException e) {
                assertTrue(e.getMessage().startsWith(p + ": "), e.getMessage());
            } catch (Throwable t) {
                throw new AssertionError("mutation " + i + " gave " + t, t);
            }
        }
    }

    // ------------------------------------------------------------------------------------------ checkpoint errors

    private Path shardedCopy() throws IOException {
        Path dir = tmp.resolve("ck");
        try (SafetensorsFile in = SafetensorsFile.open(Fixtures.safetensors("A-tiny-dense"))) {
            SafetensorsWriter.writeSharded(new ArrayList<>(in.tensors().values()), dir, 300_000);
        }
        return dir;
    }

    private FormatException checkpointFails(Path dir, String... fragments) {
        FormatException e = assertThrows(FormatException.class, () -> SafetensorsCheckpoint.open(dir).close());
        for (String f : fragments) assertTrue(e.getMessage().contains(f), "'" + f + "' not in: " + e.getMessage());
        return e;
    }

    @Test
    void checkpointErrors() throws IOException {
        Path empty = Files.createDirectory(tmp.resolve("empty"));
        checkpointFails(empty, empty.toString(), "no model.safetensors and no model.safetensors.index.json");
        checkpointFails(tmp.resolve("nope"), "no such directory");

        Path dir = shardedCopy();
        Path index = dir.resolve("model.safetensors.index.json");
        String json = Files.readString(index);
        try (SafetensorsCheckpoint ok = SafetensorsCheckpoint.open(dir)) {
            assertTrue(ok.files().size() >= 2);
        }
        // tensor listed but absent from its shard
        Files.writeString(index, json.replace("\"model.embed_tokens.weight\"", "\"model.ghost.weight\""));
        checkpointFails(dir, index.toString(), "tensor 'model.ghost.weight'", "does not contain it");
        // shard missing
        Files.writeString(index, json.replace("model-00002-of-", "model-00009-of-"));
        checkpointFails(dir, "shard 'model-00009-of-", "missing");
        // shard outside the directory
        Files.writeString(index, json.replace("\"model-00002-of-", "\"../model-00002-of-"));
        checkpointFails(dir, "not a file inside");
        // index not an object / no weight_map / bad json
        Files.writeString(index, "[]");
        checkpointFails(dir, "not a JSON object");
        Files.writeString(index, "{\"metadata\":{}}");
        checkpointFails(dir, "weight_map");
        Files.writeString(index, "{\"weight_map\":");
        checkpointFails(dir, "not valid JSON");
        // the same tensor in two shards
        Files.writeString(index, json);
        Path s1 = dir.resolve(Files.list(dir).map(p -> p.getFileName().toString()).filter(n -> n.startsWith("model-00001")).findFirst().orElseThrow());
        Path s2 = dir.resolve(s1.getFileName().toString().replace("model-00001", "model-00002"));
        try (SafetensorsFile a = SafetensorsFile.open(s1); SafetensorsFile b = SafetensorsFile.open(s2)) {
            SafetensorsWriter w = new SafetensorsWriter();
            b.tensors().values().forEach(w::add);
            w.add(a.tensors().values().iterator().next());
            w.write(tmp.resolve("dup.safetensors"));
        }
        Files.move(tmp.resolve("dup.safetensors"), s2, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        checkpointFails(dir, "is in two shards");
    }
}
