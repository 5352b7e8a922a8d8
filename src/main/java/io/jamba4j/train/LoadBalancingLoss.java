package io.jamba4j.train;

import io.jamba4j.model.MoE;

import java.util.List;

/**
 * Switch-Transformer load-balancing loss as HF Jamba/Mixtral compute it (spec §6.3): the router rows of all MoE layers
 * are concatenated (Nrows = #MoE layers · tokens); F_e = (number of top-k slots that chose e) / Nrows, P_e = mean of
 * π_e over the rows, L_aux = E · Σ_e F_e·P_e (perfect balance gives k). F comes from a discrete choice and carries no
 * gradient; through P, ∂L_aux/∂π_{row,e} = E·F_e / Nrows, the same for every row (PyTorch autograd gives the same).
 */
public final class LoadBalancingLoss {
    private LoadBalancingLoss() {}

    /**
     * L_aux over {@code layers} (their {@code probs} and {@code chosen}); when {@code gradScale != 0}, sets each layer's
     * {@code dProbsExtra} to gradScale·∂L_aux/∂π (use the loss coefficient, e.g. router_aux_loss_coef) for its backward.
     */
    public static double forwardBackward(List<MoE.Activations> layers, int numExperts, int topK, double gradScale) {
        if (layers.isEmpty()) return 0;
        int e = numExperts;
        long rows = 0;
        double[] count = new double[e];
        double[] probSum = new double[e];
        for (MoE.Activations a : layers) {
            int r = a.probs.length / e;
            rows += r;
            for (int i = 0; i < r * topK; i++) count[a.chosen[i]]++;
            for (int i = 0; i < r; i++) for (int x = 0; x < e; x++) probSum[x] += a.probs[i * e + x];
        }
        double loss = 0;
        float[] dProb = new float[e];
        for (int x = 0; x < e; x++) {
            double f = count[x] / rows, p = probSum[x] / rows;
            loss += f * p;
            dProb[x] = (float) (gradScale * e * f / rows);
        }
        if (gradScale != 0) for (MoE.Activations a : layers) a.dProbsExtra = dProb.clone();
        return e * loss;
    }

}
