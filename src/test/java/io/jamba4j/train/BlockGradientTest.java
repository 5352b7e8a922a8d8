package io.jamba4j.train;

import io.jamba4j.model.Attention;
import io.jamba4j.model.JambaConfig;
import io.jamba4j.model.MambaMixer;
import io.jamba4j.model.Mlp;
import io.jamba4j.model.MoE;
import io.jamba4j.model.RMSNorm;
import io.jamba4j.model.CheckpointedScan;
import io.jamba4j.model.Workspace;
import io.jamba4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Each block's backward pass against finite differences of its float32 training forward, with the loss
 * L = Σ out ⊙ W for a fixed random W (so ∂L/∂out = W). Weights are drawn larger than the HF init (std 0.2–0.5 instead
 * of 0.02) so that the nonlinearities matter and the gradients are well above the float32 noise of the loss.
 *
 * <p>Tolerances (see {@link GradCheck}): rtol 2e-3, plus atol 1e-5·‖g‖, plus a noise floor 2e-6·|L|/h. The numeric
 * side is a float64 fourth-order stencil over losses of the float32 forward; its error is the forward's float32
 * rounding (~1e-7 relative per value, a few 1e-6 of |L|) divided by the step h (0.5% of the array's scale), plus the
 * O(h⁴) truncation, which grows where the function is sharply curved (peaked softmax, RMSNorm of a short vector near 0).
 * Observed worst errors on well-conditioned checks (printed by each test) are 1e-5 … 3e-3. Sensitivity, tried by
 * mutation: scaling one term of the scan's dΔ, the GQA dk, or RMSNorm's dweight by 1.01, or dropping the aux-loss
 * gradient, fails these tests (11–22 failed checks each); sign or missing-term errors give errors of order 1.
 */
class BlockGradientTest {
    static final double RTOL = 2e-3, ATOL = 1e-5;

    static JambaConfig config(int hidden, int heads, int kvHeads, int experts, int topK, boolean projBias, boolean convBias) {
        JambaConfig.Builder b = new JambaConfig.Builder();
        b.vocabSize = 64; b.hiddenSize = hidden; b.intermediateSize = 24; b.numHiddenLayers = 2;
        b.numAttentionHeads = heads; b.numKeyValueHeads = kvHeads; b.attnLayerPeriod = 2; b.attnLayerOffset = 1;
        b.numExperts = experts; b.numExpertsPerTok = topK; b.expertLayerPeriod = 2; b.expertLayerOffset = 1;
        b.mambaDState = 4; b.mambaDConv = 4; b.mambaExpand = 2; b.mambaDtRank = 3;
        b.mambaProjBias = projBias; b.mambaConvBias = convBias;
        return b.build().validate("test");
    }

    static Tensor param(Parameters p, SplittableRandom r, String name, double std, long... shape) {
        return p.add(name, GradCheck.randn(r, (int) Tensor.numElements(shape), std), shape);
    }

    static float[] vec(Parameters p, SplittableRandom r, String name, double mean, double std, int n) {
        float[] x = GradCheck.randn(r, n, std);
        for (int i = 0; i < n; i++) x[i] += (float) mean;
        p.add(name, x, n);
        return x;
    }

    static void checkAll(GradCheck c, Parameters p, Gradients g) {
        for (var e : p.tensors().entrySet()) c.check(e.getKey(), p.get(e.getKey()), g.get(e.getKey()), 2, 3, 2);
    }

    @Test
    void mlp() {
        SplittableRandom r = new SplittableRandom(10);
        int h = 8, f = 12, T = 5;
        Parameters p = new Parameters();
        Mlp mlp = new Mlp(param(p, r, "gate", 0.4, f, h), param(p, r, "up", 0.4, f, h), param(p, r, "down", 0.4, h, f));
        float[] x = GradCheck.randn(r, T * h, 1), w = GradCheck.randn(r, T * h, 1);
        float[] out = new float[T * h];
        Mlp.Activations a = mlp.forwardTrain(x, 0, out, 0, T);
        float[] ref = new float[T * h];
        mlp.forward(x, ref, T, new Workspace());
        assertArrayEquals(ref, out, "training forward = inference forward");
        Gradients g = new Gradients(p);
        float[] dx = new float[T * h];
        mlp.backward(a, w, 0, dx, 0, g);
        GradCheck c = new GradCheck(() -> {
            float[] o = new float[T * h];
            mlp.forwardTrain(x, 0, o, 0, T);
            return GradCheck.weighted(o, w);
        }, null, RTOL, ATOL, 11);
        c.check("input", x, dx, 3, 4, 4);
        checkAll(c, p, g);
        System.out.println("mlp: " + c.summary());
        c.assertOk();
    }

    /** Causal GQA attention (4 query heads on 2 KV heads), 2 sequences; the KV weights get the sum over their query heads. */
    @Test
    void attention() {
        SplittableRandom r = new SplittableRandom(20);
        JambaConfig cfg = config(16, 4, 2, 1, 1, false, true);
        int h = 16, dq = 16, dkv = 8, B = 2, S = 6, T = B * S;
        Parameters p = new Parameters();
        Attention att = new Attention(cfg, param(p, r, "q", 0.5, dq, h), param(p, r, "k", 0.5, dkv, h),
                param(p, r, "v", 0.5, dkv, h), param(p, r, "o", 0.3, h, dq));
        float[] x = GradCheck.randn(r, T * h, 1), w = GradCheck.randn(r, T * h, 1);
        float[] out = new float[T * h];
        Attention.Activations a = att.forwardTrain(x, out, B, S);
        // each sequence equals an inference forward from an empty cache
        io.jamba4j.model.Cache cache = new io.jamba4j.model.Cache(cfg, S);
        for (int b = 0; b < B; b++) {
            float[] ref = new float[S * h];
            float[] in = java.util.Arrays.copyOfRange(x, b * S * h, (b + 1) * S * h);
            att.forward(in, ref, S, 0, cache.layer(1), new Workspace());
            for (int i = 0; i < S * h; i++) assertEquals(ref[i], out[b * S * h + i], 1e-6, "sequence " + b);
        }
        Gradients g = new Gradients(p);
        float[] dx = new float[T * h];
        att.backward(a, w, dx, g);
        GradCheck c = new GradCheck(() -> {
            float[] o = new float[T * h];
            att.forwardTrain(x, o, B, S);
            return GradCheck.weighted(o, w);
        }, null, RTOL, ATOL, 21);
        c.check("input", x, dx, 3, 4, 4);
        checkAll(c, p, g);
        System.out.println("attention: " + c.summary());
        c.assertOk();
        // causality: the loss of the first row does not depend on later rows
        float[] w0 = new float[T * h];
        System.arraycopy(w, 0, w0, 0, h);
        float[] dx0 = new float[T * h];
        att.backward(a, w0, dx0, new Gradients(p));
        for (int i = h; i < T * h; i++) assertEquals(0f, dx0[i], "row " + i / h);
    }

    /** The scan alone: gradients w.r.t. u, Δ, B, C, A_log (through A = −exp(A_log)) and D, with several chunk lengths. */
    @Test
    void selectiveScan() {
        SplittableRandom r = new SplittableRandom(30);
        int din = 19, n = 4, R = 2, pw = R + 2 * n, S = 11; // 19 channels: SIMD blocks and a scalar tail
        float[] u = GradCheck.randn(r, S * din, 1), bc = GradCheck.randn(r, S * pw, 1), d = GradCheck.randn(r, din, 1);
        float[] delta = new float[S * din];
        for (int i = 0; i < delta.length; i++) delta[i] = (float) (0.05 + r.nextDouble() * 1.2);
        float[] aLog = new float[din * n];
        for (int i = 0; i < aLog.length; i++) aLog[i] = (float) (Math.log(i % n + 1) + 0.3 * r.nextGaussian());
        float[] a = new float[din * n], aT = new float[din * n];
        Runnable sync = () -> {
            for (int i = 0; i < a.length; i++) a[i] = (float) -Math.exp(aLog[i]);
            for (int c = 0; c < din; c++) for (int s = 0; s < n; s++) aT[s * din + c] = a[c * n + s];
        };
        sync.run();
        float[] w = GradCheck.randn(r, S * din, 1);
        float[][] reference = null;
        for (int chunk : new int[]{S, 4, 1}) {
            CheckpointedScan scan = new CheckpointedScan(din, n, pw, R, R + n, chunk);
            float[] states = new float[scan.stateSize(S)], y = new float[S * din];
            scan.forward(0, S, u, delta, bc, aT, d, y, states, 0);
            float[] du = new float[S * din], dDelta = new float[S * din], dbc = new float[S * pw], dALog = new float[din * n], dD = new float[din];
            scan.backward(0, S, u, delta, bc, a, aT, d, states, 0, w, du, dDelta, dbc, dALog, dD);
            for (int t = 0; t < S; t++) for (int i = 0; i < R; i++) assertEquals(0f, dbc[t * pw + i], "δ̂ columns untouched");
            float[][] grads = {y, du, dDelta, dbc, dALog, dD};
            if (reference == null) {
                reference = grads;
                GradCheck c = new GradCheck(() -> {
                    float[] yy = new float[S * din];
                    scan.forward(0, S, u, delta, bc, aT, d, yy, new float[scan.stateSize(S)], 0);
                    return GradCheck.weighted(yy, w);
                }, sync, RTOL, ATOL, 31);
                c.check("u", u, du, 3, 4, 4).check("delta", delta, dDelta, 3, 4, 4).check("B,C", bc, dbc, 3, 6, 4)
                        .check("A_log", aLog, dALog, 3, 4, 4).check("D", d, dD, 2, 3, 2);
                System.out.println("scan: " + c.summary());
                c.assertOk();
            } else {
                for (int k = 0; k < grads.length; k++) assertArrayEquals(reference[k], grads[k], "chunk " + chunk + ", array " + k);
            }
        }
    }

    /** The whole Mamba mixer, 2 sequences, with and without the optional projection and conv biases. */
    @Test
    void mambaMixer() {
        for (boolean bias : new boolean[]{false, true}) {
            SplittableRandom r = new SplittableRandom(40);
            JambaConfig cfg = config(8, 2, 1, 1, 1, bias, !bias);
            int h = 8, din = 16, n = 4, R = 3, K = 4, B = 2, S = 7, T = B * S;
            Parameters p = new Parameters();
            float[] aLog = vec(p, r, "A_log", 0.5, 0.3, din * n);
            float[] a = new float[din * n];
            Runnable sync = () -> { for (int i = 0; i < a.length; i++) a[i] = (float) -Math.exp(aLog[i]); };
            sync.run();
            MambaMixer m = new MambaMixer(cfg, param(p, r, "in_proj", 0.4, 2 * din, h), bias ? vec(p, r, "in_bias", 0, 0.2, 2 * din) : null,
                    vec(p, r, "conv", 0, 0.4, din * K), bias ? null : vec(p, r, "conv_bias", 0, 0.2, din),
                    param(p, r, "x_proj", 0.4, R + 2 * n, din), param(p, r, "dt_proj", 0.4, din, R), vec(p, r, "dt_bias", -0.5, 0.3, din),
                    a, vec(p, r, "D", 1, 0.3, din), param(p, r, "out_proj", 0.3, h, din), bias ? vec(p, r, "out_bias", 0, 0.2, h) : null,
                    new RMSNorm(vec(p, r, "dt_norm", 1, 0.2, R), 1e-6), new RMSNorm(vec(p, r, "b_norm", 1, 0.2, n), 1e-6),
                    new RMSNorm(vec(p, r, "c_norm", 1, 0.2, n), 1e-6));
            float[] x = GradCheck.randn(r, T * h, 1), w = GradCheck.randn(r, T * h, 1);
            float[] out = new float[T * h];
            MambaMixer.Activations act = m.forwardTrain(x, out, B, S, 3);
            io.jamba4j.model.Cache cache = new io.jamba4j.model.Cache(cfg, S);
            for (int b = 0; b < B; b++) {
                cache.reset();
                float[] ref = new float[S * h];
                m.forward(java.util.Arrays.copyOfRange(x, b * S * h, (b + 1) * S * h), ref, S, 0, cache.layer(0), new Workspace());
                for (int i = 0; i < S * h; i++) assertEquals(ref[i], out[b * S * h + i], 1e-6, "sequence " + b);
            }
            Gradients g = new Gradients(p);
            g.alias(a, "A_log");
            float[] dx = new float[T * h];
            m.backward(act, w, dx, g);
            GradCheck c = new GradCheck(() -> {
                float[] o = new float[T * h];
                m.forwardTrain(x, o, B, S, 3);
                return GradCheck.weighted(o, w);
            }, () -> { sync.run(); m.refreshDerived(); }, RTOL, ATOL, 41); // the scan reads A transposed
            c.check("input", x, dx, 3, 4, 4);
            checkAll(c, p, g);
            System.out.println("mamba (bias " + bias + "): " + c.summary());
            c.assertOk();
            // the chunk length of the scan checkpoints does not change any gradient
            Gradients g2 = new Gradients(p);
            g2.alias(a, "A_log");
            float[] dx2 = new float[T * h];
            m.backward(m.forwardTrain(x, new float[T * h], B, S, 64), w, dx2, g2);
            assertArrayEquals(dx, dx2);
            for (String name : p.tensors().keySet()) assertArrayEquals(g.get(name), g2.get(name), name);
        }
    }

    /**
     * MoE with 4 experts, top-2: gradients through the selected experts and the (not renormalised) gate probabilities
     * into the router, plus coef·L_aux. The perturbations must not change any top-k choice (checked), otherwise the
     * loss is not differentiable there.
     */
    @Test
    void moeWithAuxLoss() {
        SplittableRandom r = new SplittableRandom(50);
        int h = 8, f = 12, E = 4, k = 2, T = 9;
        Parameters p = new Parameters();
        Tensor router = param(p, r, "router", 0.5, E, h);
        Mlp[] experts = new Mlp[E];
        for (int e = 0; e < E; e++) {
            experts[e] = new Mlp(param(p, r, e + ".gate", 0.4, f, h), param(p, r, e + ".up", 0.4, f, h), param(p, r, e + ".down", 0.4, h, f));
        }
        MoE moe = new MoE(router, experts, k);
        float[] x = clearRouting(r, p.get("router"), E, k, h, T, 0.3), w = GradCheck.randn(r, T * h, 1);
        double coef = 0.3; // large, so that the aux term is visible in the check
        float[] out = new float[T * h];
        MoE.Activations act = moe.forwardTrain(x, out, T);
        float[] ref = new float[T * h];
        moe.forward(x, ref, T, new Workspace());
        assertArrayEquals(ref, out, "training forward = inference forward");
        int[] chosen = act.chosen.clone();
        double aux = LoadBalancingLoss.forwardBackward(List.of(act), E, k, coef);
        assertTrue(aux >= k * 0.5 && aux <= E, "L_aux " + aux);
        Gradients g = new Gradients(p);
        float[] dx = new float[T * h];
        moe.backward(act, w, dx, g);
        GradCheck.Loss loss = () -> {
            float[] o = new float[T * h];
            MoE.Activations s = moe.forwardTrain(x, o, T);
            if (!java.util.Arrays.equals(chosen, s.chosen)) throw new GradCheck.PieceChanged("top-k choice changed");
            return GradCheck.weighted(o, w) + coef * LoadBalancingLoss.forwardBackward(List.of(s), E, k, 0);
        };
        GradCheck c = new GradCheck(loss, null, RTOL, ATOL, 51);
        c.check("input", x, dx, 3, 4, 4);
        checkAll(c, p, g);
        System.out.println("moe: " + c.summary());
        c.assertOk();
        assertTrue(c.skipped <= c.checks / 20, c.skipped + " checks skipped");
        // an expert no token chose gets no gradient
        for (int e = 0; e < E; e++) {
            boolean used = false;
            for (int id : chosen) used |= id == e;
            if (!used) for (float v : g.get(e + ".up")) assertEquals(0f, v);
        }
    }

    /** T random input rows, each redrawn until its k-th and (k+1)-th router logits differ by at least {@code gap}. */
    static float[] clearRouting(SplittableRandom r, float[] router, int E, int k, int h, int T, double gap) {
        float[] x = new float[T * h];
        for (int t = 0; t < T; t++) {
            while (true) {
                double[] l = new double[E];
                for (int i = 0; i < h; i++) x[t * h + i] = (float) r.nextGaussian();
                for (int e = 0; e < E; e++) for (int i = 0; i < h; i++) l[e] += (double) router[e * h + i] * x[t * h + i];
                java.util.Arrays.sort(l);
                if (l[E - k] - l[E - k - 1] >= gap) break;
            }
        }
        return x;
    }

    /** L_aux alone: E·Σ F_e·P_e with hand-counted F, and its gradient through P against finite differences of logits. */
    @Test
    void loadBalancingLoss() {
        SplittableRandom r = new SplittableRandom(60);
        int h = 6, E = 4, k = 2, T = 7;
        Parameters p = new Parameters();
        Tensor router = param(p, r, "router", 0.8, E, h);
        Mlp[] experts = new Mlp[E];
        for (int e = 0; e < E; e++) experts[e] = new Mlp(param(p, r, e + "g", 0.1, 4, h), param(p, r, e + "u", 0.1, 4, h), param(p, r, e + "d", 0.1, h, 4));
        MoE moe = new MoE(router, experts, k);
        float[] x1 = clearRouting(r, p.get("router"), E, k, h, T, 0.3), x2 = GradCheck.randn(r, T * h, 1);
        MoE.Activations a1 = moe.forwardTrain(x1, new float[T * h], T), a2 = moe.forwardTrain(x2, new float[T * h], T);
        double[] cnt = new double[E], ps = new double[E];
        for (MoE.Activations a : List.of(a1, a2)) {
            for (int id : a.chosen) cnt[id]++;
            for (int i = 0; i < T * E; i++) ps[i % E] += a.probs[i];
        }
        double expect = 0;
        for (int e = 0; e < E; e++) expect += (cnt[e] / (2 * T)) * (ps[e] / (2 * T));
        expect *= E;
        assertEquals(expect, LoadBalancingLoss.forwardBackward(List.of(a1, a2), E, k, 1.0), 1e-9);
        float[] d = a1.dProbsExtra;
        for (int e = 0; e < E; e++) assertEquals(E * cnt[e] / (2 * T) / (2 * T), d[e], 1e-7);
        // gradient into the router weight and the inputs of the first layer, aux loss only
        Gradients g = new Gradients(p);
        float[] dx = new float[T * h];
        moe.backward(a1, new float[T * h], dx, g);
        GradCheck c = new GradCheck(() -> LoadBalancingLoss.forwardBackward(List.of(moe.forwardTrain(x1, new float[T * h], T), a2), E, k, 0),
                null, RTOL, ATOL, 61);
        c.check("router", p.get("router"), g.get("router"), 3, 4, 4).check("input", x1, dx, 3, 4, 4);
        System.out.println("aux: " + c.summary());
        c.assertOk();
    }
}
