package io.jamba4j.model;

import io.jamba4j.kernels.GradKernels;
import io.jamba4j.kernels.MatMul;
import io.jamba4j.kernels.VectorOps;
import io.jamba4j.tensor.Tensor;
import io.jamba4j.train.Gradients;

import java.util.Arrays;

/**
 * Sparse mixture of SwiGLU experts (spec §4.6): π = softmax(b·W_routerᵀ) over all E experts; the k most probable
 * experts run and their outputs are summed weighted by π — <b>not renormalised</b> (Jamba differs from Mixtral here).
 * In a multi-token forward the tokens are grouped by expert so that each selected expert runs one matrix product
 * over its tokens; unselected experts' weights are never read.
 */
public final class MoE implements FeedForward {
    final Tensor router; // [E, H]
    final Mlp[] experts;
    final int topK;

    public MoE(Tensor router, Mlp[] experts, int topK) {
        this.router = router;
        this.experts = experts;
        this.topK = topK;
    }

    @Override
    public void forward(float[] b, float[] out, int T, Workspace ws) {
        int e = experts.length;
        int h = router.cols();
        float[] probs = ws.get(Workspace.Slot.ROUTER, T * e);
        MatMul.matmul(router, b, 0, T, probs, 0);
        int[] chosen = ws.getInts(Workspace.Slot.EXPERT_IDS, T * topK);
        float[] weight = ws.get(Workspace.Slot.EXPERT_WEIGHTS, T * topK);
        for (int t = 0; t < T; t++) {
            VectorOps.softmax(probs, t * e, e);
            selectTopK(probs, t * e, e, topK, chosen, weight, t * topK);
        }
        if (T == 1) {
            forwardOne(b, out, chosen, weight, ws);
            return;
        }
        Arrays.fill(out, 0, T * h, 0f);
        for (int x = 0; x < e; x++) {
            int count = 0;
            for (int i = 0; i < T * topK; i++) if (chosen[i] == x) count++;
            if (count == 0) continue;
            float[] in = ws.get(Workspace.Slot.GATHER, count * h);
            int[] rows = ws.getInts(Workspace.Slot.EXPERT_ROWS, count);
            float[] w = ws.get(Workspace.Slot.EXPERT_ROW_WEIGHTS, count);
            int j = 0;
            for (int i = 0; i < T * topK; i++) {
                if (chosen[i] != x) continue;
                rows[j] = i / topK;
                w[j] = weight[i];
                System.arraycopy(b, rows[j] * h, in, j * h, h);
                j++;
            }
            float[] y = ws.get(Workspace.Slot.EXPERT_OUT, count * h);
            experts[x].forward(in, 0, y, 0, count, ws);
            for (int i = 0; i < count; i++) VectorOps.axpy(w[i], y, i * h, out, rows[i] * h, h);
        }
    }

    /**
     * One token (decode): the k chosen experts' gate and up projections in one {@link MatMul.Batch} (they read the
     * same input), then their down projections in another, so that the threads meet twice per layer instead of 3·k
     * times. The same products and sums, in the same order, as the grouped path.
     */
    private void forwardOne(float[] b, float[] out, int[] chosen, float[] weight, Workspace ws) {
        int h = router.cols(), total = 0;
        for (int j = 0; j < topK; j++) total += Math.toIntExact(experts[chosen[j]].gateProj.rows());
        float[] gate = ws.get(Workspace.Slot.GATE, total);
        float[] up = ws.get(Workspace.Slot.UP, total);
        float[] y = ws.get(Workspace.Slot.EXPERT_OUT, topK * h);
        MatMul.Batch batch = MatMul.batch();
        for (int j = 0, o = 0; j < topK; o += (int) experts[chosen[j]].gateProj.rows(), j++) {
            Mlp x = experts[chosen[j]];
            batch.add(x.gateProj, b, 0, 1, gate, o).add(x.upProj, b, 0, 1, up, o);
        }
        batch.run();
        VectorOps.siluMul(gate, up, total);
        for (int j = 0, o = 0; j < topK; o += (int) experts[chosen[j]].gateProj.rows(), j++) {
            batch.add(experts[chosen[j]].downProj, gate, o, 1, y, j * h);
        }
        batch.run();
        // the grouped path adds the experts' outputs in expert order
        Arrays.fill(out, 0, h, 0f);
        for (int x = 0; x < experts.length; x++) {
            for (int j = 0; j < topK; j++) if (chosen[j] == x) VectorOps.axpy(weight[j], y, j * h, out, 0, h);
        }
    }

    /** The k largest probabilities of p[off..off+n) (lowest index first on ties), written to ids/weights at outOff. */
    static void selectTopK(float[] p, int off, int n, int k, int[] ids, float[] weights, int outOff) {
        for (int j = 0; j < k; j++) {
            int best = -1;
            for (int i = 0; i < n; i++) {
                boolean taken = false;
                for (int q = 0; q < j; q++) taken |= ids[outOff + q] == i;
                if (!taken && (best < 0 || p[off + i] > p[off + best])) best = i;
            }
            ids[outOff + j] = best;
            weights[outOff + j] = p[off + best];
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Training

    public int numExperts() {
        return experts.length;
    }

    public int topK() {
        return topK;
    }

    /** What {@link #backward} needs from {@link #forwardTrain}, and the router statistics the aux loss reads. */
    public static final class Activations {
        float[] in;
        int rows;
        /** π = softmax(router logits), rows × E. */
        public float[] probs;
        /** Selected experts, rows × k (slot order: most probable first). */
        public int[] chosen;
        float[] weight;            // π of the selected experts, rows × k
        int[][] expertRows;        // per expert: the (row·k + slot) indices it serves, ascending
        float[][] expertIn;        // per expert: gathered input rows
        float[][] expertOut;       // per expert: unweighted expert outputs
        Mlp.Activations[] expertActs;
        /**
         * Set before {@link #backward} by an auxiliary loss: ∂L/∂π_{row,e} added to every row (E values, or null).
         * For the Switch load-balancing loss this is the same for every row because it flows through mean(π) only.
         */
        public float[] dProbsExtra;
    }

    /** out = MoE(b) for T rows, saving activations; {@code b} must stay unchanged until backward. */
    public Activations forwardTrain(float[] b, float[] out, int T) {
        int e = experts.length, h = router.cols();
        Activations s = new Activations();
        s.in = b;
        s.rows = T;
        s.probs = new float[T * e];
        s.chosen = new int[T * topK];
        s.weight = new float[T * topK];
        MatMul.matmul(router, b, 0, T, s.probs, 0);
        for (int t = 0; t < T; t++) {
            VectorOps.softmax(s.probs, t * e, e);
            selectTopK(s.probs, t * e, e, topK, s.chosen, s.weight, t * topK);
        }
        Arrays.fill(out, 0, T * h, 0f);
        s.expertRows = new int[e][];
        s.expertIn = new float[e][];
        s.expertOut = new float[e][];
        s.expertActs = new Mlp.Activations[e];
        for (int x = 0; x < e; x++) {
            int count = 0;
            for (int i = 0; i < T * topK; i++) if (s.chosen[i] == x) count++;
            if (count == 0) continue;
            int[] slots = new int[count];
            float[] in = new float[count * h];
            int j = 0;
            for (int i = 0; i < T * topK; i++) {
                if (s.chosen[i] != x) continue;
                slots[j] = i;
                System.arraycopy(b, i / topK * h, in, j * h, h);
                j++;
            }
            float[] y = new float[count * h];
            s.expertActs[x] = experts[x].forwardTrain(in, 0, y, 0, count);
            s.expertRows[x] = slots;
            s.expertIn[x] = in;
            s.expertOut[x] = y;
            for (int i = 0; i < count; i++) VectorOps.axpy(s.weight[slots[i]], y, i * h, out, slots[i] / topK * h, h);
        }
        return s;
    }

    /**
     * Backward of {@link #forwardTrain}: through each selected expert's output (scaled by its gate probability) and
     * through the gate probabilities themselves — ∂L/∂w = dOut·FFN_e(b) — into π, plus {@code dProbsExtra}; then the
     * softmax Jacobian over all E logits and the router. The top-k choice is piecewise constant and gets no gradient;
     * experts no token chose get none either.
     */
    public void backward(Activations s, float[] dOut, float[] dIn, Gradients g) {
        int e = experts.length, h = router.cols(), T = s.rows;
        float[] dProbs = new float[T * e];
        if (s.dProbsExtra != null) for (int t = 0; t < T; t++) GradKernels.add(s.dProbsExtra, 0, dProbs, t * e, e);
        for (int x = 0; x < e; x++) {
            int[] slots = s.expertRows[x];
            if (slots == null) continue;
            int count = slots.length;
            float[] dY = new float[count * h];
            for (int i = 0; i < count; i++) {
                int row = slots[i] / topK;
                dProbs[row * e + x] += GradKernels.dot(dOut, row * h, s.expertOut[x], i * h, h);
                GradKernels.axpy(s.weight[slots[i]], dOut, row * h, dY, i * h, h);
            }
            float[] dXin = new float[count * h];
            experts[x].backward(s.expertActs[x], dY, 0, dXin, 0, g);
            for (int i = 0; i < count; i++) GradKernels.add(dXin, i * h, dIn, slots[i] / topK * h, h);
        }
        for (int t = 0; t < T; t++) GradKernels.softmaxBackward(s.probs, t * e, dProbs, t * e, e); // → dLogits
        GradKernels.matmulDw(dProbs, 0, T, s.in, 0, e, h, g.of(router));
        GradKernels.matmulDx(dProbs, 0, T, GradKernels.floats(router), e, h, dIn, 0);
    }
}
