package io.jamba4j.model;

/**
 * What a generation session keeps resident, predicted from the config (what {@code jamba info --context N} prints and
 * {@code jamba bench} sets against the measured peak RSS): the weights (mapped or loaded, all of them touched by a
 * prefill), the KV cache of the attention layers at the requested context, the Mamba layers' constant state, the
 * forward pass' working buffers for one prompt chunk, and the JVM's own footprint.
 */
public record MemoryEstimate(long weights, long kvCache, long mambaState, long workspace, long runtime) {
    /**
     * The JVM besides the model: class metadata, JIT code cache, GC structures, thread stacks, the CLI's libraries.
     * Measured (JDK 25, Linux x86-64, with {@code ./jamba}'s 64 MiB young generation) as the peak RSS of {@code jamba
     * bench} minus the other terms: 142 MiB on the 1 MB test fixture, 176 MiB on bench-small at 2K context.
     */
    public static final long RUNTIME_BYTES = 160L << 20;

    /** Estimate for a session of {@code context} tokens with {@code kvType} caches over {@code weightBytes} of weights. */
    public static MemoryEstimate of(JambaConfig c, long weightBytes, long context, KvType kvType) {
        return new MemoryEstimate(weightBytes, c.kvCacheBytes(context, kvType.bytes()), c.mambaStateBytes(),
                workspaceBytes(c, JambaModel.DEFAULT_CHUNK), RUNTIME_BYTES);
    }

    /**
     * The {@link Workspace} buffers of a forward pass over a chunk of T tokens: per token, the residual stream and its
     * normed copy and block output (3·H), attention's q, its output, k and v (2·n_h·d_h + 2·n_kv·d_h), the Mamba
     * mixer's x‖z, u, dt, y, its x_proj output and dt-rank input (5·D_in + dt_rank + 2N + dt_rank), the MLP's gate
     * and up (2·F), the router's probabilities and choices (E + 2k), and a gathered input and output row per token for
     * the largest expert batch (2·H).
     */
    public static long workspaceBytes(JambaConfig c, int T) {
        long h = c.hiddenSize, din = c.mambaInner(), r = c.mambaDtRank, n = c.mambaDState;
        long perToken = 3 * h
                + 2L * c.numAttentionHeads * c.headDim() + 2L * c.numKeyValueHeads * c.headDim()
                + 5 * din + r + 2 * n + r
                + 2L * c.intermediateSize
                + c.numExperts + 2L * c.numExpertsPerTok + 2 * h + 1;
        return 4 * perToken * T;
    }

    public long total() {
        return weights + kvCache + mambaState + workspace + runtime;
    }
}
