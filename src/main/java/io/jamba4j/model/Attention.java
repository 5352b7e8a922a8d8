package io.jamba4j.model;

import io.jamba4j.kernels.MatMul;
import io.jamba4j.kernels.VectorOps;
import io.jamba4j.tensor.Tensor;

/**
 * Causal grouped-query self-attention with no positional encoding (spec §4.3).
 * q = a·W_qᵀ, k = a·W_kᵀ, v = a·W_vᵀ; query head h reads KV head h / (n_h / n_kv);
 * P = softmax(q·kᵀ / sqrt(d_h)) over cached and new positions τ ≤ p; out = concat_h(P·v)·W_oᵀ. No biases.
 */
public final class Attention implements Mixer {
    final Tensor qProj; // [n_h·d_h, H]
    final Tensor kProj; // [n_kv·d_h, H]
    final Tensor vProj; // [n_kv·d_h, H]
    final Tensor oProj; // [H, n_h·d_h]
    final int nHeads;
    final int nKvHeads;
    final int headDim;
    final float scale;

    public Attention(JambaConfig c, Tensor qProj, Tensor kProj, Tensor vProj, Tensor oProj) {
        this.qProj = qProj;
        this.kProj = kProj;
        this.vProj = vProj;
        this.oProj = oProj;
        this.nHeads = c.numAttentionHeads;
        this.nKvHeads = c.numKeyValueHeads;
        this.headDim = c.headDim();
        this.scale = (float) (1.0 / Math.sqrt(headDim));
    }

    @Override
    public void forward(float[] a, float[] out, int T, int position, Cache.LayerCache layerCache, Workspace ws) {
        Cache.KV kv = (Cache.KV) layerCache;
        int qDim = nHeads * headDim;
        int kvDim = nKvHeads * headDim;
        float[] q = ws.get(Workspace.Slot.Q, T * qDim);
        float[] att = ws.get(Workspace.Slot.ATT, T * qDim);
        // new keys and values go straight into the cache rows position .. position+T-1
        MatMul.matmul(qProj, a, 0, T, q, 0);
        MatMul.matmul(kProj, a, 0, T, kv.k, position * kvDim);
        MatMul.matmul(vProj, a, 0, T, kv.v, position * kvDim);

        int group = nHeads / nKvHeads;
        float[] scores = ws.get(Workspace.Slot.SCORES, position + T);
        for (int t = 0; t < T; t++) {
            int len = position + t + 1; // causal: positions 0 .. position+t
            for (int h = 0; h < nHeads; h++) {
                int qOff = t * qDim + h * headDim;
                int kvHead = h / group;
                for (int tau = 0; tau < len; tau++) {
                    scores[tau] = VectorOps.dot(q, qOff, kv.k, tau * kvDim + kvHead * headDim, headDim) * scale;
                }
                VectorOps.softmax(scores, 0, len);
                java.util.Arrays.fill(att, qOff, qOff + headDim, 0f);
                for (int tau = 0; tau < len; tau++) {
                    VectorOps.axpy(scores[tau], kv.v, tau * kvDim + kvHead * headDim, att, qOff, headDim);
                }
            }
        }
        MatMul.matmul(oProj, att, 0, T, out, 0);
    }
}
