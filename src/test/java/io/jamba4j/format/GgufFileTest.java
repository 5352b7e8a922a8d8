package io.jamba4j.format;

import io.jamba4j.tensor.GgmlType;
import io.jamba4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class GgufFileTest {
    @TempDir
    Path tmp;

    @Test
    void readsFixtureMetadataWithDocumentedBoxing() throws IOException {
        try (GgufFile f = GgufFile.open(Fixtures.gguf("A-tiny-dense"))) {
            assertEquals(3, f.version());
            assertEquals(32, f.alignment());
            assertEquals("jamba", f.getString("general.architecture"));
            assertEquals(4L, f.getLong("jamba.block_count"));
            assertEquals(4, f.getInt("jamba.block_count"));
            assertEquals(GgufValueType.UINT32, f.metadataType("jamba.block_count"));
            assertEquals(1e-6f, f.getFloat("jamba.attention.layer_norm_rms_epsilon"));
            assertTrue(f.getBoolean("tokenizer.ggml.add_bos_token"));
            assertFalse(f.getBoolean("tokenizer.ggml.add_eos_token"));
            assertEquals(GgufValueType.ARRAY, f.metadataType("jamba.attention.head_count_kv"));
            assertEquals(GgufValueType.INT32, f.metadataElementType("jamba.attention.head_count_kv"));
            assertEquals(List.of(0L, 2L, 0L, 0L), f.metadata().get("jamba.attention.head_count_kv"));
            assertArrayEquals(new long[]{0, 2, 0, 0}, f.getLongArray("jamba.attention.head_count_kv"));
            List<String> tokens = f.getStringArray("tokenizer.ggml.tokens");
            assertEquals(512, tokens.size());
            assertEquals(512, f.getFloatArray("tokenizer.ggml.scores").length);
            assertInstanceOf(Float.class, ((List<?>) f.metadata().get("tokenizer.ggml.scores")).get(0));
            assertNull(f.metadataElementType("general.name"));
            assertNull(f.metadataType("no.such.key"));
            assertTrue(f.find("general.name").isPresent());
            assertTrue(f.find("nope").isEmpty());
            // file order preserved
            assertEquals("general.architecture", f.metadata().keySet().iterator().next());
            assertThrows(UnsupportedOperationException.class, () -> f.metadata().put("x", 1L));
        }
    }

    @Test
    void typedGettersNameFileAndKey() throws IOException {
        Path p = Fixtures.gguf("A-tiny-dense");
        try (GgufFile f = GgufFile.open(p)) {
            FormatException e = assertThrows(FormatException.class, () -> f.getString("jamba.missing"));
            assertTrue(e.getMessage().startsWith(p.toString()), e.getMessage());
            assertTrue(e.getMessage().contains("'jamba.missing'") && e.getMessage().contains("missing"), e.getMessage());
            e = assertThrows(FormatException.class, () -> f.getLong("general.name"));
            assertTrue(e.getMessage().contains("'general.name'") && e.getMessage().contains("STRING"), e.getMessage());
            assertThrows(FormatException.class, () -> f.getFloat("jamba.block_count"));
            assertThrows(FormatException.class, () -> f.getBoolean("jamba.block_count"));
            assertThrows(FormatException.class, () -> f.getStringArray("tokenizer.ggml.scores"));
        }
    }

    @Test
    void tensorsAreSlicesWithReversedNe() throws IOException {
        try (GgufFile f = GgufFile.open(Fixtures.gguf("A-tiny-dense"))) {
            assertEquals(63, f.tensors().size());
            Tensor emb = f.tensor("token_embd.weight");
            assertArrayEquals(new long[]{512, 64}, emb.shape());
            assertEquals(GgmlType.F32, emb.type());
            Tensor conv = f.tensor("blk.0.ssm_conv1d.weight");
            assertArrayEquals(new long[]{128, 4}, conv.shape());
            assertNull(f.tensor("nope"));
            assertEquals(f.tensors().get(0), f.tensorMap().values().iterator().next());
            assertTrue(emb.data().isMapped() || emb.data().isNative());
            assertTrue(emb.data().isReadOnly());
        }
        try (GgufFile q = GgufFile.open(Fixtures.q8())) {
            Tensor emb = q.tensor("token_embd.weight");
            assertEquals(GgmlType.Q8_0, emb.type());
            assertArrayEquals(new long[]{512, 64}, emb.shape());
            assertEquals(512L * 2 * 34, emb.byteSize());
        }
    }

    @Test
    void sameWeightsAsSafetensors() throws IOException {
        try (GgufFile g = GgufFile.open(Fixtures.gguf("A-tiny-dense"));
             SafetensorsFile s = SafetensorsFile.open(Fixtures.safetensors("A-tiny-dense"))) {
            Tensor a = g.tensor("token_embd.weight"), b = s.tensor("model.embed_tokens.weight");
            assertArrayEquals(b.shape(), a.shape());
            assertEquals(-1, a.data().mismatch(b.data()));
        }
    }

    @Test
    void closeUnmapsAndLaterAccessThrowsInsteadOfCrashing() throws IOException {
        GgufFile f = GgufFile.open(Fixtures.gguf("A-tiny-dense"));
        Tensor t = f.tensor("output_norm.weight");
        float x = t.data().get(Tensor.F32_LE, 0);
        assertFalse(Float.isNaN(x));
        f.close();
        f.close(); // idempotent
        assertThrows(IllegalStateException.class, () -> t.data().get(Tensor.F32_LE, 0));
    }

    static Path copyAll(GgufFile f, Path out) throws IOException {
        GgufWriter w = new GgufWriter();
        for (String k : f.metadata().keySet()) {
            GgufValueType type = f.metadataType(k);
            if (type == GgufValueType.ARRAY) w.putArray(k, f.metadataElementType(k), (List<?>) f.metadata().get(k));
            else w.put(k, type, f.metadata().get(k));
        }
        for (Tensor t : f.tensors()) w.addTensor(t);
        w.write(out);
        return out;
    }

    @Test
    void roundTripIsByteIdenticalForEveryFixture() throws IOException {
        List<Path> inputs = new java.util.ArrayList<>();
        for (String n : Fixtures.NAMES) inputs.add(Fixtures.gguf(n));
        inputs.add(Fixtures.q8());
        int i = 0;
        for (Path in : inputs) {
            Path out = tmp.resolve("copy" + (i++) + ".gguf");
            try (GgufFile f = GgufFile.open(in)) {
                copyAll(f, out);
            }
            assertEquals(-1, Files.mismatch(in, out), "round trip of " + in + " differs");
        }
    }

    @Test
    void genericPutCopiesArraysExactlyToo() throws IOException {
        Path in = Fixtures.q8();
        Path out = tmp.resolve("generic.gguf");
        try (GgufFile f = GgufFile.open(in)) {
            GgufWriter w = new GgufWriter();
            w.putAll(f);
            f.tensors().forEach(w::addTensor);
            w.write(out);
        }
        assertEquals(-1, Files.mismatch(in, out));
    }

    @Test
    void writerRoundTripsEveryValueTypeAndNestedArrays() throws IOException {
        GgufWriter w = new GgufWriter();
        w.putUInt8("u8", 255);
        w.put("i8", GgufValueType.INT8, -128L);
        w.put("u16", GgufValueType.UINT16, 65535L);
        w.put("i16", GgufValueType.INT16, -32768L);
        w.putUInt32("u32", 0xFFFF_FFFFL);
        w.putInt32("i32", Integer.MIN_VALUE);
        w.putUInt64("u64", -1L); // raw bits: 2^64 - 1
        w.putInt64("i64", Long.MIN_VALUE);
        w.putFloat32("f32", -0.0f);
        w.putFloat64("f64", Math.PI);
        w.putBool("b", true);
        w.putString("s", "héllo ▁ 😀");
        w.putArrayString("as", List.of("a", "", "ü"));
        w.putArrayInt32("ai", new int[]{1, -2, 3});
        w.putArrayFloat32("af", new float[]{1.5f, Float.NaN});
        w.putArray("nested", GgufValueType.ARRAY, List.of(GgufArray.of(GgufValueType.UINT8, List.of(1L, 2L)),
                GgufArray.of(GgufValueType.STRING, List.of("x"))));
        w.put("inferred", GgufValueType.ARRAY, List.of(1L, 5_000_000_000L));
        w.putArray("empty", GgufValueType.FLOAT64, List.of());
        w.addTensor(Tensor.ofFloats("t.weight", new float[]{1, 2, 3, 4, 5, 6}, 2, 3));
        w.addTensor(Tensor.ofFloats("t.bias", new float[]{7}, 1));
        Path p = tmp.resolve("all.gguf");
        w.write(p);
        try (GgufFile f = GgufFile.open(p)) {
            Map<String, Object> m = f.metadata();
            assertEquals(255L, m.get("u8"));
            assertEquals(-128L, m.get("i8"));
            assertEquals(65535L, m.get("u16"));
            assertEquals(-32768L, m.get("i16"));
            assertEquals(0xFFFF_FFFFL, m.get("u32"));
            assertEquals((long) Integer.MIN_VALUE, m.get("i32"));
            assertEquals(-1L, m.get("u64"));
            assertThrows(FormatException.class, () -> f.getLong("u64"));
            assertEquals(Long.MIN_VALUE, f.getLong("i64"));
            assertEquals(Float.floatToRawIntBits(-0.0f), Float.floatToRawIntBits((Float) m.get("f32")));
            assertEquals(Math.PI, f.getDouble("f64"));
            assertTrue(f.getBoolean("b"));
            assertEquals("héllo ▁ 😀", f.getString("s"));
            assertEquals(List.of("a", "", "ü"), f.getStringArray("as"));
            assertEquals(List.of(1L, -2L, 3L), m.get("ai"));
            assertTrue(Float.isNaN(f.getFloatArray("af")[1]));
            GgufArray nested = f.getArray("nested");
            assertEquals(GgufValueType.ARRAY, nested.elementType());
            assertEquals(GgufValueType.UINT8, ((GgufArray) nested.get(0)).elementType());
            assertEquals(List.of(List.of(1L, 2L), List.of("x")), nested);
            assertEquals(GgufValueType.INT64, f.metadataElementType("inferred"));
            assertEquals(GgufValueType.FLOAT64, f.metadataElementType("empty"));
            assertEquals(List.of(), m.get("empty"));
            assertArrayEquals(new long[]{2, 3}, f.tensor("t.weight").shape());
            assertArrayEquals(new float[]{1, 2, 3, 4, 5, 6}, f.tensor("t.weight").toFloats());
            assertArrayEquals(new float[]{7}, f.tensor("t.bias").toFloats());
            assertEquals(0, f.dataOffset() % 32);
            assertEquals(0, Files.size(p) % 32);
            // and a second copy through the reader is byte-identical
            Path again = copyAll(f, tmp.resolve("again.gguf"));
            assertEquals(-1, Files.mismatch(p, again));
        }
    }

    @Test
    void writerChecksValues() {
        GgufWriter w = new GgufWriter();
        assertThrows(IllegalArgumentException.class, () -> w.putUInt32("k", -1));
        assertThrows(IllegalArgumentException.class, () -> w.putUInt32("k", 1L << 32));
        assertThrows(IllegalArgumentException.class, () -> w.put("k", GgufValueType.UINT8, 256L));
        assertThrows(IllegalArgumentException.class, () -> w.put("k", GgufValueType.INT32, 1.5f));
        assertThrows(IllegalArgumentException.class, () -> w.put("k", GgufValueType.STRING, 3L));
        assertThrows(IllegalArgumentException.class, () -> w.putArray("k", GgufValueType.FLOAT32, List.of("x")));
        assertThrows(IllegalArgumentException.class, () -> w.put("k", GgufValueType.ARRAY, List.of(1L, "x")));
        assertThrows(IllegalArgumentException.class, () -> w.setAlignment(48));
        assertThrows(IllegalArgumentException.class, () -> w.putUInt32("general.alignment", 48));
        Tensor t = Tensor.ofFloats("t", new float[]{1}, 1);
        w.addTensor(t);
        assertThrows(IllegalArgumentException.class, () -> w.addTensor(t));
        assertThrows(IllegalArgumentException.class,
                () -> w.addTensor(Tensor.ofFloats("r5", new float[]{1}, 1, 1, 1, 1, 1)));
        assertThrows(IllegalArgumentException.class, () -> w.addTensor(Tensor.ofFloats("n".repeat(64), new float[]{1}, 1)));
        w.addTensor(Tensor.ofFloats("n".repeat(63), new float[]{1}, 1));
    }

    @Test
    void customAlignmentIsRecordedAndHonoured() throws IOException {
        GgufWriter w = new GgufWriter();
        w.setAlignment(64);
        w.putString("general.architecture", "jamba");
        w.addTensor(Tensor.ofFloats("a", new float[]{1, 2, 3}, 3));
        w.addTensor(Tensor.ofFloats("b", new float[]{4}, 1));
        Path p = tmp.resolve("a64.gguf");
        w.write(p);
        try (GgufFile f = GgufFile.open(p)) {
            assertEquals(64, f.alignment());
            assertEquals(GgufValueType.UINT32, f.metadataType("general.alignment"));
            assertEquals(0, f.dataOffset() % 64);
            assertArrayEquals(new float[]{4}, f.tensor("b").toFloats());
            assertEquals(-1, Files.mismatch(p, copyAll(f, tmp.resolve("a64b.gguf"))));
        }
    }

    @Test
    void writeIsAtomicAndLeavesNoTempFileOnFailure() throws IOException {
        Path out = tmp.resolve("out.gguf");
        Files.writeString(out, "old");
        GgufWriter w = new GgufWriter();
        w.putString("k", "v");
        // a tensor whose memory is gone: writing it fails midway
        java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofShared();
        var seg = arena.allocate(16);
        w.addTensor(new Tensor("dead", GgmlType.F32, new long[]{4}, seg));
        arena.close();
        assertThrows(IllegalStateException.class, () -> w.write(out));
        assertEquals("old", Files.readString(out));
        try (var s = Files.list(tmp)) {
            assertEquals(List.of(out), s.toList());
        }
    }

    @Test
    void emptyFileWithNoTensorsRoundTrips() throws IOException {
        Path p = tmp.resolve("empty.gguf");
        new GgufWriter().write(p);
        try (GgufFile f = GgufFile.open(p)) {
            assertTrue(f.metadata().isEmpty());
            assertTrue(f.tensors().isEmpty());
        }
    }
}
