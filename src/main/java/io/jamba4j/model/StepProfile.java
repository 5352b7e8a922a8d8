package io.jamba4j.model;

import io.jamba4j.kernels.MatMul;

import java.util.EnumMap;
import java.util.Map;

/**
 * Where the time of forward passes goes, by part of the model: the embedding lookup, the norms and residual adds,
 * the attention and Mamba mixers, the dense and mixture-of-experts feed-forwards, and the head (final norm and output
 * product). For each part: wall time, and of it the time in matrix products and their weight bytes
 * ({@link MatMul#productNanos}), so that a part's products can be set against the memory bandwidth and the rest of
 * its time (Mamba's convolution and scan, attention over the cache, routing, activations) stands apart.
 *
 * <p>Attached to a {@link Workspace} ({@link Workspace#profile}), it is fed by {@link JambaModel#forward} and
 * {@link JambaLayer}: two clock reads and two counter reads per part and layer, nothing allocated. Counts the calling
 * thread's clock; the pool threads' share of a product is inside the caller's wait for it.
 */
public final class StepProfile {
    /** The parts of a forward pass. */
    public enum Part { EMBEDDING, NORMS_AND_RESIDUALS, ATTENTION, MAMBA, MLP, MOE, HEAD }

    private static final Part[] PARTS = Part.values();
    private final long[] nanos = new long[PARTS.length];
    private final long[] productNanos = new long[PARTS.length];
    private final long[] productBytes = new long[PARTS.length];
    private long lastProductNanos, lastProductBytes;

    /** One part's totals. */
    public record Totals(long nanos, long productNanos, long productBytes) {
        /** Its share of {@code total} nanoseconds. */
        public double share(long total) {
            return total > 0 ? nanos / (double) total : 0;
        }

        /** GB/s of weights through its matrix products (0 without any). */
        public double productGBs() {
            return productNanos > 0 ? productBytes / (double) productNanos : 0;
        }
    }

    /** Clears every total. */
    public void reset() {
        java.util.Arrays.fill(nanos, 0);
        java.util.Arrays.fill(productNanos, 0);
        java.util.Arrays.fill(productBytes, 0);
    }

    /** Starts timing the first part of a chunk of a pass: returns the clock to hand to {@link #end}. */
    long begin() {
        lastProductNanos = MatMul.productNanos();
        lastProductBytes = MatMul.productBytes();
        return System.nanoTime();
    }

    /** Charges the time since {@code start} (and the products run since the last mark) to {@code part}; returns now. */
    long end(Part part, long start) {
        long now = System.nanoTime();
        long pn = MatMul.productNanos(), pb = MatMul.productBytes();
        int i = part.ordinal();
        nanos[i] += now - start;
        productNanos[i] += pn - lastProductNanos;
        productBytes[i] += pb - lastProductBytes;
        lastProductNanos = pn;
        lastProductBytes = pb;
        return now;
    }

    /** Per part, in the order of {@link Part}: its totals since the last reset. */
    public Map<Part, Totals> totals() {
        Map<Part, Totals> m = new EnumMap<>(Part.class);
        for (Part p : PARTS) m.put(p, new Totals(nanos[p.ordinal()], productNanos[p.ordinal()], productBytes[p.ordinal()]));
        return m;
    }

    /** Nanoseconds of all parts together. */
    public long totalNanos() {
        long t = 0;
        for (long n : nanos) t += n;
        return t;
    }
}
