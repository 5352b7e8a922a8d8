package io.jamba4j.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Causal grouped-query attention over a KV cache, tiled with an online softmax (the flash-attention scheme): no row
 * of scores longer than one key block is ever held. For T new query rows at positions {@code position .. position+T−1}
 * and cached keys/values at rows {@code 0 .. position+T−1}:
 * <pre>
 *   out[t, h] = Σ_{τ ≤ position+t} softmax_τ(scale · q[t, h]·k[τ, h/G]) · v[τ, h/G]      (G = n_h / n_kv)
 * </pre>
 * Work items are (query tile, KV head, key split). Each item walks its keys one block at a time and, for every query
 * row of the tile and every query head sharing the KV head, keeps a running maximum m, a running sum l and an
 * unnormalised output row: a new block with scores s_j and maximum m' ≥ m rescales the state by e^(m−m'), adds
 * Σ e^(s_j−m') to l and Σ e^(s_j−m')·v_j to the row. A K/V block is thus read from memory once per group and tile
 * and reused from cache by all G·tile query rows. With a single query tile (decode, short prefills) the keys are
 * also split into several ranges so that every thread has work; the partial states are merged at the end by the
 * same rescaling rule.
 *
 * <p>The cache holds rows of n_kv·d_h elements, position-major, either as floats or as IEEE binary16 bits; an F16
 * block is widened into a per-thread float tile once and then used like an F32 one. Scratch memory (per calling
 * thread: running state; per worker: one block of scores and, for F16, one K and one V tile) is kept in thread-locals
 * and reused, so that steady-state calls allocate nothing.
 */
public final class FlashAttention {
    private FlashAttention() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();

    /** Query rows of one work item: they share each K/V block while it is in cache. */
    static final int QUERY_TILE = 16;
    /** Fewest keys worth a split of their own when the keys are divided between threads. */
    static final int MIN_KEYS_PER_SPLIT = 128;
    /**
     * Below this many multiply-adds (q·k and p·v together; about 100 µs on one core) a call runs on the calling thread
     * alone: waking the pool costs little on an idle machine, but on a loaded one a descheduled worker holds the call
     * up for a time slice, which only pays off for calls of this size.
     */
    static final long SERIAL_WORK = 1L << 18;

    /** Keys per block for a head size: about 16 KiB of F32 keys, between 16 and 256 keys. */
    public static int blockKeys(int headDim) {
        return Math.max(16, Math.min(256, 4096 / Math.max(1, headDim)));
    }

    /**
     * Attention of T query rows over an F32 cache. {@code q}: T rows of n_h·d_h; {@code k}, {@code v}: rows of
     * n_kv·d_h, of which rows {@code 0 .. position+T−1} are used (the new rows already stored); {@code out}: T rows
     * of n_h·d_h (overwritten). With {@code parallel} false it runs on the calling thread alone; otherwise on the
     * {@link Parallel} pool when the call is large enough to pay for it.
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
            task.block = blockKeys(headDim);
            task.tiles = (T + QUERY_TILE - 1) / QUERY_TILE;
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
            int splitLen = (keys + splits - 1) / splits;
            splits = (keys + splitLen - 1) / splitLen; // no empty split
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

    /** Per-worker buffers: one block of scores, and the widened K and V block of an F16 cache. */
    private static final class Scratch {
        float[] scores = new float[0];
        float[] k = new float[0];
        float[] v = new float[0];

        void ensure(int block, int hd, boolean half) {
            if (scores.length < block) scores = new float[block];
            if (half && k.length < block * hd) {
                k = new float[block * hd];
                v = new float[block * hd];
            }
        }
    }

    /** One call's parameters and running state; reused by the calling thread. */
    private static final class Task implements Parallel.IntRangeBody {
        float[] q, out, kf, vf;
        short[] kh, vh;
        int T, position, nHeads, nKvHeads, hd, group, qDim, kvDim, block, tiles, splits, splitLen;
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
            s.ensure(block, hd, kh != null);
            for (int i = start; i < end; i++) {
                int split = i % splits, rest = i / splits;
                item(rest / nKvHeads, rest % nKvHeads, split, s);
            }
        }

        private void item(int tile, int g, int split, Scratch s) {
            int t0 = tile * QUERY_TILE, t1 = Math.min(T, t0 + QUERY_TILE);
            int h0 = g * group, h1 = h0 + group;
            int ks = split * splitLen, ke = Math.min(position + t1, ks + splitLen);
            float[] acc = splits == 1 ? out : part;
            int accBase = split * T * qDim, stBase = split * T * nHeads;
            for (int t = t0; t < t1; t++) {
                for (int h = h0; h < h1; h++) {
                    m[stBase + t * nHeads + h] = Float.NEGATIVE_INFINITY;
                    l[stBase + t * nHeads + h] = 0;
                }
                java.util.Arrays.fill(acc, accBase + t * qDim + h0 * hd, accBase + t * qDim + h1 * hd, 0f);
            }
            float[] sc = s.scores;
            for (int kb = ks; kb < ke; kb += block) {
                int kn = Math.min(block, ke - kb);
                float[] kArr, vArr;
                int off, stride;
                if (kf != null) {
                    kArr = kf;
                    vArr = vf;
                    off = kb * kvDim + g * hd;
                    stride = kvDim;
                } else {
                    kArr = s.k;
                    vArr = s.v;
                    off = 0;
                    stride = hd;
                    for (int j = 0; j < kn; j++) {
                        int src = (kb + j) * kvDim + g * hd;
                        VectorOps.halfToFloat(kh, src, kArr, j * hd, hd);
                        VectorOps.halfToFloat(vh, src, vArr, j * hd, hd);
                    }
                }
                for (int t = t0; t < t1; t++) {
                    int n = Math.min(kn, position + t + 1 - kb); // causal: keys up to position+t
                    if (n <= 0) continue;
                    for (int h = h0; h < h1; h++) {
                        int qo = t * qDim + h * hd, si = stBase + t * nHeads + h, ao = accBase + qo;
                        scores(q, qo, kArr, off, stride, n, hd, scale, sc);
                        float mx = sc[0];
                        for (int j = 1; j < n; j++) mx = Math.max(mx, sc[j]);
                        float mOld = m[si];
                        if (mx > mOld) {
                            if (mOld != Float.NEGATIVE_INFINITY) {
                                float c = SelectiveScan.exp(mOld - mx);
                                l[si] *= c;
                                VectorOps.scale(acc, ao, hd, c);
                            }
                            m[si] = mx;
                        }
                        l[si] += expShifted(sc, n, m[si]);
                        accumulate(sc, n, vArr, off, stride, hd, acc, ao);
                    }
                }
            }
            if (splits == 1) {
                for (int t = t0; t < t1; t++) {
                    for (int h = h0; h < h1; h++) {
                        VectorOps.scale(acc, t * qDim + h * hd, hd, (float) (1.0 / l[t * nHeads + h]));
                    }
                }
            }
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

    /** sc[j] = scale · q[qo..qo+hd)·k[off + j·stride ..) for j in [0, n); four keys at a time share the q loads. */
    static void scores(float[] q, int qo, float[] k, int off, int stride, int n, int hd, float scale, float[] sc) {
        int vecEnd = hd - hd % L;
        int j = 0;
        if (vecEnd > 0) {
            for (; j + 4 <= n; j += 4) {
                int r0 = off + j * stride, r1 = r0 + stride, r2 = r1 + stride, r3 = r2 + stride;
                FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
                for (int i = 0; i < vecEnd; i += L) {
                    FloatVector qv = FloatVector.fromArray(F, q, qo + i);
                    a0 = FloatVector.fromArray(F, k, r0 + i).fma(qv, a0);
                    a1 = FloatVector.fromArray(F, k, r1 + i).fma(qv, a1);
                    a2 = FloatVector.fromArray(F, k, r2 + i).fma(qv, a2);
                    a3 = FloatVector.fromArray(F, k, r3 + i).fma(qv, a3);
                }
                float s0 = a0.reduceLanes(VectorOperators.ADD), s1 = a1.reduceLanes(VectorOperators.ADD);
                float s2 = a2.reduceLanes(VectorOperators.ADD), s3 = a3.reduceLanes(VectorOperators.ADD);
                for (int i = vecEnd; i < hd; i++) {
                    float qi = q[qo + i];
                    s0 = Math.fma(qi, k[r0 + i], s0);
                    s1 = Math.fma(qi, k[r1 + i], s1);
                    s2 = Math.fma(qi, k[r2 + i], s2);
                    s3 = Math.fma(qi, k[r3 + i], s3);
                }
                sc[j] = s0 * scale;
                sc[j + 1] = s1 * scale;
                sc[j + 2] = s2 * scale;
                sc[j + 3] = s3 * scale;
            }
        }
        for (; j < n; j++) sc[j] = VectorOps.dot(q, qo, k, off + j * stride, hd) * scale;
    }

    /** sc[j] ← e^(sc[j] − max) for j in [0, n) ({@link SelectiveScan#exp(float)}'s algorithm); returns their sum. */
    static double expShifted(float[] sc, int n, float max) {
        FloatVector c5 = FloatVector.broadcast(F, SelectiveScan.P5), c4 = FloatVector.broadcast(F, SelectiveScan.P4);
        FloatVector c3 = FloatVector.broadcast(F, SelectiveScan.P3), c2 = FloatVector.broadcast(F, SelectiveScan.P2);
        FloatVector one = FloatVector.broadcast(F, 1f), sum = FloatVector.zero(F);
        int j = 0;
        for (int up = n - L; j <= up; j += L) {
            FloatVector v = FloatVector.fromArray(F, sc, j).sub(max);
            VectorMask<Float> under = v.compare(VectorOperators.LT, SelectiveScan.EXP_MIN);
            v = v.min(SelectiveScan.EXP_MAX);
            FloatVector k = v.fma(SelectiveScan.LOG2E, SelectiveScan.ROUND).sub(SelectiveScan.ROUND);
            FloatVector r = v.sub(k.mul(SelectiveScan.LN2_HI)).sub(k.mul(SelectiveScan.LN2_LO));
            FloatVector p = r.fma(SelectiveScan.P7, SelectiveScan.P6);
            p = p.fma(r, c5);
            p = p.fma(r, c4);
            p = p.fma(r, c3);
            p = p.fma(r, c2);
            p = p.fma(r, one);
            p = p.fma(r, one);
            FloatVector e = p.mul(((IntVector) k.convert(VectorOperators.F2I, 0)).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats())
                    .blend(0f, under);
            e.intoArray(sc, j);
            sum = sum.add(e);
        }
        double total = sum.reduceLanes(VectorOperators.ADD);
        for (; j < n; j++) {
            float e = SelectiveScan.exp(sc[j] - max);
            sc[j] = e;
            total += e;
        }
        return total;
    }

    /**
     * acc[ao..ao+hd) += Σ_j p[j] · v[off + j·stride ..) for j in [0, n): each chunk of L output lanes stays in a
     * register (two, to overlap the multiply-adds) while the block's keys stream past.
     */
    static void accumulate(float[] p, int n, float[] v, int off, int stride, int hd, float[] acc, int ao) {
        int i = 0;
        for (int up = hd - L; i <= up; i += L) {
            FloatVector a0 = FloatVector.fromArray(F, acc, ao + i), a1 = FloatVector.zero(F);
            int j = 0, r = off + i;
            for (; j + 2 <= n; j += 2, r += 2 * stride) {
                a0 = FloatVector.fromArray(F, v, r).fma(FloatVector.broadcast(F, p[j]), a0);
                a1 = FloatVector.fromArray(F, v, r + stride).fma(FloatVector.broadcast(F, p[j + 1]), a1);
            }
            if (j < n) a0 = FloatVector.fromArray(F, v, r).fma(FloatVector.broadcast(F, p[j]), a0);
            a0.add(a1).intoArray(acc, ao + i);
        }
        for (; i < hd; i++) {
            float a = acc[ao + i];
            for (int j = 0, r = off + i; j < n; j++, r += stride) a = Math.fma(p[j], v[r], a);
            acc[ao + i] = a;
        }
    }
}
