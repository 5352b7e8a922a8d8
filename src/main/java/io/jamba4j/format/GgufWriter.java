package io.jamba4j.format;

import io.jamba4j.tensor.Tensor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Writes a GGUF v3 file laid out exactly like gguf-py's GGUFWriter: header, key/values in insertion order, tensor
 * infos in insertion order, zero padding to the alignment, then each tensor's bytes followed by zero padding to
 * the alignment (the last one included). Tensor offsets are therefore the running sum of padded sizes.
 *
 * <p>Metadata values are checked when put (range of integer types, element types of arrays); putting a key
 * again replaces its value but keeps its original position. Putting {@code general.alignment} also sets the
 * alignment; a non-default alignment set with {@link #setAlignment} without the key adds the key at write time, so
 * readers always see it.
 *
 * <p>Tensor data is written as-is (it must already be in little-endian GGUF layout, as data read from a GGUF file
 * or created on this platform is) and is streamed from its segment, never gathered in memory. {@link #write} is
 * atomic (temporary file in the same directory, then rename). Not thread-safe.
 */
public final class GgufWriter {
    /** ggml's GGML_MAX_NAME: tensor names must be shorter (in UTF-8 bytes) for llama.cpp to load the file. */
    public static final int MAX_NAME = 64;

    private record Kv(GgufValueType type, Object value) {}

    private final Map<String, Kv> kv = new LinkedHashMap<>();
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();
    private long alignment = GgufFile.DEFAULT_ALIGNMENT;

    public GgufWriter() {}

    /** Data alignment in bytes (a power of two; default 32). */
    public void setAlignment(long alignment) {
        if (!Io.isPowerOfTwo(alignment) || alignment > (1L << 30)) {
            throw new IllegalArgumentException("alignment " + alignment + " is not a power of two between 1 and 2^30");
        }
        this.alignment = alignment;
        if (kv.containsKey("general.alignment")) put("general.alignment", kv.get("general.alignment").type(), alignment);
    }

    public long alignment() {
        return alignment;
    }

    /**
     * Generic put, for copying a key exactly from a {@link GgufFile}: {@code put(k, f.metadataType(k), f.metadata().get(k))}.
     * Integer types take Long/Integer/Short/Byte (range-checked; UINT64 takes any long as its raw bit pattern),
     * FLOAT32/FLOAT64 any Number, BOOL a Boolean, STRING a String, ARRAY a List — a {@link GgufArray} (as returned
     * by GgufFile) keeps its element type, nested ones included; for other lists the element type is inferred
     * (String -> STRING, Float -> FLOAT32, Double -> FLOAT64, Boolean -> BOOL, integers -> INT32 or INT64 when one
     * does not fit); use {@link #putArray} to choose it.
     */
    public void put(String key, GgufValueType type, Object value) {
        checkKey(key);
        Object v = GgufValues.normalize(type, value, "key '" + key + "'");
        if (key.equals("general.alignment")) {
            if (!(v instanceof Long a) || !Io.isPowerOfTwo(a) || a > (1L << 30)) {
                throw new IllegalArgumentException("key 'general.alignment': " + value + " is not a power-of-two integer (should be UINT32)");
            }
            alignment = a;
        }
        kv.put(key, new Kv(type, v));
    }

    private static void checkKey(String key) {
        if (key == null || key.isEmpty()) throw new IllegalArgumentException("empty metadata key");
    }

    public void putString(String key, String v) { put(key, GgufValueType.STRING, Objects.requireNonNull(v, key)); }
    public void putUInt8(String key, long v) { put(key, GgufValueType.UINT8, v); }
    public void putUInt32(String key, long v) { put(key, GgufValueType.UINT32, v); }
    public void putInt32(String key, int v) { put(key, GgufValueType.INT32, (long) v); }
    public void putUInt64(String key, long v) { put(key, GgufValueType.UINT64, v); }
    public void putInt64(String key, long v) { put(key, GgufValueType.INT64, v); }
    public void putFloat32(String key, float v) { put(key, GgufValueType.FLOAT32, v); }
    public void putFloat64(String key, double v) { put(key, GgufValueType.FLOAT64, v); }
    public void putBool(String key, boolean v) { put(key, GgufValueType.BOOL, v); }

    public void putArrayString(String key, List<String> v) { putArray(key, GgufValueType.STRING, v); }

    public void putArrayInt32(String key, int[] v) {
        List<Object> l = new ArrayList<>(v.length);
        for (int x : v) l.add((long) x);
        putArray(key, GgufValueType.INT32, l);
    }

    public void putArrayFloat32(String key, float[] v) {
        List<Object> l = new ArrayList<>(v.length);
        for (float x : v) l.add(x);
        putArray(key, GgufValueType.FLOAT32, l);
    }

    /** An array whose elements are all of {@code elemType} (for ARRAY elements, each a List, see {@link #put}). */
    public void putArray(String key, GgufValueType elemType, List<?> values) {
        checkKey(key);
        kv.put(key, new Kv(GgufValueType.ARRAY, GgufValues.array(elemType, values, "key '" + key + "'")));
    }

    /** Copies every metadata key of {@code src} with its exact type (in file order). */
    public void putAll(GgufFile src) {
        for (Map.Entry<String, Object> e : src.metadata().entrySet()) put(e.getKey(), src.metadataType(e.getKey()), e.getValue());
    }

    public boolean hasKey(String key) { return kv.containsKey(key); }

    /** Removes a key (no-op when absent). */
    public void remove(String key) { kv.remove(key); }

    /**
     * Adds a tensor (insertion order is file order). Its name, type and shape (written as reversed ne) and its bytes
     * are taken as they are. Names must be unique and shorter than 64 bytes (llama.cpp's limit), rank at most 4.
     */
    public void addTensor(Tensor t) {
        Objects.requireNonNull(t, "tensor");
        if (tensors.containsKey(t.name())) throw new IllegalArgumentException("tensor '" + t.name() + "' added twice");
        if (t.name().getBytes(StandardCharsets.UTF_8).length >= MAX_NAME) {
            throw new IllegalArgumentException("tensor '" + t.name() + "': name longer than " + (MAX_NAME - 1)
                    + " bytes, which llama.cpp (GGML_MAX_NAME) cannot load");
        }
        if (t.rank() > GgufFile.MAX_DIMS) {
            throw new IllegalArgumentException("tensor '" + t.name() + "': rank " + t.rank() + " > " + GgufFile.MAX_DIMS);
        }
        tensors.put(t.name(), t);
    }

    public int tensorCount() { return tensors.size(); }

    /** Writes the file atomically (temp file in the same directory, then rename), streaming the tensor data. */
    public void write(Path out) throws IOException {
        Map<String, Kv> entries = new LinkedHashMap<>(kv);
        if (alignment != GgufFile.DEFAULT_ALIGNMENT && !entries.containsKey("general.alignment")) {
            entries.put("general.alignment", new Kv(GgufValueType.UINT32, alignment));
        }
        List<Tensor> ts = new ArrayList<>(tensors.values());
        long[] offsets = new long[ts.size()];
        long off = 0;
        for (int i = 0; i < ts.size(); i++) {
            offsets[i] = off;
            off = Math.addExact(off, Io.alignUp(ts.get(i).byteSize(), alignment));
        }
        Io.writeAtomically(out, sink -> {
            sink.u32(GgufFile.MAGIC);
            sink.u32(3);
            sink.u64(ts.size());
            sink.u64(entries.size());
            for (Map.Entry<String, Kv> e : entries.entrySet()) {
                writeString(sink, e.getKey());
                sink.u32(e.getValue().type().id);
                writeValue(sink, e.getValue().type(), e.getValue().value());
            }
            for (int i = 0; i < ts.size(); i++) {
                Tensor t = ts.get(i);
                writeString(sink, t.name());
                long[] shape = t.shape();
                sink.u32(shape.length);
                for (int d = shape.length - 1; d >= 0; d--) sink.u64(shape[d]);
                sink.u32(t.type().id);
                sink.u64(offsets[i]);
            }
            sink.padTo(alignment);
            for (Tensor t : ts) {
                sink.segment(t.data());
                sink.zeros(Io.alignUp(t.byteSize(), alignment) - t.byteSize());
            }
        });
    }

    private static void writeString(Io.Sink sink, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        sink.u64(b.length);
        sink.bytes(b);
    }

    private static void writeValue(Io.Sink sink, GgufValueType type, Object v) throws IOException {
        switch (type) {
            case UINT8, INT8, BOOL -> sink.u8(type == GgufValueType.BOOL ? ((Boolean) v ? 1 : 0) : (int) (long) (Long) v);
            case UINT16, INT16 -> {
                long x = (Long) v;
                sink.u8((int) x);
                sink.u8((int) (x >>> 8));
            }
            case UINT32, INT32 -> sink.u32((int) (long) (Long) v);
            case UINT64, INT64 -> sink.u64((Long) v);
            case FLOAT32 -> sink.u32(Float.floatToRawIntBits((Float) v));
            case FLOAT64 -> sink.u64(Double.doubleToRawLongBits((Double) v));
            case STRING -> writeString(sink, (String) v);
            case ARRAY -> {
                GgufArray a = (GgufArray) v;
                sink.u32(a.elementType().id);
                sink.u64(a.size());
                for (Object o : a) writeValue(sink, a.elementType(), o);
            }
        }
    }

    @Override
    public String toString() {
        return "GgufWriter[" + kv.size() + " keys, " + tensors.size() + " tensors]";
    }
}
