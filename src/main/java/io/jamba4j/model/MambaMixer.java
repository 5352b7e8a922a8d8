package io.jamba4j.model;

import io.jamba4j.kernels.GradKernels;
import io.jamba4j.kernels.Parallel;
import io.jamba4j.kernels.MatMul;
import io.jamba4j.kernels.SelectiveScan;
import io.jamba4j.kernels.VectorOps;
import io.jamba4j.tensor.Tensor;
import io.jamba4j.train.Gradients;

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

    // ---------------------------------------------------------------------------------------------------------------
    // Training: B fresh sequences of S tokens (rows b·S .. b·S+S−1), zero conv and SSM state at the start of each.
    // The scan saves only the state at the start of every chunk of `chunk` tokens; the backward pass recomputes the
    // states inside one chunk at a time (memory B·⌈S/chunk⌉·Din·N + chunk·Din·N instead of B·S·Din·N).

    /** The derived A = −exp(A_log) array this mixer computes with; its gradient slot must alias A_log's. */
    /**
     * Recomputes the transposed copies the kernels read (conv taps [K][Din], A [N][Din]) from {@code convWeight} and
     * {@code a}; call after changing them in place (training updates).
     */
    public void refreshDerived() {
        for (int ch = 0; ch < dInner; ch++) {
            for (int j = 0; j < dConv; j++) convWeightT[j * dInner + ch] = convWeight[ch * dConv + j];
            for (int s = 0; s < dState; s++) aT[s * dInner + ch] = a[ch * dState + s];
        }
    }

    public float[] aArray() {
        return a;
    }

    /** What {@link #backward} needs from {@link #forwardTrain}. */
    public static final class Activations {
        float[] in;
        int batch, seq, chunk;
        float[] xz;     // in_proj output [x | z], rows × 2·Din
        float[] conv;   // conv output + bias, before SiLU, rows × Din
        float[] u;      // SiLU(conv), rows × Din
        float[] pRaw;   // x_proj output before the inner norms, rows × (R + 2N)
        float[] p;      // after the norms [δ̂ | B | C]
        float[] rstd;   // 1/rms of δ̂, B, C: three blocks of rows
        float[] dtIn;   // δ̂ after its norm, contiguous rows × R
        float[] dtPre;  // dt_proj(δ̂) + b_dt, rows × Din
        float[] delta;  // softplus(dtPre)
        float[] y;      // scan readout + D·u, before the gate, rows × Din
        float[] gated;  // y ⊙ SiLU(z), input of out_proj
        float[] states; // [B][⌈S/chunk⌉][Din·N]: h before the first token of each chunk
    }

    /** out = Mamba(in) for B sequences of S rows, scan checkpoints every {@code chunk} tokens. */
    public Activations forwardTrain(float[] in, float[] out, int B, int S, int chunk) {
        if (chunk <= 0) throw new IllegalArgumentException("chunk = " + chunk);
        int din = dInner, n = dState, r = dtRank, k = dConv, pw = r + 2 * n, T = B * S;
        Activations s = new Activations();
        s.in = in;
        s.batch = B;
        s.seq = S;
        s.chunk = chunk;
        s.xz = new float[T * 2 * din];
        MatMul.matmul(inProj, in, 0, T, s.xz, 0);
        if (inProjBias != null) for (int t = 0; t < T; t++) VectorOps.add(inProjBias, 0, s.xz, t * 2 * din, 2 * din);

        s.conv = new float[T * din];
        s.u = new float[T * din];
        // causal depthwise conv + SiLU per sequence (zero history), the inference kernel's float operations
        for (int b = 0; b < B; b++) {
            GradKernels.convSiluTrain(S, din, k, s.xz, b * S * 2 * din, 2 * din, convWeightT, convBias, s.conv, s.u, b * S);
        }

        s.pRaw = new float[T * pw];
        s.p = new float[T * pw];
        s.rstd = new float[3 * T];
        MatMul.matmul(xProj, s.u, 0, T, s.pRaw, 0);
        dtNorm.forwardTrain(s.pRaw, s.p, T, pw, 0, s.rstd, 0);
        bNorm.forwardTrain(s.pRaw, s.p, T, pw, r, s.rstd, T);
        cNorm.forwardTrain(s.pRaw, s.p, T, pw, r + n, s.rstd, 2 * T);

        s.dtIn = new float[T * r];
        for (int t = 0; t < T; t++) System.arraycopy(s.p, t * pw, s.dtIn, t * r, r);
        s.dtPre = new float[T * din];
        s.delta = new float[T * din];
        MatMul.matmul(dtProj, s.dtIn, 0, T, s.dtPre, 0);
        // Δ = softplus(dt_proj(δ̂) + b_dt) with the inference kernel; dtPre keeps the argument for the backward pass
        System.arraycopy(s.dtPre, 0, s.delta, 0, T * din);
        SelectiveScan.softplusBias(s.delta, T, din, dtBias);
        for (int t = 0; t < T; t++) VectorOps.add(dtBias, 0, s.dtPre, t * din, din);

        s.y = new float[T * din];
        s.gated = new float[T * din];
        CheckpointedScan scan = new CheckpointedScan(din, n, pw, r, r + n, chunk);
        s.states = new float[B * scan.stateSize(S)];
        // the sequences are independent: one per thread
        Parallel.forRange(B, 1, (b0, b1) -> {
            for (int b = b0; b < b1; b++) scan.forward(b * S, S, s.u, s.delta, s.p, aT, d, s.y, s.states, b * scan.stateSize(S));
        });
        GradKernels.siluGate(s.y, s.xz, din, 2 * din, T, din, s.gated);
        MatMul.matmul(outProj, s.gated, 0, T, out, 0);
        if (outProjBias != null) for (int t = 0; t < T; t++) VectorOps.add(outProjBias, 0, out, t * outProjBias.length, outProjBias.length);
        return s;
    }

    /**
     * Backward of {@link #forwardTrain}: dIn += ∂L/∂in and every weight gradient. The gradient accumulated for
     * {@link #aArray()} is with respect to <b>A_log</b> (dA_log = dA·A, since A = −exp(A_log)).
     */
    public void backward(Activations s, float[] dOut, float[] dIn, Gradients g) {
        int din = dInner, n = dState, r = dtRank, k = dConv, pw = r + 2 * n;
        int B = s.batch, S = s.seq, T = B * S, hid = inProj.cols();

        // 11. out_proj
        float[] dGated = new float[T * din];
        GradKernels.matmulDx(dOut, 0, T, GradKernels.floats(outProj), hid, din, dGated, 0);
        GradKernels.matmulDw(dOut, 0, T, s.gated, 0, hid, din, g.of(outProj));
        if (outProjBias != null) GradKernels.biasDb(dOut, 0, T, hid, g.of(outProjBias));

        // 10. gate: gated = y ⊙ SiLU(z)
        float[] dxz = new float[T * 2 * din];
        float[] dy = new float[T * din];
        GradKernels.siluGateBackward(dGated, s.y, s.xz, din, 2 * din, T, din, dy, dxz);

        // 7–9. scan, skip D, in reverse chunk by chunk with recomputed states
        float[] du = new float[T * din], dDelta = new float[T * din], dp = new float[T * pw];
        CheckpointedScan scan = new CheckpointedScan(din, n, pw, r, r + n, s.chunk);
        float[] dALog = g.of(a), dD = g.of(d);
        // one sequence per thread; A_log's and D's gradients are summed per sequence, then in sequence order (the
        // result does not depend on the thread count)
        float[][] dALogSeq = new float[B][], dDSeq = new float[B][];
        Parallel.forRange(B, 1, (b0, b1) -> {
            for (int b = b0; b < b1; b++) {
                dALogSeq[b] = new float[din * n];
                dDSeq[b] = new float[din];
                scan.backward(b * S, S, s.u, s.delta, s.p, a, aT, d, s.states, b * scan.stateSize(S), dy, du, dDelta, dp,
                        dALogSeq[b], dDSeq[b]);
            }
        });
        for (int b = 0; b < B; b++) {
            GradKernels.add(dALogSeq[b], 0, dALog, 0, din * n);
            GradKernels.add(dDSeq[b], 0, dD, 0, din);
        }

        // 6. Δ = softplus(dt_proj(δ̂) + b_dt)
        float[] dDtPre = new float[T * din];
        GradKernels.softplusBackward(dDelta, s.dtPre, dDtPre, T * din);
        GradKernels.biasDb(dDtPre, 0, T, din, g.of(dtBias));
        GradKernels.matmulDw(dDtPre, 0, T, s.dtIn, 0, din, r, g.of(dtProj));
        float[] dDtIn = new float[T * r];
        GradKernels.matmulDx(dDtPre, 0, T, GradKernels.floats(dtProj), din, r, dDtIn, 0);
        for (int t = 0; t < T; t++) GradKernels.add(dDtIn, t * r, dp, t * pw, r);

        // 5. inner norms
        float[] dpRaw = new float[T * pw];
        dtNorm.backward(s.pRaw, s.rstd, 0, dp, dpRaw, g.of(dtNorm.weight()), T, pw, 0);
        bNorm.backward(s.pRaw, s.rstd, T, dp, dpRaw, g.of(bNorm.weight()), T, pw, r);
        cNorm.backward(s.pRaw, s.rstd, 2 * T, dp, dpRaw, g.of(cNorm.weight()), T, pw, r + n);

        // 4. x_proj
        GradKernels.matmulDw(dpRaw, 0, T, s.u, 0, pw, din, g.of(xProj));
        GradKernels.matmulDx(dpRaw, 0, T, GradKernels.floats(xProj), pw, din, du, 0);

        // 2–3. SiLU and the causal depthwise conv (zero history)
        float[] dConvW = g.of(convWeight);
        float[] dConvB = g.ofOptional(convBias);
        float[] dConvWT = new float[k * din]; // [K][Din], added to dConvW [Din][K] below
        for (int b = 0; b < B; b++) {
            GradKernels.convSiluTrainBackward(S, din, k, s.xz, b * S * 2 * din, 2 * din, convWeightT, s.conv, du, b * S,
                    dxz, dConvWT, dConvB);
        }
        for (int ch = 0; ch < din; ch++) for (int j = 0; j < k; j++) dConvW[ch * k + j] += dConvWT[j * din + ch];

        // 1. in_proj
        GradKernels.matmulDw(dxz, 0, T, s.in, 0, 2 * din, hid, g.of(inProj));
        if (inProjBias != null) GradKernels.biasDb(dxz, 0, T, 2 * din, g.of(inProjBias));
        GradKernels.matmulDx(dxz, 0, T, GradKernels.floats(inProj), 2 * din, hid, dIn, 0);
    }
}
