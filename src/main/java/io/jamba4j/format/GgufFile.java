package io.jamba4j.format;

import io.jamba4j.tensor.GgmlType;
import io.jamba4j.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A GGUF (v2 or v3, little-endian) model file, memory-mapped once as a single segment. Metadata is decoded eagerly;
 * tensors are zero-copy slices of the mapping whose {@link Tensor#shape()} is the reverse of GGUF's ne order.
 *
 * <p>The header is fully validated at {@link #open}: every length is checked against the bytes left before
 * anything is allocated, tensor types, dimensions, alignment and data extents are checked, and every problem is a
 * {@link FormatException} naming the file and the key or tensor.
 *
 * <p>Thread-safety: after {@code open} returns, the object is immutable and its tensors may be read from any
 * number of threads concurrently. {@link #close()} unmaps the file (it closes a shared arena); it must not race
 * with reads — once closed, any access to a tensor's data throws {@link IllegalStateException} (never a crash).
 */
public final class GgufFile implements AutoCloseable {
    /** "GGUF" read as a little-endian u32. */
    public static final int MAGIC = 0x46554747;
    public static final long DEFAULT_ALIGNMENT = 32;
    /** ggml's GGML_MAX_DIMS. */
    public static final int MAX_DIMS = 4;
    private static final int MAX_ARRAY_DEPTH = 16;

    private final Path path;
    private final Arena arena;
    private final MemorySegment map;
    private final Residency residency;
    private final int version;
    private long alignment = DEFAULT_ALIGNMENT;
    private long dataOffset;
    private final Map<String, Object> metadata = new LinkedHashMap<>();
    private final Map<String, GgufValueType> types = new HashMap<>();
    private final List<Tensor> tensors = new ArrayList<>();
    private final Map<String, Tensor> tensorMap = new LinkedHashMap<>();

    private GgufFile(Path path, Arena arena, MemorySegment map, Residency residency) throws FormatException {
        this.path = path;
        this.arena = arena;
        this.map = map;
        this.residency = residency;
        this.version = parse();
    }

    /** Maps {@code path} read-only (once, whole file) and parses and validates its header. */
    public static GgufFile open(Path path) throws IOException {
        return open(path, Residency.MAPPED);
    }

    /** Opens {@code path} mapped or read into memory ({@link Residency}; AUTO decides by the file's size) and validates its header. */
    public static GgufFile open(Path path, Residency residency) throws IOException {
        return Io.open(path, residency, (arena, bytes, r) -> new GgufFile(path, arena, bytes, r), f -> f.tensors);
    }

    // ---------------------------------------------------------------------------------------------------- parsing

    private record Info(String name, long[] ne, GgmlType type, long offset, long bytes) {}

    private int parse() throws FormatException {
        Cursor c = new Cursor(path, map);
        if (c.size < 4) throw new FormatException(path, "not a GGUF file: only " + c.size + " bytes");
        int magic = c.i32("magic");
        if (magic != MAGIC) {
            throw new FormatException(path, "not a GGUF file: magic bytes " + hex4(magic) + ", expected 47 47 55 46 (\"GGUF\")");
        }
        int v = c.i32("version");
        if (v == 1) throw new FormatException(path, "GGUF version 1 is not supported (only 2 and 3); re-convert the model with a current converter");
        if (v != 2 && v != 3) {
            if (Integer.reverseBytes(v) >= 1 && Integer.reverseBytes(v) <= 3) {
                throw new FormatException(path, "big-endian GGUF files are not supported");
            }
            throw new FormatException(path, "unsupported GGUF version " + Integer.toUnsignedString(v) + " (only 2 and 3)");
        }
        long nTensors = c.i64("tensor count");
        long nKv = c.i64("metadata key/value count");
        // Cheapest possible entries: a tensor info with an empty name and no dims = 8+4+4+8 bytes; a key/value with
        // an empty key and a u8 value = 8+4+1 bytes.
        if (nTensors < 0 || nTensors > c.remaining() / 24) {
            throw new FormatException(path, "header claims " + Long.toUnsignedString(nTensors) + " tensors, more than the "
                    + c.remaining() + " remaining bytes can describe (truncated or corrupt file)");
        }
        if (nKv < 0 || nKv > c.remaining() / 13) {
            throw new FormatException(path, "header claims " + Long.toUnsignedString(nKv) + " metadata entries, more than the "
                    + c.remaining() + " remaining bytes can hold (truncated or corrupt file)");
        }

        for (long i = 0; i < nKv; i++) {
            String key = c.string("metadata key #" + i);
            if (metadata.containsKey(key)) throw new FormatException(path, "metadata key '" + key + "' appears twice");
            int typeId = c.i32("type of metadata key '" + key + "'");
            GgufValueType type = GgufValueType.fromId(Integer.toUnsignedLong(typeId));
            if (type == null) {
                throw new FormatException(path, "metadata key '" + key + "': unknown value type id " + Integer.toUnsignedString(typeId));
            }
            metadata.put(key, readValue(c, type, key, 0));
            types.put(key, type);
        }

        Object al = metadata.get("general.alignment");
        if (al != null) {
            if (!(al instanceof Long a) || types.get("general.alignment") == GgufValueType.UINT64 && a < 0) {
                throw new FormatException(path, "metadata key 'general.alignment' has type " + types.get("general.alignment") + ", expected UINT32");
            }
            if (!Io.isPowerOfTwo(a) || a > (1L << 30)) {
                throw new FormatException(path, "metadata key 'general.alignment' = " + a + " is not a power of two between 1 and 2^30");
            }
            alignment = a;
        }

        List<Info> infos = new ArrayList<>((int) nTensors);
        Map<String, Info> byName = new HashMap<>();
        for (long i = 0; i < nTensors; i++) {
            String name = c.string("name of tensor #" + i);
            String t = "tensor '" + name + "'";
            if (byName.containsKey(name)) throw new FormatException(path, t + " appears twice (duplicate tensor name)");
            long nDims = Integer.toUnsignedLong(c.i32(t + " n_dims"));
            if (nDims > MAX_DIMS) throw new FormatException(path, t + ": n_dims = " + nDims + ", more than the " + MAX_DIMS + " ggml allows");
            long[] ne = new long[(int) nDims];
            long n = 1;
            for (int d = 0; d < nDims; d++) {
                ne[d] = c.i64(t + " ne[" + d + "]");
                if (ne[d] < 0) {
                    throw new FormatException(path, t + ": dimension ne[" + d + "] = " + Long.toUnsignedString(ne[d]) + " is too large");
                }
            }
            try {
                for (long d : ne) n = Math.multiplyExact(n, d);
            } catch (ArithmeticException e) {
                throw new FormatException(path, t + ": dimensions " + Arrays.toString(ne) + " have more elements than fit in 63 bits");
            }
            int typeId = c.i32(t + " type");
            GgmlType type = GgmlType.fromId(typeId);
            if (type == null) {
                throw new FormatException(path, t + ": unknown ggml tensor type id " + Integer.toUnsignedString(typeId));
            }
            if (nDims == 0 && type.blockSize > 1) {
                throw new FormatException(path, t + ": a scalar (n_dims = 0) cannot have the block type " + type);
            }
            if (nDims > 0 && ne[0] % type.blockSize != 0) {
                throw new FormatException(path, t + ": row length ne[0] = " + ne[0] + " is not a multiple of the " + type
                        + " block size " + type.blockSize);
            }
            long bytes;
            try {
                bytes = Math.multiplyExact(n / type.blockSize, (long) type.typeSize);
            } catch (ArithmeticException e) {
                throw new FormatException(path, t + ": " + type + " " + Arrays.toString(ne) + " needs more bytes than fit in 63 bits");
            }
            long offset = c.i64(t + " data offset");
            if (offset < 0) {
                throw new FormatException(path, t + ": data offset " + Long.toUnsignedString(offset) + " is beyond the end of the file ("
                        + c.size + " bytes)");
            }
            if (offset % alignment != 0) {
                throw new FormatException(path, t + ": data offset " + offset + " is not a multiple of the alignment " + alignment);
            }
            Info info = new Info(name, ne, type, offset, bytes);
            infos.add(info);
            byName.put(name, info);
        }

        dataOffset = Io.alignUp(c.pos, alignment);
        if (dataOffset > c.size && !infos.isEmpty()) {
            throw new FormatException(path, "truncated: the tensor data section would start at offset " + dataOffset
                    + ", beyond the end of the file (" + c.size + " bytes)");
        }
        long avail = Math.max(0, c.size - dataOffset);
        for (Info in : infos) {
            if (in.offset > avail || in.bytes > avail - in.offset) {
                long start = dataOffset + in.offset;
                throw new FormatException(path, "tensor '" + in.name + "': data [" + start + ", " + (start + in.bytes)
                        + ") extends beyond the end of the file (" + c.size + " bytes)");
            }
        }
        List<Info> sorted = new ArrayList<>(infos);
        sorted.removeIf(in -> in.bytes == 0);
        sorted.sort(Comparator.comparingLong(Info::offset));
        for (int i = 1; i < sorted.size(); i++) {
            Info a = sorted.get(i - 1), b = sorted.get(i);
            if (b.offset < a.offset + a.bytes) {
                throw new FormatException(path, "tensor '" + b.name + "': data at offset " + b.offset + " overlaps tensor '" + a.name
                        + "' [" + a.offset + ", " + (a.offset + a.bytes) + ") (offsets relative to the data section)");
            }
        }
        for (Info in : infos) {
            long[] shape = new long[in.ne.length];
            for (int d = 0; d < shape.length; d++) shape[d] = in.ne[shape.length - 1 - d];
            Tensor t = new Tensor(in.name, in.type, shape, map.asSlice(dataOffset + in.offset, in.bytes));
            tensors.add(t);
            tensorMap.put(in.name, t);
        }
        return v;
    }

    private Object readValue(Cursor c, GgufValueType type, String key, int depth) throws FormatException {
        String what = "value of metadata key '" + key + "'";
        return switch (type) {
            case UINT8 -> (long) (c.i8(what) & 0xFF);
            case INT8 -> (long) c.i8(what);
            case UINT16 -> (long) (c.i16(what) & 0xFFFF);
            case INT16 -> (long) c.i16(what);
            case UINT32 -> Integer.toUnsignedLong(c.i32(what));
            case INT32 -> (long) c.i32(what);
            case UINT64, INT64 -> c.i64(what);
            case FLOAT32 -> c.f32(what);
            case FLOAT64 -> c.f64(what);
            case BOOL -> {
                byte b = c.i8(what);
                if (b != 0 && b != 1) throw new FormatException(path, "metadata key '" + key + "': invalid bool value " + (b & 0xFF));
                yield b == 1;
            }
            case STRING -> c.string(what);
            case ARRAY -> readArray(c, key, depth + 1);
        };
    }

    private GgufArray readArray(Cursor c, String key, int depth) throws FormatException {
        if (depth > MAX_ARRAY_DEPTH) {
            throw new FormatException(path, "metadata key '" + key + "': arrays nested more than " + MAX_ARRAY_DEPTH + " deep");
        }
        int typeId = c.i32("array element type of metadata key '" + key + "'");
        GgufValueType et = GgufValueType.fromId(Integer.toUnsignedLong(typeId));
        if (et == null) {
            throw new FormatException(path, "metadata key '" + key + "': array of unknown value type id " + Integer.toUnsignedString(typeId));
        }
        long count = c.i64("array length of metadata key '" + key + "'");
        long min = et.minEncodedSize();
        if (count < 0 || count > c.remaining() / min) {
            throw new FormatException(path, "metadata key '" + key + "': array length " + Long.toUnsignedString(count) + " of " + et
                    + " needs more than the " + c.remaining() + " bytes left in the file (offset " + c.pos + ")");
        }
        if (count > Integer.MAX_VALUE - 8) {
            throw new FormatException(path, "metadata key '" + key + "': array length " + count + " is too large");
        }
        Object[] values = new Object[(int) count];
        for (int i = 0; i < values.length; i++) values[i] = readValue(c, et, key, depth);
        return new GgufArray(et, values);
    }

    private static String hex4(int v) {
        return String.format("%02x %02x %02x %02x", v & 0xFF, (v >>> 8) & 0xFF, (v >>> 16) & 0xFF, (v >>> 24) & 0xFF);
    }

    /** A bounds-checked little-endian reader over the mapping. */
    private static final class Cursor {
        private static final int MAX_STRING = Integer.MAX_VALUE - 8;
        final Path file;
        final MemorySegment seg;
        final long size;
        long pos;

        Cursor(Path file, MemorySegment seg) {
            this.file = file;
            this.seg = seg;
            this.size = seg.byteSize();
        }

        long remaining() {
            return size - pos;
        }

        private void need(long n, String what) throws FormatException {
            if (n > size - pos) {
                throw new FormatException(file, "truncated: reading " + what + " at offset " + pos + " needs " + n + " bytes but the file has "
                        + size + " bytes");
            }
        }

        byte i8(String what) throws FormatException {
            need(1, what);
            return seg.get(Io.U8, pos++);
        }

        short i16(String what) throws FormatException {
            need(2, what);
            short v = seg.get(Io.I16, pos);
            pos += 2;
            return v;
        }

        int i32(String what) throws FormatException {
            need(4, what);
            int v = seg.get(Io.I32, pos);
            pos += 4;
            return v;
        }

        long i64(String what) throws FormatException {
            need(8, what);
            long v = seg.get(Io.I64, pos);
            pos += 8;
            return v;
        }

        float f32(String what) throws FormatException {
            need(4, what);
            float v = seg.get(Io.F32, pos);
            pos += 4;
            return v;
        }

        double f64(String what) throws FormatException {
            need(8, what);
            double v = seg.get(Io.F64, pos);
            pos += 8;
            return v;
        }

        String string(String what) throws FormatException {
            long len = i64(what + " length");
            if (len < 0 || len > size - pos) {
                throw new FormatException(file, what + ": string length " + Long.toUnsignedString(len) + " at offset " + (pos - 8)
                        + " exceeds the " + (size - pos) + " bytes left in the file");
            }
            if (len > MAX_STRING) throw new FormatException(file, what + ": string length " + len + " is too large");
            byte[] b = new byte[(int) len];
            MemorySegment.copy(seg, Io.U8, pos, b, 0, b.length);
            String s = Io.utf8OrNull(b);
            if (s == null) throw new FormatException(file, what + ": string at offset " + pos + " is not valid UTF-8");
            pos += len;
            return s;
        }
    }

    // ---------------------------------------------------------------------------------------------------- accessors

    public Path path() { return path; }

    /** Whether the file is mapped or was read into memory ({@link Residency#MAPPED} or {@link Residency#MEMORY}). */
    public Residency residency() { return residency; }

    /** The GGUF version, 2 or 3. */
    public int version() { return version; }

    /** general.alignment, or 32 when absent. */
    public long alignment() { return alignment; }

    /** Offset in the file where the tensor data section starts (tensor offsets are relative to it). */
    public long dataOffset() { return dataOffset; }

    /** Size of the file in bytes. */
    public long fileSize() { return map.byteSize(); }

    /**
     * All metadata in file order, unmodifiable. Every integer type -> Long (UINT64 values above Long.MAX_VALUE come
     * back negative: the raw 64-bit pattern), FLOAT32 -> Float, FLOAT64 -> Double, BOOL -> Boolean, STRING -> String,
     * ARRAY -> {@link GgufArray} (a {@code List<Object>} of the same boxed types that knows its element type).
     */
    public Map<String, Object> metadata() { return Collections.unmodifiableMap(metadata); }

    /** The stored type of {@code key}, or null when the key is absent. */
    public GgufValueType metadataType(String key) { return types.get(key); }

    /** The element type of the array stored under {@code key}; null when absent or not an array. */
    public GgufValueType metadataElementType(String key) {
        return metadata.get(key) instanceof GgufArray a ? a.elementType() : null;
    }

    public boolean has(String key) { return metadata.containsKey(key); }

    public Optional<Object> find(String key) { return Optional.ofNullable(metadata.get(key)); }

    private Object require(String key) throws FormatException {
        Object v = metadata.get(key);
        if (v == null) throw new FormatException(path, "metadata key '" + key + "' is missing");
        return v;
    }

    private FormatException wrongType(String key, String expected) {
        GgufValueType t = types.get(key);
        String actual = t == GgufValueType.ARRAY ? "ARRAY of " + metadataElementType(key) : String.valueOf(t);
        return new FormatException(path, "metadata key '" + key + "' has type " + actual + ", expected " + expected);
    }

    public String getString(String key) throws FormatException {
        if (require(key) instanceof String s) return s;
        throw wrongType(key, "STRING");
    }

    /** Any integer type. A UINT64 value above Long.MAX_VALUE is an error. */
    public long getLong(String key) throws FormatException {
        if (require(key) instanceof Long v) {
            if (v < 0 && types.get(key) == GgufValueType.UINT64) {
                throw new FormatException(path, "metadata key '" + key + "' = " + Long.toUnsignedString(v) + " is too large");
            }
            return v;
        }
        throw wrongType(key, "an integer");
    }

    /** Any integer type whose value fits in an int. */
    public int getInt(String key) throws FormatException {
        long v = getLong(key);
        if (v != (int) v) throw new FormatException(path, "metadata key '" + key + "' = " + v + " does not fit in an int");
        return (int) v;
    }

    /** FLOAT32, or FLOAT64 narrowed to float. */
    public float getFloat(String key) throws FormatException {
        Object v = require(key);
        if (v instanceof Float f) return f;
        if (v instanceof Double d) return d.floatValue();
        throw wrongType(key, "FLOAT32");
    }

    /** FLOAT32 or FLOAT64. */
    public double getDouble(String key) throws FormatException {
        Object v = require(key);
        if (v instanceof Float f) return f;
        if (v instanceof Double d) return d;
        throw wrongType(key, "FLOAT64");
    }

    public boolean getBoolean(String key) throws FormatException {
        if (require(key) instanceof Boolean b) return b;
        throw wrongType(key, "BOOL");
    }

    /** The array stored under {@code key} (any element type). */
    public GgufArray getArray(String key) throws FormatException {
        if (require(key) instanceof GgufArray a) return a;
        throw wrongType(key, "ARRAY");
    }

    /** An array of strings. */
    public List<String> getStringArray(String key) throws FormatException {
        GgufArray a = getArray(key);
        if (a.elementType() != GgufValueType.STRING) throw wrongType(key, "ARRAY of STRING");
        List<String> out = new ArrayList<>(a.size());
        for (Object o : a) out.add((String) o);
        return Collections.unmodifiableList(out);
    }

    /** An array of any integer type, as longs. */
    public long[] getLongArray(String key) throws FormatException {
        GgufArray a = getArray(key);
        if (!a.elementType().isInteger()) throw wrongType(key, "ARRAY of an integer type");
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = (Long) a.get(i);
        return out;
    }

    /** An array of FLOAT32 (or FLOAT64, narrowed). */
    public float[] getFloatArray(String key) throws FormatException {
        GgufArray a = getArray(key);
        if (a.elementType() != GgufValueType.FLOAT32 && a.elementType() != GgufValueType.FLOAT64) {
            throw wrongType(key, "ARRAY of FLOAT32");
        }
        float[] out = new float[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = ((Number) a.get(i)).floatValue();
        return out;
    }

    /** Tensors in file order (unmodifiable). */
    public List<Tensor> tensors() { return Collections.unmodifiableList(tensors); }

    /** The tensor named {@code name}, or null. */
    public Tensor tensor(String name) { return tensorMap.get(name); }

    /** name -> tensor in file order (unmodifiable). */
    public Map<String, Tensor> tensorMap() { return Collections.unmodifiableMap(tensorMap); }

    /** Unmaps the file. Idempotent. Tensors obtained from this file must not be used afterwards. */
    @Override
    public void close() {
        synchronized (this) {
            if (arena.scope().isAlive()) arena.close();
        }
    }

    @Override
    public String toString() {
        return "GgufFile[" + path + ", v" + version + ", " + metadata.size() + " keys, " + tensors.size() + " tensors]";
    }
}
