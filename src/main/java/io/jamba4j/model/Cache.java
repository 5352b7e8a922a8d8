package io.jamba4j.model;

import io.jamba4j.kernels.FlashAttention;

/**
 * The per-sequence state of incremental decoding (spec §5): keys and values for the attention layers, and the conv
 * window plus SSM state for the Mamba layers. Its size is fixed at creation from the requested context; the Mamba
 * part does not grow with the sequence at all.
 */
public final class Cache {
    /** Cached state of one layer. */
    public sealed interface LayerCache permits KV, MambaState {}

    /**
     * K and V of n_kv·d_h elements for each cached position: floats in {@link #k}/{@link #v} (F32) or binary16 bits
     * in {@link #kHalf}/{@link #vHalf} (F16); the other pair is null. The layout is {@link FlashAttention}'s:
     * head-major, keys transposed in tiles of 16 positions; both hold whole tiles, i.e. the capacity rounded up to a
     * multiple of 16.
     */
    public static final class KV implements LayerCache {
        public final KvType type;
        public final float[] k;
        public final float[] v;
        public final short[] kHalf;
        public final short[] vHalf;
        final int rowSize;

        KV(int capacity, int rowSize, KvType type) {
            long n = (long) FlashAttention.cacheRows(capacity) * rowSize;
            if (n > Integer.MAX_VALUE - 16) {
                throw new ModelException("KV cache of " + capacity + " tokens × " + rowSize + " elements does not fit one array");
            }
            this.type = type;
            this.k = type == KvType.F32 ? new float[(int) n] : null;
            this.v = type == KvType.F32 ? new float[(int) n] : null;
            this.kHalf = type == KvType.F16 ? new short[(int) n] : null;
            this.vHalf = type == KvType.F16 ? new short[(int) n] : null;
            this.rowSize = rowSize;
        }

        /** Elements per row (n_kv·d_h). */
        public int rowSize() {
            return rowSize;
        }

        /** Bytes held by K and V. */
        public long bytes() {
            return type == KvType.F32 ? 4L * (k.length + v.length) : 2L * (kHalf.length + vHalf.length);
        }
    }

    /** conv: the last K−1 pre-conv x columns, oldest first ([K−1][Din]); ssm: h, state-major [N][Din]; both float32. */
    public static final class MambaState implements LayerCache {
        public final float[] conv;
        public final float[] ssm;

        MambaState(int dConv, int dInner, int dState) {
            conv = new float[(dConv - 1) * dInner];
            ssm = new float[dInner * dState];
        }
    }

    private final LayerCache[] layers;
    private final int capacity;
    private final KvType kvType;
    private int position;

    /** A cache for {@code capacity} tokens with an F32 KV cache. */
    public Cache(JambaConfig config, int capacity) {
        this(config, capacity, KvType.F32);
    }

    /** A cache for {@code capacity} tokens whose attention layers store K and V as {@code kvType}. */
    public Cache(JambaConfig config, int capacity, KvType kvType) {
        if (capacity <= 0) throw new ModelException("context size must be positive, got " + capacity);
        this.capacity = capacity;
        this.kvType = kvType;
        layers = new LayerCache[config.numHiddenLayers];
        for (LayerSpec l : config.layers()) {
            layers[l.index()] = l.isAttention()
                    ? new KV(capacity, config.numKeyValueHeads * config.headDim(), kvType)
                    : new MambaState(config.mambaDConv, config.mambaInner(), config.mambaDState);
        }
    }

    /** Tokens already consumed by this sequence. */
    public int position() {
        return position;
    }

    /** Maximum number of tokens this cache can hold. */
    public int capacity() {
        return capacity;
    }

    /** Element type of the attention layers' K and V. */
    public KvType kvType() {
        return kvType;
    }

    public int remaining() {
        return capacity - position;
    }

    void advance(int tokens) {
        position += tokens;
    }

    public LayerCache layer(int i) {
        return layers[i];
    }

    /**
     * For speed measurements at a given context length ({@code jamba bench --fill}): marks {@code tokens} more
     * positions as cached without computing them. Their K/V rows keep whatever they hold (zeros in a fresh cache) and
     * the Mamba state is unchanged, so what follows is not a model's continuation of any text — only its cost is real.
     */
    public void skipPositions(int tokens) {
        if (tokens < 0 || tokens > remaining()) {
            throw new IllegalArgumentException("cannot skip " + tokens + " positions: " + remaining() + " of " + capacity + " remain");
        }
        advance(tokens);
    }

    /** Forgets everything: the next token is position 0 of a fresh sequence. */
    public void reset() {
        position = 0;
        for (LayerCache c : layers) {
            if (c instanceof MambaState m) {
                java.util.Arrays.fill(m.conv, 0f);
                java.util.Arrays.fill(m.ssm, 0f);
            }
        }
    }

    /** Bytes held by this cache. */
    public long bytes() {
        long b = 0;
        for (LayerCache c : layers) {
            if (c instanceof KV kv) b += kv.bytes();
            else if (c instanceof MambaState m) b += 4L * (m.conv.length + m.ssm.length);
        }
        return b;
    }
}
