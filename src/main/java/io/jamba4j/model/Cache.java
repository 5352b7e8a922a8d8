package io.jamba4j.model;

/**
 * The per-sequence state of incremental decoding (spec §5): keys and values for the attention layers, and the conv
 * window plus SSM state for the Mamba layers. Its size is fixed at creation from the requested context; the Mamba
 * part does not grow with the sequence at all.
 */
public final class Cache {
    /** Cached state of one layer. */
    public sealed interface LayerCache permits KV, MambaState {}

    /** K and V rows of n_kv·d_h floats for each cached position, position-major. */
    public static final class KV implements LayerCache {
        public final float[] k;
        public final float[] v;
        final int rowSize;

        KV(int capacity, int rowSize) {
            long n = (long) capacity * rowSize;
            if (n > Integer.MAX_VALUE - 16) {
                throw new ModelException("KV cache of " + capacity + " tokens × " + rowSize + " floats does not fit one array");
            }
            this.k = new float[(int) n];
            this.v = new float[(int) n];
            this.rowSize = rowSize;
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
    private int position;

    public Cache(JambaConfig config, int capacity) {
        if (capacity <= 0) throw new ModelException("context size must be positive, got " + capacity);
        this.capacity = capacity;
        layers = new LayerCache[config.numHiddenLayers];
        for (LayerSpec l : config.layers()) {
            layers[l.index()] = l.isAttention()
                    ? new KV(capacity, config.numKeyValueHeads * config.headDim())
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

    public int remaining() {
        return capacity - position;
    }

    void advance(int tokens) {
        position += tokens;
    }

    public LayerCache layer(int i) {
        return layers[i];
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
            if (c instanceof KV kv) b += 4L * (kv.k.length + kv.v.length);
            else if (c instanceof MambaState m) b += 4L * (m.conv.length + m.ssm.length);
        }
        return b;
    }
}
