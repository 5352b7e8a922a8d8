package io.jamba4j.format;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jamba4j.tensor.Tensor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Writes a {@code .safetensors} file: "__metadata__" first, then the tensors; the header JSON is padded with spaces
 * to a multiple of 8 bytes, as the reference implementation does. Tensor data is laid out back to back in
 * insertion order, except that 4-byte dtypes (F32) come before 2-byte ones (F16, BF16) so that every tensor stays
 * aligned to its element size (the reference implementation sorts by dtype for the same reason). Data is written
 * as-is (little-endian) and streamed from each tensor's segment. Writes are atomic. Not thread-safe.
 */
public final class SafetensorsWriter {
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();
    private Map<String, String> metadata = Map.of("format", "pt");

    public SafetensorsWriter() {}

    /** Adds a tensor; F32, F16, BF16 or F64 only, names unique. */
    public void add(Tensor t) {
        Objects.requireNonNull(t, "tensor");
        dtype(t);
        if (t.name().equals("__metadata__")) throw new IllegalArgumentException("a tensor cannot be named __metadata__");
        if (tensors.containsKey(t.name())) throw new IllegalArgumentException("tensor '" + t.name() + "' added twice");
        tensors.put(t.name(), t);
    }

    /** The "__metadata__" string map (default {"format": "pt"}; null or empty: none written). */
    public void setMetadata(Map<String, String> m) {
        metadata = m == null ? Map.of() : new LinkedHashMap<>(m);
    }

    static String dtype(Tensor t) {
        return switch (t.type()) {
            case F32 -> "F32";
            case F16 -> "F16";
            case BF16 -> "BF16";
            case F64 -> "F64";
            default -> throw new IllegalArgumentException("tensor '" + t.name() + "': type " + t.type()
                    + " cannot be stored in safetensors (F32, F16, BF16 or F64 only)");
        };
    }

    public void write(Path file) throws IOException {
        write(file, new ArrayList<>(tensors.values()), metadata);
    }

    private static void write(Path file, List<Tensor> list, Map<String, String> metadata) throws IOException {
        List<Tensor> order = new ArrayList<>(list);
        order.sort(Comparator.comparingInt((Tensor t) -> -t.type().typeSize)); // stable
        ObjectNode root = SafetensorsFile.JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode m = root.putObject("__metadata__");
            metadata.forEach((k, v) -> m.put(Objects.requireNonNull(k), Objects.requireNonNull(v, k)));
        }
        long off = 0;
        for (Tensor t : order) {
            ObjectNode e = root.putObject(t.name());
            e.put("dtype", dtype(t));
            ArrayNode sh = e.putArray("shape");
            for (long d : t.shape()) sh.add(d);
            ArrayNode o = e.putArray("data_offsets");
            o.add(off);
            off = Math.addExact(off, t.byteSize());
            o.add(off);
        }
        byte[] json;
        try {
            json = SafetensorsFile.JSON.writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IOException(file + ": cannot encode the header", e);
        }
        int padded = (int) Io.alignUp(json.length, 8);
        byte[] header = new byte[padded];
        System.arraycopy(json, 0, header, 0, json.length);
        for (int i = json.length; i < padded; i++) header[i] = ' ';
        Io.writeAtomically(file, sink -> {
            sink.u64(header.length);
            sink.bytes(header);
            for (Tensor t : order) sink.segment(t.data());
        });
    }

    /**
     * Writes {@code tensors} into {@code dir} as Hugging Face does: a single {@code model.safetensors} when their
     * total size is at most {@code maxShardBytes}, otherwise shards {@code model-0000i-of-0000n.safetensors} filled
     * greedily in list order (a tensor larger than the limit gets a shard of its own) plus
     * {@code model.safetensors.index.json} with {"metadata": {"total_size": bytes}, "weight_map": {name: shard}}
     * (keys sorted). Each file is written atomically; the index last. Weight files of an earlier save in {@code dir}
     * (model.safetensors, the index, model-*-of-*.safetensors) that are not part of this one are deleted.
     */
    public static void writeSharded(List<Tensor> tensors, Path dir, long maxShardBytes) throws IOException {
        writeSharded(tensors, dir, maxShardBytes, Map.of("format", "pt"));
    }

    public static void writeSharded(List<Tensor> tensors, Path dir, long maxShardBytes, Map<String, String> metadata) throws IOException {
        if (maxShardBytes <= 0) throw new IllegalArgumentException("maxShardBytes must be positive");
        Map<String, Tensor> unique = new LinkedHashMap<>();
        long total = 0;
        for (Tensor t : tensors) {
            dtype(t);
            if (unique.putIfAbsent(t.name(), t) != null) throw new IllegalArgumentException("tensor '" + t.name() + "' given twice");
            total = Math.addExact(total, t.byteSize());
        }
        Files.createDirectories(dir);
        List<List<Tensor>> shards = new ArrayList<>();
        List<Tensor> cur = new ArrayList<>();
        long curBytes = 0;
        for (Tensor t : unique.values()) {
            if (!cur.isEmpty() && curBytes + t.byteSize() > maxShardBytes) {
                shards.add(cur);
                cur = new ArrayList<>();
                curBytes = 0;
            }
            cur.add(t);
            curBytes += t.byteSize();
        }
        if (!cur.isEmpty() || shards.isEmpty()) shards.add(cur);
        if (shards.size() == 1) {
            write(dir.resolve(SafetensorsCheckpoint.SINGLE), shards.get(0), metadata);
            removeStale(dir, Set.of(SafetensorsCheckpoint.SINGLE));
            return;
        }
        int n = shards.size();
        Map<String, String> weightMap = new TreeMap<>();
        Set<String> written = new HashSet<>();
        for (int i = 0; i < n; i++) {
            String name = String.format("model-%05d-of-%05d.safetensors", i + 1, n);
            write(dir.resolve(name), shards.get(i), metadata);
            written.add(name);
            for (Tensor t : shards.get(i)) weightMap.put(t.name(), name);
        }
        written.add(SafetensorsCheckpoint.INDEX);
        removeStale(dir, written);
        ObjectNode index = SafetensorsFile.JSON.createObjectNode();
        index.putObject("metadata").put("total_size", total);
        ObjectNode wm = index.putObject("weight_map");
        weightMap.forEach(wm::put);
        byte[] json = SafetensorsFile.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(index).concat("\n")
                .getBytes(StandardCharsets.UTF_8);
        Io.writeAtomically(dir.resolve(SafetensorsCheckpoint.INDEX), sink -> sink.bytes(json));
    }

    /**
     * Deletes weight files of an earlier save that would otherwise be picked up with the new ones (as transformers'
     * save_pretrained does): model.safetensors, its index, and model-NNNNN-of-NNNNN.safetensors shards not in keep.
     */
    private static void removeStale(Path dir, Set<String> keep) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String f = p.getFileName().toString();
                boolean weights = f.equals(SafetensorsCheckpoint.SINGLE) || f.equals(SafetensorsCheckpoint.INDEX)
                        || f.matches("model-\\d{5}-of-\\d{5}\\.safetensors");
                if (weights && !keep.contains(f)) Files.deleteIfExists(p);
            }
        }
    }
}
