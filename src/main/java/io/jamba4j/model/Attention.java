package io.jamba4j.model;

import io.jamba4j.kernels.FlashAttention;
import io.jamba4j.kernels.GradKernels;
import io.jamba4j.kernels.MatMul;
import io.jamba4j.kernels.VectorOps;
import io.jamba4j.tensor.Tensor;
import io.jamba4j.train.Gradients;

/**
 * Causal grouped-query self-attention with no positional encoding (spec §4.3).
 * q = a·W_qᵀ, k = a·W_kᵀ, v = a·W_vᵀ; query head h reads KV head h / (n_h / n_kv);
 * P = softmax(q·kᵀ / sqrt(d_h)) over cached and new positions τ ≤ p; out = concat_h(P·v)·W_oᵀ. No biases.
 * Inference stores k and v in the cache (F32, or F16 rounded on store) and evaluates P·v block by block with an online
 * softmax ({@link FlashAttention}); training keeps its own straightforward loops below.
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
        // the new keys and values become cache positions position .. position+T-1 (in FlashAttention's layout)
        float[] k = ws.get(Workspace.Slot.K, T * kvDim);
        float[] v = ws.get(Workspace.Slot.V, T * kvDim);
        MatMul.batch().add(qProj, a, 0, T, q, 0).add(kProj, a, 0, T, k, 0).add(vProj, a, 0, T, v, 0).run();
        if (kv.type == KvType.F32) {
            FlashAttention.storeKeys(k, 0, T, position, nKvHeads, headDim, kv.k);
            FlashAttention.storeValues(v, 0, T, position, nKvHeads, headDim, kv.v);
            FlashAttention.attend(q, att, T, position, nHeads, nKvHeads, headDim, scale, kv.k, kv.v, true);
        } else {
            FlashAttention.storeKeys(k, 0, T, position, nKvHeads, headDim, kv.kHalf);
            FlashAttention.storeValues(v, 0, T, position, nKvHeads, headDim, kv.vHalf);
            FlashAttention.attend(q, att, T, position, nHeads, nKvHeads, headDim, scale, kv.kHalf, kv.vHalf, true);
        }
        MatMul.matmul(oProj, att, 0, T, out, 0);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Training: B fresh sequences of S tokens, rows b·S .. b·S+S−1. The attention probabilities are not stored; the
    // backward pass recomputes each softmax row from q and k (O(S·d) memory instead of O(n_h·S²)).

    /** What {@link #backward} needs: the input (by reference), q, k, v and the concatenated head outputs. */
    public static final class Activations {
        float[] in;
        int batch;
        int seq;
        float[] q;   // rows × n_h·d_h
        float[] k;   // rows × n_kv·d_h
        float[] v;   // rows × n_kv·d_h
        float[] att; // rows × n_h·d_h (input of o_proj)
    }

    /** out = Attention(a) for B sequences of S rows each, each starting from an empty cache. */
    public Activations forwardTrain(float[] a, float[] out, int B, int S) {
        int T = B * S, qDim = nHeads * headDim, kvDim = nKvHeads * headDim, group = nHeads / nKvHeads;
        Activations s = new Activations();
        s.in = a;
        s.batch = B;
        s.seq = S;
        s.q = new float[T * qDim];
        s.k = new float[T * kvDim];
        s.v = new float[T * kvDim];
        s.att = new float[T * qDim];
        MatMul.matmul(qProj, a, 0, T, s.q, 0);
        MatMul.matmul(kProj, a, 0, T, s.k, 0);
        MatMul.matmul(vProj, a, 0, T, s.v, 0);
        float[] scores = new float[S];
        for (int b = 0; b < B; b++) {
            int base = b * S;
            for (int t = 0; t < S; t++) {
                int len = t + 1;
                for (int h = 0; h < nHeads; h++) {
                    int qOff = (base + t) * qDim + h * headDim, kvOff = h / group * headDim;
                    for (int tau = 0; tau < len; tau++) {
                        scores[tau] = VectorOps.dot(s.q, qOff, s.k, (base + tau) * kvDim + kvOff, headDim) * scale;
                    }
                    VectorOps.softmax(scores, 0, len);
                    for (int tau = 0; tau < len; tau++) {
                        VectorOps.axpy(scores[tau], s.v, (base + tau) * kvDim + kvOff, s.att, qOff, headDim);
                    }
                }
            }
        }
        MatMul.matmul(oProj, s.att, 0, T, out, 0);
        return s;
    }

    /**
     * Backward of {@link #forwardTrain}: dIn += ∂L/∂a, and the q/k/v/o weight gradients. With P = softmax(s),
     * s_τ = scale·q·k_τ: dP_τ = dO·v_τ, ds_τ = P_τ·(dP_τ − Σ P·dP), dq += scale·Σ ds_τ·k_τ, dk_τ += scale·ds_τ·q,
     * dv_τ += P_τ·dO; a KV head shared by r query heads receives the sum of their gradients.
     */
    public void backward(Activations s, float[] dOut, float[] dIn, Gradients g) {
        int B = s.batch, S = s.seq, T = B * S, h = qProj.cols();
        int qDim = nHeads * headDim, kvDim = nKvHeads * headDim, group = nHeads / nKvHeads;
        float[] dAtt = new float[T * qDim];
        GradKernels.matmulDx(dOut, 0, T, GradKernels.floats(oProj), h, qDim, dAtt, 0);
        GradKernels.matmulDw(dOut, 0, T, s.att, 0, h, qDim, g.of(oProj));
        float[] dq = new float[T * qDim], dk = new float[T * kvDim], dv = new float[T * kvDim];
        float[] p = new float[S], dp = new float[S];
        for (int b = 0; b < B; b++) {
            int base = b * S;
            for (int t = 0; t < S; t++) {
                int len = t + 1;
                for (int hd = 0; hd < nHeads; hd++) {
                    int qOff = (base + t) * qDim + hd * headDim, kvOff = hd / group * headDim;
                    for (int tau = 0; tau < len; tau++) {
                        p[tau] = VectorOps.dot(s.q, qOff, s.k, (base + tau) * kvDim + kvOff, headDim) * scale;
                    }
                    VectorOps.softmax(p, 0, len);
                    for (int tau = 0; tau < len; tau++) {
                        int r = (base + tau) * kvDim + kvOff;
                        dp[tau] = GradKernels.dot(dAtt, qOff, s.v, r, headDim);
                        GradKernels.axpy(p[tau], dAtt, qOff, dv, r, headDim);
                    }
                    GradKernels.softmaxBackward(p, 0, dp, 0, len); // dp ← ds
                    for (int tau = 0; tau < len; tau++) {
                        int r = (base + tau) * kvDim + kvOff;
                        float ds = dp[tau] * scale;
                        GradKernels.axpy(ds, s.k, r, dq, qOff, headDim);
                        GradKernels.axpy(ds, s.q, qOff, dk, r, headDim);
                    }
                }
            }
        }
        GradKernels.matmulDw(dq, 0, T, s.in, 0, qDim, h, g.of(qProj));
        GradKernels.matmulDw(dk, 0, T, s.in, 0, kvDim, h, g.of(kProj));
        GradKernels.matmulDw(dv, 0, T, s.in, 0, kvDim, h, g.of(vProj));
        GradKernels.matmulDx(dq, 0, T, GradKernels.floats(qProj), qDim, h, dIn, 0);
        GradKernels.matmulDx(dk, 0, T, GradKernels.floats(kProj), kvDim, h, dIn, 0);
        GradKernels.matmulDx(dv, 0, T, GradKernels.floats(vProj), kvDim, h, dIn, 0);
    }
}
