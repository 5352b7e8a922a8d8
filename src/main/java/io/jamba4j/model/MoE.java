package io.jamba4j.model;

import io.jamba4j.kernels.MatMul;
import io.jamba4j.kernels.VectorOps;
import io.jamba4j.tensor.Tensor;

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
}
