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
        // candidates sorted by logit, descending (ties: lower id first)
        Integer[] boxed = new Integer[vocab];
        for (int i = 0; i < vocab; i++) boxed[i] = i;
        Arrays.sort(boxed, (x, y) -> {
            int c = Float.compare(logits[off + y], logits[off + x]);
            return c != 0 ? c : Integer.compare(x, y);
        });
        int n = vocab;
        for (int i = 0; i < vocab; i++) order[i] = boxed[i];
        if (params.topK() > 0) n = Math.min(n, params.topK());
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
