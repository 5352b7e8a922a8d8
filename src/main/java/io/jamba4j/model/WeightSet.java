package io.jamba4j.model;

import io.jamba4j.tensor.Tensor;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * A checkpoint's tensors under Hugging Face names (spec §2.1), whatever file they came from, with checked access:
 * a missing tensor or a shape that disagrees with the config is an error naming the source file and the tensor.
 *
 * <p>One deviation from HF naming: a GGUF file stores A = −exp(A_log) instead of A_log; it appears here as
 * {@code model.layers.i.mamba.A}, and the model uses whichever of the two is present.
 */
public final class WeightSet {
    private final String source;
    private final Map<String, Tensor> tensors;
    private final Set<String> used = new LinkedHashSet<>();

    private final Map<String, String> fileNames;

    public WeightSet(String source, Map<String, Tensor> tensors) {
        this(source, tensors, Map.of());
    }

    /** @param fileNames HF name → the name the tensor has in its file, where they differ (GGUF), for error messages */
    public WeightSet(String source, Map<String, Tensor> tensors, Map<String, String> fileNames) {
        this.source = source;
        this.tensors = new LinkedHashMap<>(tensors);
        this.fileNames = Map.copyOf(fileNames);
    }

    private ModelException missing(String name) {
        String g = fileNames.isEmpty() ? null : WeightNames.hfToGguf(name);
        return new ModelException(source + ": missing tensor '" + name + "'" + (g != null ? " ('" + g + "')" : ""));
    }

    /** "'name'" or, for a tensor named differently in its file, "'file name' (name)". */
    String label(String name) {
        String f = fileNames.get(name);
        return f == null || f.equals(name) ? "'" + name + "'" : "'" + f + "' (" + name + ")";
    }

    public String source() {
        return source;
    }

    public Map<String, Tensor> tensors() {
        return java.util.Collections.unmodifiableMap(tensors);
    }

    public boolean has(String name) {
        return tensors.containsKey(name);
    }

    /** The tensor {@code name}, which must exist and have exactly {@code shape}. */
    public Tensor require(String name, long... shape) {
        Tensor t = tensors.get(name);
        if (t == null) throw missing(name);
        check(t, name, shape);
        used.add(name);
        return t;
    }

    /** The tensor {@code name} with {@code shape}, or null when absent. */
    public Tensor optional(String name, long... shape) {
        return has(name) ? require(name, shape) : null;
    }

    /**
     * A small tensor (norm weight, bias, D, ...) as float32: the tensor's own array when it is a heap float32 array (so
     * a model built on trainable parameters sees their updates), else a decoded copy.
     */
    public float[] floats(String name, long... shape) {
        Tensor t = tensors.get(name);
        if (t == null) throw missing(name);
        if (t.type() == io.jamba4j.tensor.GgmlType.F64) { // decoded here, never multiplied: F64 is fine (e.g. A_log)
            if (!Arrays.equals(t.shape(), shape)) check(t, name, shape);
            used.add(name);
            return t.toFloats();
        }
        Tensor r = require(name, shape);
        float[] shared = r.heapFloats();
        return shared != null ? shared : r.toFloats();
    }

    public float[] optionalFloats(String name, long... shape) {
        return has(name) ? floats(name, shape) : null;
    }

    private void check(Tensor t, String name, long[] shape) {
        if (!Arrays.equals(t.shape(), shape)) {
            throw new ModelException(source + ": tensor " + label(name) + " has shape " + Arrays.toString(t.shape())
                    + ", but the config implies " + Arrays.toString(shape));
        }
        if (!t.type().supported) {
            throw new ModelException(source + ": tensor " + label(name) + " has type " + t.type() + ", which jamba4j cannot compute with yet");
        }
    }

    /** Names present in the checkpoint but never asked for. */
    public Set<String> unused() {
        Set<String> s = new LinkedHashSet<>(tensors.keySet());
        s.removeAll(used);
        return s;
    }
}
