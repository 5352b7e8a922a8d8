package io.jamba4j.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Causal grouped-query attention over a KV cache, tiled with an online softmax (the flash-attention scheme): no row
 * of scores longer than one key block is ever held. For T new query rows at positions {@code position .. position+T−1}
 * and cached keys/values at positions {@code 0 .. position+T−1}:
 * <pre>
 *   out[t, h] = Σ_{τ ≤ position+t} softmax_τ(scale · q[t, h]·k[τ, h/G]) · v[τ, h/G]      (G = n_h / n_kv)
 * </pre>
 *
 * <p><b>Cache layout.</b> Head-major: each KV head owns one contiguous slice of the K cache and of the V cache, so
 * that the work item of a KV head streams both slices front to back. In its slice, values are rows of d_h elements,
 * position after position; keys are stored transposed in tiles of {@link #KEY_TILE} positions, each tile d_h rows of
 * 16 elements ({@link #keyIndex}), so that a score vector of 16 keys is a sum of d_h multiply-adds of one broadcast
 * query element with one key row — no horizontal sums. A cache holds whole tiles ({@link #cacheRows}) for every head;
 * {@link #storeKeys} and {@link #storeValues} write new positions.
 *
 * <p><b>Work.</b> Items are (query tile, KV head, key split). An item's rows are its query positions × the G query
 * heads sharing the KV head; it walks its keys one block of {@link #BLOCK} at a time and keeps, per row, a running
 * maximum m, a running sum l and an unnormalised output row: a block with scores s_j and maximum m' ≥ m rescales the
 * state by e^(m−m'), adds Σ e^(s_j−m') to l and Σ e^(s_j−m')·v_j to the row. Scores and the weighted sum of values run
 * as register-tiled kernels over 4 rows at a time, so each K and V element read feeds 4 rows. With a single query tile
 * (decode, short prefills) the keys are also split into ranges so that every thread has work; the partial states are
 * merged at the end by the same rescaling rule.
 *
 * <p>An F16 cache holds IEEE binary16 bits; a block is widened into a per-thread float tile once and then used like an
 * F32 one. Scratch memory (per calling thread: running state; per worker: scores and the widened tiles) is kept in
 * thread-locals and reused, so that steady-state calls allocate nothing.
 */
public final class FlashAttention {
    private FlashAttention() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();

    /** Positions per tile of the transposed key cache. */
    public static final int KEY_TILE = 16;
    /** Keys per online-softmax block (a multiple of {@link #KEY_TILE}). */
    static final int BLOCK = 64;
    /** Query positions of one work item: they share each K/V block while it is in cache. */
    static final int QUERY_TILE = 16;
    /** Fewest keys worth a split of their own when the keys are divided between threads. */
    static final int MIN_KEYS_PER_SPLIT = 128;
    /**
     * Below this many multiply-adds (q·k and p·v together; about 100 µs on one core) a call runs on the calling thread
     * alone: waking the pool costs little on an idle machine, but on a loaded one a descheduled worker holds the call
     * up for a time slice, which only pays off for calls of this size.
     */
    static final long SERIAL_WORK = 1L << 18;

    static {
        if (KEY_TILE % L != 0) throw new IllegalStateException("vector length " + L + " does not divide the key tile");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Cache layout

    /** Rows a K or V cache holds for {@code positions} positions: whole key tiles. */
    public static int cacheRows(int positions) {
        return (positions + KEY_TILE - 1) / KEY_TILE * KEY_TILE;
    }

    /** Index of element {@code i} of KV head {@code head}'s key at {@code position} in a key cache of {@code rows} positions. */
    public static int keyIndex(int position, int head, int i, int headDim, int rows) {
        return (head * rows + position / KEY_TILE * KEY_TILE) * headDim + i * KEY_TILE + position % KEY_TILE;
    }

    /** Index of element {@code i} of KV head {@code head}'s value at {@code position} in a value cache of {@code rows} positions. */
    public static int valueIndex(int position, int head, int i, int headDim, int rows) {
        return (head * rows + position) * headDim + i;
    }

    /**
     * Stores T key rows of n_kv·d_h elements, {@code src[off + t·n_kv·d_h ..]}, as the keys of positions
     * {@code position .. position+T−1} of {@code cache} (n_kv·{@link #cacheRows rows}·d_h elements).
     */
    public static void storeKeys(float[] src, int off, int T, int position, int nKvHeads, int headDim, float[] cache) {
        int rows = cache.length / (nKvHeads * headDim);
        for (int t = 0; t < T; t++) {
            for (int g = 0; g < nKvHeads; g++) {
                int dst = keyIndex(position + t, g, 0, headDim, rows), o = off + (t * nKvHeads + g) * headDim;
                for (int i = 0; i < headDim; i++) cache[dst + i * KEY_TILE] = src[o + i];
            }
        }
    }

    /** As {@link #storeKeys(float[], int, int, int, int, int, float[])}, rounding to binary16 (as ggml's F16 cache). */
    public static void storeKeys(float[] src, int off, int T, int position, int nKvHeads, int headDim, short[] cache) {
        int rows = cache.length / (nKvHeads * headDim);
        for (int t = 0; t < T; t++) {
            for (int g = 0; g < nKvHeads; g++) {
                int dst = keyIndex(position + t, g, 0, headDim, rows), o = off + (t * nKvHeads + g) * headDim;
                for (int i = 0; i < headDim; i++) cache[dst + i * KEY_TILE] = Float.floatToFloat16(src[o + i]);
            }
        }
    }

    /** Stores T value rows of n_kv·d_h elements as the values of positions {@code position .. position+T−1}. */
    public static void storeValues(float[] src, int off, int T, int position, int nKvHeads, int headDim, float[] cache) {
        int rows = cache.length / (nKvHeads * headDim);
        for (int t = 0; t < T; t++) {
            for (int g = 0; g < nKvHeads; g++) {
                System.arraycopy(src, off + (t * nKvHeads + g) * headDim, cache, valueIndex(position + t, g, 0, headDim, rows), headDim);
            }
        }
    }

    /** As {@link #storeValues(float[], int, int, int, int, int, float[])}, rounding to binary16. */
    public static void storeValues(float[] src, int off, int T, int position, int nKvHeads, int headDim, short[] cache) {
        int rows = cache.length / (nKvHeads * headDim);
        for (int t = 0; t < T; t++) {
            for (int g = 0; g < nKvHeads; g++) {
                VectorOps.floatToHalf(src, off + (t * nKvHeads + g) * headDim, cache, valueIndex(position + t, g, 0, headDim, rows), headDim);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Attention

    /**
     * Attention of T query rows over an F32 cache. {@code q}: T rows of n_h·d_h; {@code k}, {@code v}: the key and
     * value caches in the layout above, holding positions {@code 0 .. position+T−1} (the new ones already stored),
     * with room for {@code k.length / (n_kv·d_h)} positions; {@code out}: T rows of n_h·d_h (overwritten). With {@code parallel} false it runs on the calling thread
     * alone; otherwise on the {@link Parallel} pool when the call is large enough to pay for it.
     */
    public static void attend(float[] q, float[] out, int T, int position, int nHeads, int nKvHeads, int headDim,
                              float scale, float[] k, float[] v, boolean parallel) {
        Task task = TASK.get();
        task.kf = k;
        task.vf = v;
        run(task, q, out, T, position, nHeads, nKvHeads, headDim, scale, parallel);
    }

    /** As {@link #attend(float[], float[], int, int, int, int, int, float, float[], float[], boolean) attend} over an F16 cache. */
    public static void attend(float[] q, float[] out, int T, int position, int nHeads, int nKvHeads, int headDim,
                              float scale, short[] k, short[] v, boolean parallel) {
        Task task = TASK.get();
        task.kh = k;
        task.vh = v;
        run(task, q, out, T, position, nHeads, nKvHeads, headDim, scale, parallel);
    }

    private static void run(Task task, float[] q, float[] out, int T, int position, int nHeads, int nKvHeads,
                            int headDim, float scale, boolean parallel) {
        if (T <= 0) return;
        if (nKvHeads <= 0 || nHeads % nKvHeads != 0) {
            throw new IllegalArgumentException(nHeads + " query heads cannot share " + nKvHeads + " KV heads evenly");
        }
        try {
            task.q = q;
            task.out = out;
            task.T = T;
            task.position = position;
            task.nHeads = nHeads;
            task.nKvHeads = nKvHeads;
            task.hd = headDim;
            task.group = nHeads / nKvHeads;
            task.qDim = nHeads * headDim;
            task.kvDim = nKvHeads * headDim;
            task.scale = scale;
            task.tiles = (T + QUERY_TILE - 1) / QUERY_TILE;
            int length = task.kf != null ? task.kf.length : task.kh.length;
            task.capacity = length / task.kvDim;
            if (task.capacity % KEY_TILE != 0 || task.capacity < position + T || (task.kf != null ? task.vf.length : task.vh.length) != length) {
                throw new IllegalArgumentException("KV cache of " + length + " elements does not hold whole tiles of "
                        + KEY_TILE + " positions × " + task.kvDim + " elements up to position " + (position + T));
            }
            int keys = position + T;
            int threads = parallel ? Parallel.threads() : 1;
            long work = 2L * T * keys * nHeads * headDim;
            boolean serial = threads == 1 || work < SERIAL_WORK;
            int base = task.tiles * nKvHeads;
            int splits = 1;
            // split the keys only for a single tile (the partial states stay small) when items are too few to share
            if (!serial && task.tiles == 1 && base < 2 * threads) {
                splits = Math.min((2 * threads + base - 1) / base, Math.max(1, keys / MIN_KEYS_PER_SPLIT));
            }
            int splitLen = cacheRows((keys + splits - 1) / splits); // whole key tiles
            splits = (keys + splitLen - 1) / splitLen;              // no empty split
            task.splits = splits;
            task.splitLen = splitLen;
            task.ensure();
            int items = base * splits;
            if (serial) task.run(0, items);
            else Parallel.forRange(items, 1, task);
            if (splits > 1) merge(task);
        } finally {
            task.q = null; task.out = null; task.kf = null; task.vf = null; task.kh = null; task.vh = null;
        }
    }

    private static final ThreadLocal<Task> TASK = ThreadLocal.withInitial(Task::new);
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** Per-worker buffers: a block of scores per row, row offsets, and an F16 cache's K or V block widened. */
    private static final class Scratch {
        float[] scores = new float[0];
        /** {@link #expShiftedScalar}'s lane sums. */
        final float[] lanes = new float[L];
        int[] qo = new int[0], po = new int[0], ao = new int[0], si = new int[0], t = new int[0], n = new int[0];
        float[] k = new float[0];
        /** Keeps the prefetching loads of {@link Task#touchBlock} from being removed as dead code. */
        int sink;

        void ensure(int rows, int hd, boolean half) {
            int padded = (rows + 3) & ~3;
            if (scores.length < padded * BLOCK) scores = new float[padded * BLOCK];
            if (qo.length < padded) {
                qo = new int[padded];
                po = new int[padded];
                ao = new int[padded];
                si = new int[padded];
                t = new int[padded];
                n = new int[padded];
            }
            if (half && k.length < BLOCK * hd) k = new float[BLOCK * hd];
        }
    }

    /** One call's parameters and running state; reused by the calling thread. */
    private static final class Task implements Parallel.IntRangeBody {
        float[] q, out, kf, vf;
        short[] kh, vh;
        int T, position, nHeads, nKvHeads, hd, group, qDim, kvDim, capacity, tiles, splits, splitLen;
        float scale;
        float[] m = new float[0];    // running max per (split, row, head)
        double[] l = new double[0];  // running sum per (split, row, head)
        float[] part = new float[0]; // unnormalised rows per split when splits > 1, [split][row][n_h·d_h]

        void ensure() {
            int states = splits * T * nHeads;
            if (m.length < states) {
                m = new float[states];
                l = new double[states];
            }
            if (splits > 1 && part.length < splits * T * qDim) part = new float[splits * T * qDim];
        }

        @Override
        public void run(int start, int end) {
            Scratch s = SCRATCH.get();
            s.ensure(QUERY_TILE * group, hd, kh != null);
            for (int i = start; i < end; i++) {
                int split = i % splits, rest = i / splits;
                item(rest / nKvHeads, rest % nKvHeads, split, s);
            }
        }

        private void item(int tile, int g, int split, Scratch s) {
            int t0 = tile * QUERY_TILE, t1 = Math.min(T, t0 + QUERY_TILE);
            int h0 = g * group;
            int ks = split * splitLen, ke = Math.min(position + t1, ks + splitLen);
            float[] acc = splits == 1 ? out : part;
            int accBase = split * T * qDim, stBase = split * T * nHeads;
            // rows r = (t − t0)·G + (h − h0); padded to a multiple of 4 by repeating the last row, whose kernels then
            // compute and store the same values twice
            int rows = (t1 - t0) * group, padded = (rows + 3) & ~3;
            // per row: offsets of its query, its block of scores, its output and its running state, and its query
            // position
            int[] qo = s.qo, po = s.po, ao = s.ao, si = s.si, tr = s.t, n = s.n;
            for (int r = 0; r < padded; r++) {
                int rr = Math.min(r, rows - 1), t = t0 + rr / group, h = h0 + rr % group;
                qo[r] = t * qDim + h * hd;
                po[r] = rr * BLOCK;
                ao[r] = accBase + qo[r];
                si[r] = stBase + t * nHeads + h;
                tr[r] = t;
            }
            for (int r = 0; r < rows; r++) {
                m[si[r]] = Float.NEGATIVE_INFINITY;
                l[si[r]] = 0;
                java.util.Arrays.fill(acc, ao[r], ao[r] + hd, 0f);
            }
            float[] sc = s.scores;
            for (int kb = ks; kb < ke; kb += BLOCK) {
                int kn = Math.min(BLOCK, ke - kb), ktiles = (kn + KEY_TILE - 1) / KEY_TILE;
                // this head's keys of the block: ktiles tiles of d_h×16 from kOff; values: kn rows of d_h from vOff
                int kOff = keyIndex(kb, g, 0, hd, capacity), vOff = valueIndex(kb, g, 0, hd, capacity);
                // F32 cache: prefetch two blocks ahead (measured better than one or four). Not for an F16 cache,
                // whose widening pass streams the block in order: decode over 32K keys (16 query, 4 KV heads, d_h 64,
                // 2 threads, development VM) took 1.30–1.46 ms without against 1.47–1.79 ms with it (5 alternating
                // runs), while the F32 cache took 1.90–2.09 ms with against 2.16–2.30 ms without (4 runs)
                int nb = kb + 2 * BLOCK;
                if (kf != null && nb < ke) touchBlock(nb, Math.min(BLOCK, ke - nb), g, s);
                // an F16 block is widened into one scratch block, keys first, then values (one block of floats, 16 KiB
                // at d_h = 64, stays in a 32 KiB L1 cache beside the scores; keys and values together would not)
                float[] kArr = kf, vArr = vf;
                if (kf == null) {
                    kArr = s.k;
                    VectorOps.halfToFloat(kh, kOff, kArr, 0, ktiles * KEY_TILE * hd);
                    kOff = 0;
                }
                for (int r = 0; r < padded; r++) n[r] = Math.min(kn, position + tr[r] + 1 - kb); // causal; ≤ 0: none here
                // each group of 4 rows: scores and the online-softmax step of its real rows; then its weighted sum of
                // values
                for (int r = 0; r < padded; r += 4) {
                    int nGroup = Math.max(Math.max(n[r], n[r + 1]), Math.max(n[r + 2], n[r + 3]));
                    if (nGroup <= 0) continue;
                    int gTiles = (nGroup + KEY_TILE - 1) / KEY_TILE;
                    scores4(q, qo[r], qo[r + 1], qo[r + 2], qo[r + 3], kArr, kOff, KEY_TILE * hd,
                            gTiles, hd, scale, sc, po[r], po[r + 1], po[r + 2], po[r + 3]);
                    for (int j = r, end = Math.min(r + 4, rows); j < end; j++) {
                        softmaxRow(sc, po[j], n[j], gTiles * KEY_TILE, si[j], acc, ao[j], s.lanes);
                    }
                }
                if (vf == null) {
                    vArr = s.k;
                    VectorOps.halfToFloat(vh, vOff, vArr, 0, kn * hd);
                    vOff = 0;
                }
                for (int r = 0; r < padded; r += 4) {
                    int nGroup = Math.max(Math.max(n[r], n[r + 1]), Math.max(n[r + 2], n[r + 3]));
                    if (nGroup <= 0) continue;
                    accumulate4(sc, po[r], po[r + 1], po[r + 2], po[r + 3], nGroup, vArr, vOff, hd, hd,
                            acc, ao[r], ao[r + 1], ao[r + 2], ao[r + 3]);
                }
            }
            if (splits == 1) {
                for (int r = 0; r < rows; r++) VectorOps.scale(acc, ao[r], hd, (float) (1.0 / l[si[r]]));
            }
        }

        /**
         * Reads one element of every cache line of the F32 block at {@code kb} (its keys and values for KV head g): the
         * misses of these independent loads overlap (a software prefetch, which Java does not have), so the block is
         * in cache when it is computed on, instead of arriving line by line through the hardware prefetcher, which
         * restarts at every 4 KiB page of the two streams.
         */
        private void touchBlock(int kb, int kn, int g, Scratch s) {
            int kOff = keyIndex(kb, g, 0, hd, capacity), vOff = valueIndex(kb, g, 0, hd, capacity);
            int kLen = (kn + KEY_TILE - 1) / KEY_TILE * KEY_TILE * hd, vLen = kn * hd;
            int x = 0;
            for (int i = 0; i < kLen; i += 16) x += Float.floatToRawIntBits(kf[kOff + i]);
            for (int i = 0; i < vLen; i += 16) x += Float.floatToRawIntBits(vf[vOff + i]);
            s.sink += x;
        }

        /**
         * One row's online-softmax step over a block: scores at sc[o .. o+n) (lanes n .. width are padding), state si.
         * Rescales the state and the output row to the block's new maximum and leaves the weights e^(s − m) at
         * sc[o .. o+width), zero beyond n.
         */
        private void softmaxRow(float[] sc, int o, int n, int width, int si, float[] acc, int ao, float[] lanes) {
            if (n <= 0) {
                java.util.Arrays.fill(sc, o, o + width, 0f);
                return;
            }
            FloatVector mv = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
            for (int j = 0; j < width; j += L) {
                FloatVector x = FloatVector.fromArray(F, sc, o + j);
                if (j + L > n) {
                    x = x.blend(Float.NEGATIVE_INFINITY, F.indexInRange(j, n).not());
                    x.intoArray(sc, o + j);
                }
                mv = mv.max(x);
            }
            float mx = mv.reduceLanes(VectorOperators.MAX);
            float mOld = m[si];
            if (mx > mOld) {
                if (mOld != Float.NEGATIVE_INFINITY) {
                    float c = SelectiveScan.exp(mOld - mx);
                    l[si] *= c;
                    VectorOps.scale(acc, ao, hd, c);
                }
                m[si] = mx;
            }
            long a0 = EXP_WATCH.begin();
            l[si] += EXP_WATCH.primary(a0) ? expShifted(sc, o, width, m[si]) : expShiftedScalar(sc, o, width, m[si], lanes);
            EXP_WATCH.end(a0);
        }
    }

    /** out row (t, h) = Σ_s e^(m_s − M)·part_s / Σ_s e^(m_s − M)·l_s with M = max_s m_s. */
    private static void merge(Task task) {
        int T = task.T, nh = task.nHeads, hd = task.hd, qDim = task.qDim, splits = task.splits;
        float[] m = task.m, out = task.out, part = task.part;
        double[] l = task.l;
        for (int t = 0; t < T; t++) {
            for (int h = 0; h < nh; h++) {
                int si = t * nh + h;
                float mx = Float.NEGATIVE_INFINITY;
                for (int s = 0; s < splits; s++) mx = Math.max(mx, m[s * T * nh + si]);
                double sum = 0;
                for (int s = 0; s < splits; s++) {
                    int st = s * T * nh + si;
                    if (l[st] > 0) sum += l[st] * SelectiveScan.exp(m[st] - mx);
                }
                float inv = (float) (1.0 / sum);
                int o = t * qDim + h * hd;
                java.util.Arrays.fill(out, o, o + hd, 0f);
                for (int s = 0; s < splits; s++) {
                    int st = s * T * nh + si;
                    if (l[st] > 0) VectorOps.axpy(SelectiveScan.exp(m[st] - mx) * inv, part, s * T * qDim + o, out, o, hd);
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Kernels (written out by hand: a helper taking or returning vectors that C2 failed to inline would box them)

    /**
     * Scores of 4 query rows (at q[q0..], q[q1..], q[q2..], q[q3..]) against {@code tiles} key tiles in the transposed
     * layout (tile b at k[kOff + b·tileStride ..], d_h rows of 16 keys): sc[p_r + j] = scale · q_r·k_j for j in
     * [0, 16·tiles). Each column vector of L keys takes d_h multiply-adds of a broadcast query element; two columns
     * at a time keep 8 independent accumulators.
     */
    static void scores4(float[] q, int q0, int q1, int q2, int q3, float[] k, int kOff, int tileStride, int tiles,
                        int hd, float scale, float[] sc, int p0, int p1, int p2, int p3) {
        int perTile = KEY_TILE / L, cols = tiles * perTile;
        int u = 0;
        for (; u + 2 <= cols; u += 2) {
            int ka = kOff + (u / perTile) * tileStride + (u % perTile) * L;
            int kc = kOff + ((u + 1) / perTile) * tileStride + ((u + 1) % perTile) * L;
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            for (int i = 0; i < hd; i++) {
                FloatVector x = FloatVector.fromArray(F, k, ka + i * KEY_TILE);
                FloatVector y = FloatVector.fromArray(F, k, kc + i * KEY_TILE);
                FloatVector s0 = FloatVector.broadcast(F, q[q0 + i]), s1 = FloatVector.broadcast(F, q[q1 + i]);
                FloatVector s2 = FloatVector.broadcast(F, q[q2 + i]), s3 = FloatVector.broadcast(F, q[q3 + i]);
                a0 = x.fma(s0, a0);
                a1 = x.fma(s1, a1);
                a2 = x.fma(s2, a2);
                a3 = x.fma(s3, a3);
                b0 = y.fma(s0, b0);
                b1 = y.fma(s1, b1);
                b2 = y.fma(s2, b2);
                b3 = y.fma(s3, b3);
            }
            int j = u * L;
            a0.mul(scale).intoArray(sc, p0 + j);
            a1.mul(scale).intoArray(sc, p1 + j);
            a2.mul(scale).intoArray(sc, p2 + j);
            a3.mul(scale).intoArray(sc, p3 + j);
            b0.mul(scale).intoArray(sc, p0 + j + L);
            b1.mul(scale).intoArray(sc, p1 + j + L);
            b2.mul(scale).intoArray(sc, p2 + j + L);
            b3.mul(scale).intoArray(sc, p3 + j + L);
        }
        if (u < cols) {
            int ka = kOff + (u / perTile) * tileStride + (u % perTile) * L;
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            for (int i = 0; i < hd; i++) {
                FloatVector x = FloatVector.fromArray(F, k, ka + i * KEY_TILE);
                a0 = x.fma(FloatVector.broadcast(F, q[q0 + i]), a0);
                a1 = x.fma(FloatVector.broadcast(F, q[q1 + i]), a1);
                a2 = x.fma(FloatVector.broadcast(F, q[q2 + i]), a2);
                a3 = x.fma(FloatVector.broadcast(F, q[q3 + i]), a3);
            }
            int j = u * L;
            a0.mul(scale).intoArray(sc, p0 + j);
            a1.mul(scale).intoArray(sc, p1 + j);
            a2.mul(scale).intoArray(sc, p2 + j);
            a3.mul(scale).intoArray(sc, p3 + j);
        }
    }

    /**
     * Which of {@link #expShifted} and {@link #expShiftedScalar} (the same bits) the softmax runs: JDK 25's C2 now and
     * then compiles the vector one without its intrinsics, and then every call boxes for the rest of the run (seen in
     * the test suite, about one full suite in three: FlashAttentionTest's 512-token prefill allocating 442 KB per call
     * after 5000 calls, JFR: all at {@code expShifted}'s exponential). That is one box, 96 bytes, per call (a 512-token
     * call of that test makes ~4,600 softmax calls: 32 items of 32 rows × 1 to 8 key blocks), which the watch at
     * first took for a clean call (its threshold was 1024 bytes) and so kept the boxed kernel. See {@link KernelWatch}.
     */
    static final KernelWatch EXP_WATCH = new KernelWatch("vector", "scalar");

    /**
     * {@link #expShifted} one lane at a time, with the same bits: lane l of the vector sum is {@code lanes[l]}
     * (accumulated in the same order), reduced as {@link VectorOps#sumLanes} does (halves, then quarters, …), and each
     * e^x by {@link SelectiveScan#exp(float)}, the vector algorithm's scalar form. {@code lanes} holds L floats.
     */
    static double expShiftedScalar(float[] sc, int o, int n, float max, float[] lanes) {
        java.util.Arrays.fill(lanes, 0, L, 0f);
        for (int j = 0; j < n; j += L) {
            for (int i = 0; i < L; i++) {
                float e = SelectiveScan.exp(sc[o + j + i] - max);
                sc[o + j + i] = e;
                lanes[i] += e;
            }
        }
        for (int d = L / 2; d >= 1; d /= 2) {
            for (int i = 0; i < d; i++) lanes[i] += lanes[i + d];
        }
        return lanes[0];
    }

    /** sc[o+j] ← e^(sc[o+j] − max) for j in [0, n), n a multiple of L ({@link SelectiveScan#exp(float)}'s algorithm); returns their sum. */
    static double expShifted(float[] sc, int o, int n, float max) {
        FloatVector sum = FloatVector.zero(F);
        for (int j = 0; j < n; j += L) {
            FloatVector e = SelectiveScan.expV(FloatVector.fromArray(F, sc, o + j).sub(max));
            e.intoArray(sc, o + j);
            sum = sum.add(e);
        }
        return VectorOps.sumLanes(sum);
    }

    /**
     * acc_r[a_r .. a_r+hd) += Σ_j p_r[j] · v[vOff + j·vStride ..) for j in [0, n), for 4 rows r with weights at
     * p[p_r ..]: key-outer, so each value row is read once for all 4 rows, with 8 accumulators (4 rows × 2 vectors).
     */
    static void accumulate4(float[] p, int p0, int p1, int p2, int p3, int n, float[] v, int vOff, int vStride, int hd,
                            float[] acc, int a0, int a1, int a2, int a3) {
        int i = 0;
        for (; i + 2 * L <= hd; i += 2 * L) {
            FloatVector x0 = FloatVector.fromArray(F, acc, a0 + i), y0 = FloatVector.fromArray(F, acc, a0 + i + L);
            FloatVector x1 = FloatVector.fromArray(F, acc, a1 + i), y1 = FloatVector.fromArray(F, acc, a1 + i + L);
            FloatVector x2 = FloatVector.fromArray(F, acc, a2 + i), y2 = FloatVector.fromArray(F, acc, a2 + i + L);
            FloatVector x3 = FloatVector.fromArray(F, acc, a3 + i), y3 = FloatVector.fromArray(F, acc, a3 + i + L);
            for (int j = 0, r = vOff + i; j < n; j++, r += vStride) {
                FloatVector va = FloatVector.fromArray(F, v, r), vb = FloatVector.fromArray(F, v, r + L);
                FloatVector w0 = FloatVector.broadcast(F, p[p0 + j]), w1 = FloatVector.broadcast(F, p[p1 + j]);
                FloatVector w2 = FloatVector.broadcast(F, p[p2 + j]), w3 = FloatVector.broadcast(F, p[p3 + j]);
                x0 = va.fma(w0, x0);
                y0 = vb.fma(w0, y0);
                x1 = va.fma(w1, x1);
                y1 = vb.fma(w1, y1);
                x2 = va.fma(w2, x2);
                y2 = vb.fma(w2, y2);
                x3 = va.fma(w3, x3);
                y3 = vb.fma(w3, y3);
            }
            x0.intoArray(acc, a0 + i);
            y0.intoArray(acc, a0 + i + L);
            x1.intoArray(acc, a1 + i);
            y1.intoArray(acc, a1 + i + L);
            x2.intoArray(acc, a2 + i);
            y2.intoArray(acc, a2 + i + L);
            x3.intoArray(acc, a3 + i);
            y3.intoArray(acc, a3 + i + L);
        }
        if (i + L <= hd) {
            FloatVector x0 = FloatVector.fromArray(F, acc, a0 + i), x1 = FloatVector.fromArray(F, acc, a1 + i);
            FloatVector x2 = FloatVector.fromArray(F, acc, a2 + i), x3 = FloatVector.fromArray(F, acc, a3 + i);
            for (int j = 0, r = vOff + i; j < n; j++, r += vStride) {
                FloatVector va = FloatVector.fromArray(F, v, r);
                x0 = va.fma(FloatVector.broadcast(F, p[p0 + j]), x0);
                x1 = va.fma(FloatVector.broadcast(F, p[p1 + j]), x1);
                x2 = va.fma(FloatVector.broadcast(F, p[p2 + j]), x2);
                x3 = va.fma(FloatVector.broadcast(F, p[p3 + j]), x3);
            }
            x0.intoArray(acc, a0 + i);
            x1.intoArray(acc, a1 + i);
            x2.intoArray(acc, a2 + i);
            x3.intoArray(acc, a3 + i);
            i += L;
        }
        for (; i < hd; i++) {
            float s0 = acc[a0 + i], s1 = acc[a1 + i], s2 = acc[a2 + i], s3 = acc[a3 + i];
            for (int j = 0, r = vOff + i; j < n; j++, r += vStride) {
                float x = v[r];
                s0 = Math.fma(p[p0 + j], x, s0);
                s1 = Math.fma(p[p1 + j], x, s1);
                s2 = Math.fma(p[p2 + j], x, s2);
                s3 = Math.fma(p[p3 + j], x, s3);
            }
            acc[a0 + i] = s0;
            acc[a1 + i] = s1;
            acc[a2 + i] = s2;
            acc[a3 + i] = s3;
        }
    }
}
