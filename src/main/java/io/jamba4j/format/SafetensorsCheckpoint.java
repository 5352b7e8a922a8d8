package io.jamba4j.format;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.jamba4j.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The weights of a Hugging Face model directory: {@code model.safetensors}, or else
 * {@code model.safetensors.index.json} ({"weight_map": {tensor: shard file}}) and its shards. (When both exist the
 * single file wins, as in transformers.) A path to a {@code .safetensors} file is accepted too.
 *
 * <p>Errors (all {@link FormatException}s naming the file): neither file present, index not a JSON object or
 * without a weight_map, a shard missing or outside the directory, a tensor listed in the index absent from its
 * shard, the same tensor in two shards. Tensors present in a shard but not listed in the index are still loaded.
 *
 * <p>Thread-safety as {@link SafetensorsFile}; {@link #close()} closes every shard.
 */
public final class SafetensorsCheckpoint implements AutoCloseable {
    public static final String SINGLE = "model.safetensors";
    public static final String INDEX = "model.safetensors.index.json";

    private final Path path;
    private final List<SafetensorsFile> files;
    private final Map<String, Tensor> tensors;

    private SafetensorsCheckpoint(Path path, List<SafetensorsFile> files, Map<String, Tensor> tensors) {
        this.path = path;
        this.files = files;
        this.tensors = tensors;
    }

    public static SafetensorsCheckpoint open(Path dir) throws IOException {
        return open(dir, Residency.MAPPED);
    }

    /**
     * Opens a checkpoint with its files mapped or read into memory ({@link Residency}; AUTO decides by the size of
     * all its files together).
     */
    public static SafetensorsCheckpoint open(Path dir, Residency residency) throws IOException {
        if (Files.isRegularFile(dir)) {
            SafetensorsFile f = SafetensorsFile.open(dir, residency);
            return new SafetensorsCheckpoint(dir, List.of(f), f.tensors());
        }
        if (!Files.isDirectory(dir)) throw new FormatException(dir, "no such directory");
        Path single = dir.resolve(SINGLE);
        if (Files.isRegularFile(single)) {
            SafetensorsFile f = SafetensorsFile.open(single, residency);
            return new SafetensorsCheckpoint(dir, List.of(f), f.tensors());
        }
        Path index = dir.resolve(INDEX);
        if (!Files.isRegularFile(index)) {
            throw new FormatException(dir, "no " + SINGLE + " and no " + INDEX + " in this directory");
        }
        Map<String, String> weightMap = readWeightMap(index);
        Map<String, List<String>> byShard = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : weightMap.entrySet()) {
            byShard.computeIfAbsent(e.getValue(), k -> new ArrayList<>()).add(e.getKey());
        }
        List<Path> shardFiles = new ArrayList<>();
        for (String shard : byShard.keySet()) {
            Path p = dir.resolve(shard);
            if (Files.isRegularFile(p)) shardFiles.add(p); // the loop below reports missing or misplaced shards
        }
        Residency r = residency.resolve(shardFiles);
        List<SafetensorsFile> opened = new ArrayList<>();
        try {
            Map<String, Tensor> all = new LinkedHashMap<>();
            Map<String, String> owner = new LinkedHashMap<>();
            Path base = dir.toAbsolutePath().normalize();
            for (Map.Entry<String, List<String>> s : byShard.entrySet()) {
                String shard = s.getKey();
                Path p = base.resolve(shard).normalize();
                if (!p.startsWith(base) || p.equals(base)) {
                    throw new FormatException(index, "shard '" + shard + "' is not a file inside " + dir);
                }
                if (!Files.isRegularFile(p)) {
                    throw new FormatException(index, "shard '" + shard + "' (holding tensor '" + s.getValue().get(0) + "') is missing");
                }
                SafetensorsFile f = SafetensorsFile.open(dir.resolve(shard), r);
                opened.add(f);
                for (String name : s.getValue()) {
                    if (f.tensor(name) == null) {
                        throw new FormatException(index, "tensor '" + name + "' is listed for shard '" + shard + "' but that shard does not contain it");
                    }
                }
                for (Tensor t : f.tensors().values()) {
                    String prev = owner.putIfAbsent(t.name(), shard);
                    if (prev != null) {
                        throw new FormatException(index, "tensor '" + t.name() + "' is in two shards: '" + prev + "' and '" + shard + "'");
                    }
                    all.put(t.name(), t);
                }
            }
            return new SafetensorsCheckpoint(dir, Collections.unmodifiableList(opened), Collections.unmodifiableMap(all));
        } catch (Throwable t) {
            for (SafetensorsFile f : opened) f.close();
            throw t;
        }
    }

    private static Map<String, String> readWeightMap(Path index) throws IOException {
        long size = Files.size(index);
        if (size > SafetensorsFile.MAX_HEADER_BYTES) throw new FormatException(index, "index is " + size + " bytes, too large");
        String text = Io.utf8OrNull(Files.readAllBytes(index));
        if (text == null) throw new FormatException(index, "not valid UTF-8");
        JsonNode root;
        try {
            root = SafetensorsFile.JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new FormatException(index, "not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) throw new FormatException(index, "not a JSON object");
        JsonNode wm = root.get("weight_map");
        if (wm == null || !wm.isObject()) throw new FormatException(index, "missing or non-object \"weight_map\"");
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : wm.properties()) {
            if (!e.getValue().isTextual() || e.getValue().textValue().isEmpty()) {
                throw new FormatException(index, "weight_map entry for tensor '" + e.getKey() + "' is not a file name");
            }
            out.put(e.getKey(), e.getValue().textValue());
        }
        if (out.isEmpty()) throw new FormatException(index, "weight_map is empty");
        return out;
    }

    /** The directory (or file) this was opened from. */
    public Path path() { return path; }

    /** The opened files (one, or the shards in order of first appearance in the index). */
    public List<SafetensorsFile> files() { return files; }

    /** Union of all shards' tensors, name -> tensor, unmodifiable. */
    public Map<String, Tensor> tensors() { return tensors; }

    /** The tensor named {@code name}, or null. */
    public Tensor tensor(String name) { return tensors.get(name); }

    /** The first file's __metadata__. */
    public Map<String, String> metadata() { return files.get(0).metadata(); }

    /** Whether the files are mapped or were read into memory ({@link Residency#MAPPED} or {@link Residency#MEMORY}). */
    public Residency residency() {
        return files.isEmpty() ? Residency.MAPPED : files.get(0).residency();
    }

    @Override
    public void close() {
        for (SafetensorsFile f : files) f.close();
    }
}
