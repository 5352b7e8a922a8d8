package io.jamba4j.format;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.jamba4j.tensor.GgmlType;
import io.jamba4j.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Hugging Face {@code .safetensors} file, memory-mapped once as a single segment: an 8-byte little-endian header
 * length N, N bytes of UTF-8 JSON (an object: tensor name -> {dtype, shape, data_offsets: [begin, end)} relative
 * to the end of the header, plus an optional "__metadata__" string map), then the data.
 *
 * <p>Everything is validated at {@link #open}: header length, strict UTF-8, JSON syntax (duplicate keys are an
 * error), types of every field, dtype (F32, F16, BF16 and F64 are supported; any other dtype is rejected naming the
 * tensor), data_offsets equal to dtype size x element count, extents inside the file, and no two tensors
 * overlapping. Tensor shapes are the JSON shapes (PyTorch order).
 *
 * <p>Thread-safety: immutable after open; tensors may be read concurrently from any thread. {@link #close()}
 * unmaps (closes a shared arena) and must not race with reads; later access throws IllegalStateException.
 */
public final class SafetensorsFile implements AutoCloseable {
    /** Largest accepted header, as in the reference implementation (100 MB). */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private static final Set<String> KNOWN_UNSUPPORTED = Set.of("I64", "I32", "I16", "I8", "U64", "U32", "U16", "U8",
            "BOOL", "F8_E4M3", "F8_E5M2", "F8_E8M0", "F6_E2M3", "F6_E3M2", "F4", "C64", "C128");

    private final Path path;
    private final Arena arena;
    private final Residency residency;
    private final Map<String, String> metadata;
    private final Map<String, Tensor> tensors;
    private final long dataOffset;

    private SafetensorsFile(Path path, Arena arena, Residency residency, Map<String, String> metadata, Map<String, Tensor> tensors, long dataOffset) {
        this.path = path;
        this.arena = arena;
        this.residency = residency;
        this.metadata = metadata;
        this.tensors = tensors;
        this.dataOffset = dataOffset;
    }

    /** Maps the file (once, whole) and parses and validates its header. */
    public static SafetensorsFile open(Path file) throws IOException {
        return open(file, Residency.MAPPED);
    }

    /** Opens the file mapped or read into memory ({@link Residency}; AUTO decides by its size) and validates its header. */
    public static SafetensorsFile open(Path file, Residency residency) throws IOException {
        return Io.open(file, residency, (arena, seg, r) -> parse(file, arena, seg, r), f -> f.tensors.values());
    }

    private record Entry(String name, GgmlType type, long[] shape, long begin, long end) {}

    private static SafetensorsFile parse(Path file, Arena arena, MemorySegment seg, Residency residency) throws FormatException {
        long size = seg.byteSize();
        if (size < 8) throw new FormatException(file, "not a safetensors file: only " + size + " bytes (the header length alone is 8)");
        long n = seg.get(Io.I64, 0);
        if (n < 0 || n > size - 8) {
            throw new FormatException(file, "header length " + Long.toUnsignedString(n) + " extends beyond the end of the file ("
                    + size + " bytes)" + (n < 0 || n > (1L << 40) ? "; not a safetensors file?" : ""));
        }
        if (n > MAX_HEADER_BYTES) throw new FormatException(file, "header length " + n + " is larger than the " + MAX_HEADER_BYTES + " bytes allowed");
        if (n < 2) throw new FormatException(file, "header length " + n + " is too small for a JSON object");
        byte[] hb = new byte[(int) n];
        MemorySegment.copy(seg, Io.U8, 8, hb, 0, hb.length);
        String text = Io.utf8OrNull(hb);
        if (text == null) throw new FormatException(file, "header is not valid UTF-8");
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            String m = e.getOriginalMessage();
            if (m != null && m.startsWith("Duplicate field '")) {
                throw new FormatException(file, "header JSON has duplicate key " + m.substring("Duplicate field ".length())
                        + " (a tensor, or a field of one, listed twice)", e);
            }
            throw new FormatException(file, "header is not valid JSON: " + m, e);
        }
        if (root == null || !root.isObject()) {
            throw new FormatException(file, "header JSON is " + (root == null ? "empty" : "of type " + root.getNodeType().toString().toLowerCase())
                    + ", not an object");
        }
        long dataOffset = 8 + n;
        long dataSize = size - dataOffset;

        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<String, JsonNode> f : root.properties()) {
            String name = f.getKey();
            JsonNode v = f.getValue();
            if (name.equals("__metadata__")) {
                if (!v.isObject()) throw new FormatException(file, "__metadata__ is not an object");
                for (Map.Entry<String, JsonNode> m : v.properties()) {
                    if (!m.getValue().isTextual()) {
                        throw new FormatException(file, "__metadata__ value of '" + m.getKey() + "' is not a string");
                    }
                    metadata.put(m.getKey(), m.getValue().textValue());
                }
                continue;
            }
            entries.add(entry(file, name, v, dataSize, dataOffset));
        }

        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin)); // stable: header order among equal offsets
        Entry prev = null;
        for (Entry e : sorted) {
            if (e.begin == e.end) continue;
            if (prev != null && e.begin < prev.end) {
                throw new FormatException(file, "tensor '" + e.name + "': data_offsets [" + e.begin + ", " + e.end + ") overlap tensor '"
                        + prev.name + "' [" + prev.begin + ", " + prev.end + ")");
            }
            prev = e;
        }
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Entry e : sorted) {
            tensors.put(e.name, new Tensor(e.name, e.type, e.shape, seg.asSlice(dataOffset + e.begin, e.end - e.begin)));
        }
        return new SafetensorsFile(file, arena, residency, Collections.unmodifiableMap(metadata), Collections.unmodifiableMap(tensors), dataOffset);
    }

    private static Entry entry(Path file, String name, JsonNode v, long dataSize, long dataOffset) throws FormatException {
        String t = "tensor '" + name + "'";
        if (!v.isObject()) throw new FormatException(file, t + ": header entry is not an object");
        JsonNode dt = v.get("dtype");
        if (dt == null || !dt.isTextual()) throw new FormatException(file, t + ": missing or non-string \"dtype\"");
        String dtype = dt.textValue();
        GgmlType type = switch (dtype) {
            case "F32" -> GgmlType.F32;
            case "F16" -> GgmlType.F16;
            case "BF16" -> GgmlType.BF16;
            case "F64" -> GgmlType.F64;
            default -> throw new FormatException(file, t + ": " + (KNOWN_UNSUPPORTED.contains(dtype) ? "dtype " + dtype + " is not supported"
                    : "unknown dtype '" + dtype + "'") + " (supported: F32, F16, BF16, F64)");
        };
        JsonNode sh = v.get("shape");
        if (sh == null || !sh.isArray()) throw new FormatException(file, t + ": missing or non-array \"shape\"");
        if (sh.size() > 64) throw new FormatException(file, t + ": shape has " + sh.size() + " dimensions");
        long[] shape = new long[sh.size()];
        long count = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = sh.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToLong() || d.longValue() < 0) {
                throw new FormatException(file, t + ": shape entry " + d + " is not a non-negative integer");
            }
            shape[i] = d.longValue();
        }
        long bytes;
        try {
            for (long d : shape) count = Math.multiplyExact(count, d);
            bytes = Math.multiplyExact(count, (long) type.typeSize);
        } catch (ArithmeticException e) {
            throw new FormatException(file, t + ": shape " + sh + " has more elements than fit in 63 bits");
        }
        JsonNode off = v.get("data_offsets");
        if (off == null || !off.isArray() || off.size() != 2) throw new FormatException(file, t + ": \"data_offsets\" is not a [begin, end] pair");
        long[] be = new long[2];
        for (int i = 0; i < 2; i++) {
            JsonNode d = off.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToLong() || d.longValue() < 0) {
                throw new FormatException(file, t + ": data_offsets entry " + d + " is not a non-negative integer");
            }
            be[i] = d.longValue();
        }
        if (be[1] < be[0]) throw new FormatException(file, t + ": data_offsets [" + be[0] + ", " + be[1] + ") end before they begin");
        if (be[1] - be[0] != bytes) {
            throw new FormatException(file, t + ": data_offsets [" + be[0] + ", " + be[1] + ") span " + (be[1] - be[0]) + " bytes but " + dtype
                    + " " + sh + " needs " + bytes);
        }
        if (be[1] > dataSize) {
            throw new FormatException(file, t + ": data [" + (dataOffset + be[0]) + ", " + (dataOffset + be[1])
                    + ") extends beyond the end of the file (" + (dataOffset + dataSize) + " bytes)");
        }
        return new Entry(name, type, shape, be[0], be[1]);
    }

    public Path path() { return path; }

    /** The "__metadata__" map (empty when absent), unmodifiable. */
    public Map<String, String> metadata() { return metadata; }

    /** name -> tensor, ordered by data offset (header order among equal offsets), unmodifiable. */
    public Map<String, Tensor> tensors() { return tensors; }

    /** The tensor named {@code name}, or null. */
    public Tensor tensor(String name) { return tensors.get(name); }

    /** Offset in the file of the data section (8 + header length). */
    public long dataOffset() { return dataOffset; }

    /** Whether the file is mapped or was read into memory ({@link Residency#MAPPED} or {@link Residency#MEMORY}). */
    public Residency residency() {
        return residency;
    }

    /** Unmaps the file. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (arena.scope().isAlive()) arena.close();
        }
    }

    @Override
    public String toString() {
        return "SafetensorsFile[" + path + ", " + tensors.size() + " tensors]";
    }
}
