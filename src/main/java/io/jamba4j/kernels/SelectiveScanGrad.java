package io.jamba4j.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;


/**
 * The selective scan of one training sequence (zero initial state) with checkpointed states, and its backward pass;
 * the math and the checkpointing scheme are documented in {@code model.CheckpointedScan}, which calls these.
 *
 * <p>SIMD across channels like {@link SelectiveScan}: states are laid out {@code [N][Din]} and A is read transposed
 * ({@code aT [N][Din]}). The forward step performs exactly the float operations of the inference scan (same
 * exponential, same multiply/add order), so training outputs equal inference outputs bit for bit; the backward pass
 * recomputes a chunk's states with the same step, so they equal the forward's.
 */
public final class SelectiveScanGrad {
    private SelectiveScanGrad() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();

    /**
     * hOut = e^(Δ·A) ⊙ hIn + B·(u·Δ) for token row {@code row} (states [N][Din] at inOff / outOff; hOut may alias
     * hIn), and, when {@code y != null}, y[row] = Σ_s hOut[s]·C_s + D ⊙ u.
     */
    static void step(int row, int din, int n, float[] u, float[] dt, float[] bc, int pw, int bOff, int cOff,
                     float[] aT, float[] d, float[] hIn, int inOff, float[] hOut, int outOff, float[] y) {
        int cv = din / L * L;
        int bb = row * pw + bOff, cb = row * pw + cOff;
        for (int c = 0; c < cv; c += L) {
            int o = row * din + c;
            FloatVector delta = FloatVector.fromArray(F, dt, o);
            FloatVector x = FloatVector.fromArray(F, u, o);
            FloatVector xd = x.mul(delta);
            FloatVector acc = FloatVector.zero(F);
            for (int s = 0; s < n; s++) {
                int hi = s * din + c;
                FloatVector dA = SelectiveScan.expV(delta.mul(FloatVector.fromArray(F, aT, hi)));
                FloatVector hs = FloatVector.fromArray(F, hIn, inOff + hi).mul(dA).add(xd.mul(bc[bb + s]));
                hs.intoArray(hOut, outOff + hi);
                acc = hs.fma(FloatVector.broadcast(F, bc[cb + s]), acc);
            }
            if (y != null) FloatVector.fromArray(F, d, c).fma(x, acc).intoArray(y, o);
        }
        for (int c = cv; c < din; c++) {
            int o = row * din + c;
            float delta = dt[o], x = u[o], xd = x * delta, acc = 0f;
            for (int s = 0; s < n; s++) {
                int hi = s * din + c;
                float hs = hIn[inOff + hi] * SelectiveScan.exp(delta * aT[hi]) + xd * bc[bb + s];
                hOut[outOff + hi] = hs;
                acc = Math.fma(hs, bc[cb + s], acc);
            }
            if (y != null) y[o] = Math.fma(d[c], x, acc);
        }
    }

    /**
     * y for rows [row0, row0+S) from a zero state; the state before token t is saved for every t that is a multiple of
     * {@code chunk}, at states[statesOff + (t/chunk)·N·Din], layout [N][Din].
     */
    public static void forward(int row0, int S, int din, int n, float[] u, float[] dt, float[] bc, int pw, int bOff,
                               int cOff, float[] aT, float[] d, float[] y, float[] states, int statesOff, int chunk) {
        int dn = din * n;
        float[] h = new float[dn];
        for (int t = 0; t < S; t++) {
            if (t % chunk == 0) System.arraycopy(h, 0, states, statesOff + t / chunk * dn, dn);
            step(row0 + t, din, n, u, dt, bc, pw, bOff, cOff, aT, d, h, 0, h, 0, y);
        }
    }

    /**
     * Backward of {@link #forward} for one sequence: accumulates (+=) du, dΔ, dB and dC (into dbc at the B and C
     * offsets), dA ([N][Din], with respect to A) and dD. See {@code model.CheckpointedScan} for the formulas.
     */
    public static void backward(int row0, int S, int din, int n, float[] u, float[] dt, float[] bc, int pw, int bOff,
                                int cOff, float[] aT, float[] d, float[] states, int statesOff, int chunk, float[] dy,
                                float[] du, float[] dDelta, float[] dbc, float[] dA, float[] dD) {
        int dn = din * n;
        int cv = din / L * L;
        int nChunks = (S + chunk - 1) / chunk;
        float[] hs = new float[Math.min(chunk, S) * dn];
        float[] dh = new float[dn];
        float[] lanes = new float[2 * L];
        for (int ck = nChunks - 1; ck >= 0; ck--) {
            int t0 = ck * chunk, t1 = Math.min(S, t0 + chunk);
            int startOff = statesOff + ck * dn;
            for (int t = t0; t < t1; t++) {
                if (t == t0) step(row0 + t, din, n, u, dt, bc, pw, bOff, cOff, aT, d, states, startOff, hs, 0, null);
                else step(row0 + t, din, n, u, dt, bc, pw, bOff, cOff, aT, d, hs, (t - 1 - t0) * dn, hs, (t - t0) * dn, null);
            }
            for (int t = t1 - 1; t >= t0; t--) {
                int row = row0 + t;
                int bo = row * pw + bOff, co = row * pw + cOff, ro = row * din;
                float[] prev = t == t0 ? states : hs;
                int prevOff = t == t0 ? startOff : (t - 1 - t0) * dn;
                int curOff = (t - t0) * dn;
                for (int s = 0; s < n; s++) {
                    float cs = bc[co + s], bs = bc[bo + s];
                    FloatVector vcs = FloatVector.broadcast(F, cs), vbs = FloatVector.broadcast(F, bs);
                    FloatVector dC = FloatVector.zero(F), dB = FloatVector.zero(F);
                    int so = s * din;
                    for (int c = 0; c < cv; c += L) {
                        int i = ro + c, hi = so + c;
                        FloatVector dyv = FloatVector.fromArray(F, dy, i);
                        FloatVector dl = FloatVector.fromArray(F, dt, i);
                        FloatVector x = FloatVector.fromArray(F, u, i);
                        FloatVector av = FloatVector.fromArray(F, aT, hi);
                        FloatVector dhs = dyv.fma(vcs, FloatVector.fromArray(F, dh, hi));
                        dC = dyv.fma(FloatVector.fromArray(F, hs, curOff + hi), dC);
                        FloatVector aBar = SelectiveScan.expV(dl.mul(av));
                        FloatVector g = dhs.mul(FloatVector.fromArray(F, prev, prevOff + hi)).mul(aBar); // ∂L/∂Ā · Ā
                        FloatVector dlx = dl.mul(x);
                        FloatVector.fromArray(F, dDelta, i).add(g.fma(av, dhs.mul(vbs).mul(x))).intoArray(dDelta, i);
                        FloatVector.fromArray(F, dA, hi).add(g.mul(dl)).intoArray(dA, hi);
                        dB = dhs.fma(dlx, dB);
                        FloatVector.fromArray(F, du, i).add(dhs.mul(dl).mul(vbs)).intoArray(du, i);
                        dhs.mul(aBar).intoArray(dh, hi);
                    }
                    // lanes summed in a fixed order (reduceLanes' order may differ between the interpreter and
                    // C2, and exact resume needs the same bits whenever a step runs)
                    dC.intoArray(lanes, 0);
                    dB.intoArray(lanes, L);
                    float dCs = 0f, dBs = 0f;
                    for (int j = 0; j < L; j++) {
                        dCs += lanes[j];
                        dBs += lanes[L + j];
                    }
                    for (int c = cv; c < din; c++) {
                        int i = ro + c, hi = so + c;
                        float dyv = dy[i], dl = dt[i], x = u[i], av = aT[hi];
                        float dhs = dh[hi] + dyv * cs;
                        dCs += dyv * hs[curOff + hi];
                        float aBar = SelectiveScan.exp(dl * av);
                        float g = dhs * prev[prevOff + hi] * aBar;
                        dDelta[i] += g * av + dhs * bs * x;
                        dA[hi] += g * dl;
                        dBs += dhs * dl * x;
                        du[i] += dhs * dl * bs;
                        dh[hi] = dhs * aBar;
                    }
                    dbc[co + s] += dCs;
                    dbc[bo + s] += dBs;
                }
                for (int c = 0; c < din; c++) {
                    float dyv = dy[ro + c];
                    du[ro + c] += dyv * d[c];
                    dD[c] += dyv * u[ro + c];
                }
            }
        }
    }
}
