package io.jamba4j.model;

import io.jamba4j.kernels.SelectiveScanGrad;

/**
 * The Mamba-1 selective scan of one sequence with its backward pass (spec §4.4 steps 7–9), float32, zero initial state:
 * <pre>
 *   h_t = exp(Δ_t·A) ⊙ h_{t−1} + B_t·(u_t·Δ_t)      per channel c and state n, A = −exp(A_log)
 *   y_t = Σ_n h_t·C_t + D ⊙ u_t
 * </pre>
 * Row layouts: u, Δ, y are rows of Din; B and C are N-wide slices at {@code bOff} and {@code cOff} of rows of
 * {@code bcStride} floats (the x_proj output of the mixer); A is [Din][N].
 *
 * <p>The forward pass saves only the state before the first token of each chunk of {@code chunk} tokens ([N][Din]
 * each); the backward
 * pass walks the chunks in reverse, recomputes the chunk's states from its saved start (bit-identical to the forward,
 * same float operations) and carries ∂L/∂h backwards. Memory: ⌈S/chunk⌉·Din·N saved plus chunk·Din·N scratch.
 * The gradient order of accumulation does not depend on the chunk length, so the gradients do not either.
 */
public record CheckpointedScan(int dInner, int dState, int bcStride, int bOff, int cOff, int chunk) {
    public CheckpointedScan {
        if (chunk <= 0) throw new IllegalArgumentException("chunk = " + chunk);
    }

    /** Floats of saved state for a sequence of S tokens. */
    public int stateSize(int S) {
        return (S + chunk - 1) / chunk * dInner * dState;
    }

    /**
     * y for rows [row0, row0+S) (readout + D·u, before the gate); saves the chunk-start states into
     * states[statesOff ..+ stateSize(S)). {@code aT} is A transposed, [N][Din].
     */
    public void forward(int row0, int S, float[] u, float[] delta, float[] bc, float[] aT, float[] d, float[] y,
                        float[] states, int statesOff) {
        SelectiveScanGrad.forward(row0, S, dInner, dState, u, delta, bc, bcStride, bOff, cOff, aT, d, y, states, statesOff, chunk);
    }

    /**
     * Accumulates (+=) the gradients of rows [row0, row0+S) given dy: du, dΔ, dB and dC (into dbc at the B and C
     * offsets), dA_log (= dA·A, into dALog [Din][N]) and dD. With the state gradient dh carried backwards
     * (dh_{t−1} = dh_t⊙Ā_t, Ā = exp(Δ·A)): dC_t += Σ_c dy·h_t; dD += dy·u; dΔ += Σ_n dh·(h_{t−1}·Ā·A + B·u);
     * dA += dh·h_{t−1}·Ā·Δ; dB_t += Σ_c dh·Δ·u; du += dy·D + Σ_n dh·Δ·B.
     * {@code a} is A [Din][N], {@code aT} the same transposed.
     */
    public void backward(int row0, int S, float[] u, float[] delta, float[] bc, float[] a, float[] aT, float[] d,
                         float[] states, int statesOff, float[] dy, float[] du, float[] dDelta, float[] dbc,
                         float[] dALog, float[] dD) {
        int din = dInner, n = dState;
        float[] dA = new float[din * n]; // [N][Din]
        SelectiveScanGrad.backward(row0, S, din, n, u, delta, bc, bcStride, bOff, cOff, aT, d, states, statesOff, chunk,
                dy, du, dDelta, dbc, dA, dD);
        for (int ch = 0; ch < din; ch++) {
            for (int s = 0; s < n; s++) dALog[ch * n + s] += dA[s * din + ch] * a[ch * n + s];
        }
    }
}
