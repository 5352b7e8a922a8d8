package io.jamba4j.model;

import io.jamba4j.kernels.MatMul;
import io.jamba4j.kernels.SelectiveScan;
import io.jamba4j.kernels.VectorOps;
import io.jamba4j.tensor.Tensor;

/**
 * Jamba's Mamba-1 mixer (spec §4.4–4.5), float32 state, state carried across any split of the sequence:
 * <pre>
 *   [x | z] = a·W_inᵀ                         in_proj, x and z are Din wide
 *   u       = SiLU(causal depthwise conv1d(x) + b_conv)   kernel K, window continues from the conv state
 *   [δ̂|B|C] = u·W_xᵀ                          x_proj, widths R, N, N
 *   δ̂, B, C ← RMSNorm(δ̂), RMSNorm(B), RMSNorm(C)   Jamba's inner norms
 *   Δ       = softplus(δ̂·W_dtᵀ + b_dt)           dt_proj
 *   h_t     = exp(Δ·A)·h_{t−1} + Δ·B_t·u_t      A = −exp(A_log), per channel c and state n
 *   y_t     = h_t·C_t + D·u_t;  g = y·SiLU(z);  out = g·W_outᵀ
 * </pre>
 */
public final class MambaMixer implements Mixer {
    final Tensor inProj;      // [2·Din, H]
    final float[] inProjBias; // [2·Din] or null
    final float[] convWeight; // [Din][K]
    final float[] convWeightT; // the same transposed, [K][Din] (for the channel-vectorised kernel)
    final float[] convBias;   // [Din] or null
    final Tensor xProj;       // [R + 2N, Din]
    final Tensor dtProj;      // [Din, R]
    final float[] dtBias;     // [Din]
    final float[] a;          // A = −exp(A_log), [Din][N]
    final float[] aT;         // the same transposed, [N][Din]
    final float[] d;          // [Din]
    final Tensor outProj;     // [H, Din]
    final float[] outProjBias; // [H] or null
    final RMSNorm dtNorm;     // R
    final RMSNorm bNorm;      // N
    final RMSNorm cNorm;      // N
    final int dInner;
    final int dState;
    final int dConv;
    final int dtRank;

    public MambaMixer(JambaConfig c, Tensor inProj, float[] inProjBias, float[] convWeight, float[] convBias, Tensor xProj,
                      Tensor dtProj, float[] dtBias, float[] a, float[] d, Tensor outProj, float[] outProjBias,
                      RMSNorm dtNorm, RMSNorm bNorm, RMSNorm cNorm) {
        this.inProj = inProj;
        this.inProjBias = inProjBias;
        this.convWeight = convWeight;
        this.convWeightT = SelectiveScan.transpose(convWeight, c.mambaInner(), c.mambaDConv);
        this.convBias = convBias;
        this.xProj = xProj;
        this.dtProj = dtProj;
        this.dtBias = dtBias;
        this.a = a;
        this.aT = SelectiveScan.transpose(a, c.mambaInner(), c.mambaDState);
        this.d = d;
        this.outProj = outProj;
        this.outProjBias = outProjBias;
        this.dtNorm = dtNorm;
        this.bNorm = bNorm;
        this.cNorm = cNorm;
        this.dInner = c.mambaInner();
        this.dState = c.mambaDState;
        this.dConv = c.mambaDConv;
        this.dtRank = c.mambaDtRank;
    }

    @Override
    public void forward(float[] in, float[] out, int T, int position, Cache.LayerCache layerCache, Workspace ws) {
        Cache.MambaState state = (Cache.MambaState) layerCache;
        int din = dInner, n = dState, r = dtRank, k = dConv;
        int pw = r + 2 * n;

        // 1. in_proj → x (first Din of each row) and z (last Din)
        float[] xz = ws.get(Workspace.Slot.XZ, T * 2 * din);
        MatMul.matmul(inProj, in, 0, T, xz, 0);
        if (inProjBias != null) for (int t = 0; t < T; t++) VectorOps.add(inProjBias, 0, xz, t * 2 * din, 2 * din);

        // 2–3. causal depthwise conv over [conv state | x], then SiLU; the conv state keeps the last K−1 x rows
        float[] u = ws.get(Workspace.Slot.U, T * din);
        SelectiveScan.convSilu(T, din, k, xz, 0, 2 * din, state.conv, convWeightT, convBias, u);

        // 4–5. x_proj → δ̂, B, C, each RMS-normalised
        float[] p = ws.get(Workspace.Slot.P, T * pw);
        MatMul.matmul(xProj, u, 0, T, p, 0);
        dtNorm.forward(p, p, T, pw, 0);
        bNorm.forward(p, p, T, pw, r);
        cNorm.forward(p, p, T, pw, r + n);

        // 6. Δ = softplus(dt_proj(δ̂) + b_dt)
        float[] dtIn = ws.get(Workspace.Slot.ACT, T * r);
        for (int t = 0; t < T; t++) System.arraycopy(p, t * pw, dtIn, t * r, r);
        float[] dt = ws.get(Workspace.Slot.DT, T * din);
        MatMul.matmul(dtProj, dtIn, 0, T, dt, 0);
        SelectiveScan.softplusBias(dt, T, din, dtBias);

        // 7–10. selective scan (state h carried in the cache), skip D·u, gate SiLU(z)
        float[] y = ws.get(Workspace.Slot.Y, T * din);
        SelectiveScan.scan(T, din, n, u, dt, p, pw, r, r + n, aT, d, xz, din, 2 * din, state.ssm, y);

        // 11. out_proj
        MatMul.matmul(outProj, y, 0, T, out, 0);
        if (outProjBias != null) for (int t = 0; t < T; t++) VectorOps.add(outProjBias, 0, out, t * outProjBias.length, outProjBias.length);
    }
}
