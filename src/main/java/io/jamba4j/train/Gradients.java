package io.jamba4j.train;

import io.jamba4j.kernels.GradKernels;
import io.jamba4j.tensor.Tensor;

import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Float32 gradients parallel to a {@link Parameters}: one zero-initialised array per parameter, same name and length.
 * Backward passes find the gradient of a weight by the identity of the weight's array ({@link #of(float[])}), so the
 * blocks need not know names; tied weights (one array) share one gradient. Backward passes accumulate: call
 * {@link #zero()} between steps.
 *
 * <p>A block may hold a value derived from a parameter instead of the parameter itself (the Mamba mixer keeps
 * A = −exp(A_log)); {@link #alias} maps the derived array to the parameter's gradient, and the block's backward then
 * writes the gradient with respect to the parameter (documented on that block).
 */
public final class Gradients {
    private final Map<String, float[]> byName = new LinkedHashMap<>();
    private final Map<float[], float[]> byArray = new IdentityHashMap<>();

    public Gradients(Parameters p) {
        for (Map.Entry<String, Tensor> e : p.tensors().entrySet()) {
            float[] values = GradKernels.floats(e.getValue());
            float[] g = new float[values.length];
            byName.put(e.getKey(), g);
            byArray.put(values, g);
        }
    }

    /** Makes {@code derived} (an array a block holds instead of parameter {@code name}) resolve to that parameter's gradient. */
    public void alias(float[] derived, String name) {
        byArray.put(derived, get(name));
    }

    /** The gradient of parameter {@code name}. */
    public float[] get(String name) {
        float[] g = byName.get(name);
        if (g == null) throw new IllegalArgumentException("no gradient '" + name + "'");
        return g;
    }

    /** The gradient of the parameter whose values are {@code param}. */
    public float[] of(float[] param) {
        float[] g = byArray.get(param);
        if (g == null) throw new IllegalArgumentException("array of length " + param.length + " is not a registered parameter");
        return g;
    }

    /** The gradient of a parameter tensor (a float32 heap tensor of a {@link Parameters}). */
    public float[] of(Tensor param) {
        return of(GradKernels.floats(param));
    }

    /** The gradient of {@code param}, or null when {@code param} is null (optional biases). */
    public float[] ofOptional(float[] param) {
        return param == null ? null : of(param);
    }

    public Map<String, float[]> all() {
        return Collections.unmodifiableMap(byName);
    }

    public void zero() {
        for (float[] g : byName.values()) Arrays.fill(g, 0f);
    }

    /** Multiplies every gradient by {@code s}. */
    public void scale(float s) {
        for (float[] g : byName.values()) for (int i = 0; i < g.length; i++) g[i] *= s;
    }

    /** The L2 norm of all gradients together (double accumulation). */
    public double norm() {
        double s = 0;
        for (float[] g : byName.values()) for (float v : g) s += (double) v * v;
        return Math.sqrt(s);
    }
}
