package io.jamba4j.generate;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Chooses the next token from a row of logits. The chain follows llama.cpp's default order:
 * penalties → top-k → top-p → min-p → temperature → draw (greedy skips the filters and takes the argmax).
 * Reuses its buffers; not thread-safe.
 */
public final class Sampler {
    private final SamplingParams params;
    private final SplittableRandom random;
    private final int[] counts;
    private final int[] recent;
    private int recentSize;
    private int recentHead;
    private int[] order = new int[0];
    private float[] probs = new float[0];
    private long[] keys = new long[0];

    public Sampler(SamplingParams params, int vocabSize) {
        this.params = params;
        this.random = new SplittableRandom(params.seed());
        this.counts = new int[vocabSize];
        this.recent = new int[Math.max(1, params.penaltyLastN())];
    }

    /** Records a token (prompt or generated) for the penalties. */
    public void accept(int token) {
        if (params.penaltyLastN() == 0) return;
        if (recentSize == recent.length) {
            counts[recent[recentHead]]--;
            recent[recentHead] = token;
            recentHead = (recentHead + 1) % recent.length;
        } else {
            recent[(recentHead + recentSize) % recent.length] = token;
            recentSize++;
        }
        counts[token]++;
    }

    /** The next token for {@code logits[off .. off+vocab)}; the logits are modified. */
    public int sample(float[] logits, int off, int vocab) {
        applyPenalties(logits, off, vocab);
        if (params.isGreedy()) return argmax(logits, off, vocab);
        if (order.length < vocab) {
            order = new int[vocab];
            probs = new float[vocab];
        }
        // candidates sorted by logit, descending (ties: lower id first); only the top k when top-k is on
        int n = params.topK() > 0 ? Math.min(params.topK(), vocab) : vocab;
        sortCandidates(logits, off, vocab, n);
        // probabilities of the unscaled logits for top-p / min-p
        softmaxSorted(logits, off, n, 1f);
        if (params.topP() < 1f) {
            double cum = 0;
            int keep = n;
            for (int i = 0; i < n; i++) {
                cum += probs[i];
                if (cum >= params.topP()) {
                    keep = i + 1;
                    break;
                }
            }
            n = keep;
        }
        if (params.minP() > 0f) {
            float threshold = probs[0] * params.minP();
            int keep = 1;
            while (keep < n && probs[keep] >= threshold) keep++;
            n = keep;
        }
        softmaxSorted(logits, off, n, params.temperature());
        double r = random.nextDouble();
        double cum = 0;
        for (int i = 0; i < n; i++) {
            cum += probs[i];
            if (r < cum) return order[i];
        }
        return order[n - 1];
    }

    /** Fills order[0..n) with the ids of the n largest logits, descending, ties by lower id. */
    private void sortCandidates(float[] logits, int off, int vocab, int n) {
        if (keys.length < vocab) keys = new long[vocab];
        // a sortable key: the float's bits mapped to an order-preserving int (descending), then the id
        if (n == vocab) {
            for (int i = 0; i < vocab; i++) keys[i] = key(logits[off + i], i);
            Arrays.sort(keys, 0, vocab);
        } else {
            // bounded max-heap by key (the worst kept candidate on top), O(V log k)
            int size = 0;
            for (int i = 0; i < vocab; i++) {
                long k = key(logits[off + i], i);
                if (size < n) {
                    keys[size] = k;
                    siftUp(keys, size++);
                } else if (k < keys[0]) {
                    keys[0] = k;
                    siftDown(keys, size);
                }
            }
            Arrays.sort(keys, 0, n);
        }
        for (int i = 0; i < n; i++) order[i] = (int) keys[i];
    }

    private static long key(float logit, int id) {
        int bits = Float.floatToIntBits(logit);
        int ordered = bits >= 0 ? bits : bits ^ 0x7FFFFFFF; // monotone in the float value
        return ((long) ~ordered << 32) | (id & 0xFFFFFFFFL);   // ascending key = descending logit, then ascending id
    }

    private static void siftUp(long[] h, int i) {
        while (i > 0) {
            int p = (i - 1) >>> 1;
            if (h[p] >= h[i]) return;
            long t = h[p]; h[p] = h[i]; h[i] = t;
            i = p;
        }
    }

    private static void siftDown(long[] h, int size) {
        int i = 0;
        while (true) {
            int l = 2 * i + 1, r = l + 1, m = i;
            if (l < size && h[l] > h[m]) m = l;
            if (r < size && h[r] > h[m]) m = r;
            if (m == i) return;
            long t = h[m]; h[m] = h[i]; h[i] = t;
            i = m;
        }
    }

    private void softmaxSorted(float[] logits, int off, int n, float temperature) {
        float max = logits[off + order[0]];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float p = (float) Math.exp((logits[off + order[i]] - max) / temperature);
            probs[i] = p;
            sum += p;
        }
        for (int i = 0; i < n; i++) probs[i] = (float) (probs[i] / sum);
    }

    private void applyPenalties(float[] logits, int off, int vocab) {
        if (recentSize == 0) return;
        float rep = params.repetitionPenalty(), freq = params.frequencyPenalty(), pres = params.presencePenalty();
        if (rep == 1f && freq == 0f && pres == 0f) return;
        for (int i = 0; i < recentSize; i++) {
            int t = recent[(recentHead + i) % recent.length];
            if (t < 0 || t >= vocab || counts[t] <= 0) continue;
            int c = counts[t];
            counts[t] = -c; // mark as handled so duplicates in the window are penalised once
            float l = logits[off + t];
            l = l > 0 ? l / rep : l * rep;
            l -= c * freq + pres;
            logits[off + t] = l;
        }
        for (int i = 0; i < recentSize; i++) {
            int t = recent[(recentHead + i) % recent.length];
            if (t >= 0 && t < vocab && counts[t] < 0) counts[t] = -counts[t];
        }
    }

    /** Index of the largest value (lowest index on ties). */
    public static int argmax(float[] x, int off, int n) {
        int best = 0;
        float bv = x[off];
        for (int i = 1; i < n; i++) {
            if (x[off + i] > bv) {
                bv = x[off + i];
                best = i;
            }
        }
        return best;
    }
}
