package io.jamba4j.train;

import io.jamba4j.model.WeightSet;
import io.jamba4j.tensor.Tensor;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Trainable parameters: float32 heap arrays addressed by their Hugging Face names (spec §2.1), in insertion order.
 * Matrices are exposed as {@link Tensor}s wrapping the same arrays ({@link Tensor#ofFloats}, no copy), so the inference
 * blocks built on them compute with the current values.
 */
public final class Parameters {
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();

    public Parameters() {}

    /** Float32 heap copies of every tensor of {@code w} (A_log stays A_log; a GGUF "A" is not trainable here). */
    public static Parameters copyOf(WeightSet w) {
        Parameters p = new Parameters();
        for (Map.Entry<String, Tensor> e : w.tensors().entrySet()) {
            Tensor t = e.getValue();
            p.add(e.getKey(), t.toFloats(), t.shape());
        }
        return p;
    }

    /** Registers {@code values} (not copied) under {@code name}; returns the tensor view. */
    public Tensor add(String name, float[] values, long... shape) {
        if (tensors.containsKey(name)) throw new IllegalArgumentException("duplicate parameter '" + name + "'");
        Tensor t = Tensor.ofFloats(name, values, shape);
        tensors.put(name, t);
        return t;
    }

    public boolean has(String name) {
        return tensors.containsKey(name);
    }

    public Tensor tensor(String name) {
        Tensor t = tensors.get(name);
        if (t == null) throw new IllegalArgumentException("no parameter '" + name + "'");
        return t;
    }

    /** The values of parameter {@code name}, shared (not a copy). */
    public float[] get(String name) {
        return io.jamba4j.kernels.GradKernels.floats(tensor(name));
    }

    public Map<String, Tensor> tensors() {
        return Collections.unmodifiableMap(tensors);
    }

    /** The parameters as a weight set (same arrays), e.g. for writing a checkpoint. */
    public WeightSet asWeightSet(String source) {
        return new WeightSet(source, tensors);
    }

    public long count() {
        long n = 0;
        for (Tensor t : tensors.values()) n += t.numElements();
        return n;
    }
}
