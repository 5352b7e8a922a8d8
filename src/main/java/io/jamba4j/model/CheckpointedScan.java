package io.jamba4j.model;

/**
 * The Mamba-1 selective scan of one sequence with its backward pass (spec §4.4 steps 7–9), float32, zero initial state:
 * <pre>
 *   h_t = exp(Δ_t·A) ⊙ h_{t−1} + B_t·(u_t·Δ_t)      per channel c and state n, A = −exp(A_log)
 *   y_t = Σ_n h_t·C_t + D ⊙ u_t
 * </pre>
 * Row layouts: u, Δ, y are rows of Din; B and C are N-wide slices at {@code bOff} and {@code cOff} of rows of
 * {@code bcStride} floats (the x_proj output of the mixer); A is [Din][N].
 *
 * <p>The forward pass saves only the state before the first token of each chunk of {@code chunk} tokens; the backward
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

    /** y for rows [row0, row0+S); saves the chunk-start states into states[statesOff ..+ stateSize(S)). */
    public void forward(int row0, int S, float[] u, float[] delta, float[] bc, float[] a, float[] d, float[] y,
                        float[] states, int statesOff) {
        int dn = dInner * dState;
        float[] h = new float[dn];
        for (int t = 0; t < S; t++) {
            if (t % chunk == 0) System.arraycopy(h, 0, states, statesOff + t / chunk * dn, dn);
            step(row0 + t, u, delta, bc, a, h, 0, h, 0);
            readout(row0 + t, u, bc, d, h, 0, y);
        }
    }

    /** One step: hOut = exp(Δ·A)⊙hIn + B·(u·Δ) — the float operations of the inference scan. hOut may alias hIn. */
    private void step(int row, float[] u, float[] delta, float[] bc, float[] a, float[] hIn, int inOff, float[] hOut, int outOff) {
        int n = dState, b = row * bcStride + bOff;
        for (int ch = 0; ch < dInner; ch++) {
            float dl = delta[row * dInner + ch];
            float xDelta = u[row * dInner + ch] * dl;
            int hOff = ch * n;
            for (int s = 0; s < n; s++) {
                hOut[outOff + hOff + s] = hIn[inOff + hOff + s] * (float) Math.exp(dl * a[hOff + s]) + bc[b + s] * xDelta;
            }
        }
    }

    private void readout(int row, float[] u, float[] bc, float[] d, float[] h, int hOff0, float[] y) {
        int n = dState, c = row * bcStride + cOff;
        for (int ch = 0; ch < dInner; ch++) {
            float acc = 0f;
            int hOff = hOff0 + ch * n;
            for (int s = 0; s < n; s++) acc += h[hOff + s] * bc[c + s];
            y[row * dInner + ch] = acc + d[ch] * u[row * dInner + ch];
        }
    }

    /**
     * Accumulates (+=) the gradients of rows [row0, row0+S) given dy: du, dΔ, dB and dC (into dbc at the B and C
     * offsets), dA_log (= dA·A, into dALog [Din][N]) and dD. With the state gradient dh carried backwards
     * (dh_{t−1} = dh_t⊙Ā_t, Ā = exp(Δ·A)): dC_t += Σ_c dy·h_t; dD += dy·u; dΔ += Σ_n dh·(h_{t−1}·Ā·A + B·u);
     * dA += dh·h_{t−1}·Ā·Δ; dB_t += Σ_c dh·Δ·u; du += dy·D + Σ_n dh·Δ·B.
     */
    public void backward(int row0, int S, float[] u, float[] delta, float[] bc, float[] a, float[] d, float[] states,
                         int statesOff, float[] dy, float[] du, float[] dDelta, float[] dbc, float[] dALog, float[] dD) {
        int din = dInner, n = dState, dn = din * n;
        int nChunks = (S + chunk - 1) / chunk;
        float[] hs = new float[Math.min(chunk, S) * dn];
        float[] dh = new float[dn];
        float[] dA = new float[dn];
        for (int c = nChunks - 1; c >= 0; c--) {
            int t0 = c * chunk, t1 = Math.min(S, t0 + chunk);
            int startOff = statesOff + c * dn;
            for (int t = t0; t < t1; t++) {
                if (t == t0) step(row0 + t, u, delta, bc, a, states, startOff, hs, 0);
                else step(row0 + t, u, delta, bc, a, hs, (t - 1 - t0) * dn, hs, (t - t0) * dn);
            }
            for (int t = t1 - 1; t >= t0; t--) {
                int row = row0 + t;
                int bo = row * bcStride + bOff, co = row * bcStride + cOff;
                float[] prev = t == t0 ? states : hs;
                int prevOff = t == t0 ? startOff : (t - 1 - t0) * dn;
                int curOff = (t - t0) * dn;
                for (int ch = 0; ch < din; ch++) {
                    int i = row * din + ch;
                    float dyv = dy[i], dl = delta[i], x = u[i];
                    float dDeltaAcc = 0f, duAcc = dyv * d[ch];
                    dD[ch] += dyv * x;
                    int hOff = ch * n;
                    for (int s = 0; s < n; s++) {
                        float av = a[hOff + s];
                        float dhs = dh[hOff + s] + dyv * bc[co + s];
                        dbc[co + s] += dyv * hs[curOff + hOff + s];
                        float aBar = (float) Math.exp(dl * av);
                        float dABar = dhs * prev[prevOff + hOff + s];
                        float bv = bc[bo + s];
                        dDeltaAcc += dABar * aBar * av + dhs * bv * x;
                        dA[hOff + s] += dABar * aBar * dl;
                        dbc[bo + s] += dhs * dl * x;
                        duAcc += dhs * dl * bv;
                        dh[hOff + s] = dhs * aBar;
                    }
                    dDelta[i] += dDeltaAcc;
                    du[i] += duAcc;
                }
            }
        }
        for (int i = 0; i < dn; i++) dALog[i] += dA[i] * a[i];
    }
}
