package io.jamba4j.train;

import io.jamba4j.tensor.Tensor;

import java.util.HashMap;
import java.util.Map;

/**
 * AdamW (Loshchilov &amp; Hutter; PyTorch's {@code torch.optim.AdamW} update): bias-corrected Adam moments and
 * decoupled weight decay p ← p − lr·wd·p applied before the Adam step. No decay on RMSNorm weights, biases, A_log
 * and D ({@link #decays(String)}). Moments are float32 arrays created on the first step.
 */
public final class AdamW {
    private final double beta1, beta2, eps, weightDecay;
    private double lr;
    private final Map<String, float[]> m = new HashMap<>();
    private final Map<String, float[]> v = new HashMap<>();
    private int t;

    public AdamW(double lr, double beta1, double beta2, double eps, double weightDecay) {
        this.lr = lr;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
    }

    /** lr with PyTorch's defaults: betas (0.9, 0.999), eps 1e-8, weight decay 0.01. */
    public AdamW(double lr) {
        this(lr, 0.9, 0.999, 1e-8, 0.01);
    }

    /** Whether parameter {@code name} gets weight decay: matrices yes; norm weights, biases, A_log and D no. */
    public static boolean decays(String name) {
        return !(name.endsWith(".bias") || name.contains("norm") || name.endsWith(".A_log") || name.endsWith(".D"));
    }

    public int steps() {
        return t;
    }

    /** Sets the learning rate for the next steps (schedules call this before every step). */
    public void setLr(double lr) {
        this.lr = lr;
    }

    public double lr() {
        return lr;
    }

    /** First and second moments by parameter name (created on the first step), for checkpoints. */
    public Map<String, float[]> firstMoments() {
        return m;
    }

    public Map<String, float[]> secondMoments() {
        return v;
    }

    /** Restores the state saved with {@link #steps()}, {@link #firstMoments()} and {@link #secondMoments()}. */
    public void restore(int steps, Map<String, float[]> first, Map<String, float[]> second) {
        t = steps;
        m.clear();
        m.putAll(first);
        v.clear();
        v.putAll(second);
    }

    /** One update of every parameter of {@code model} from {@code g}, then {@link TrainingModel#syncDerived()}. */
    public void step(TrainingModel model, Gradients g) {
        step(model.parameters(), g);
        model.syncDerived();
    }

    /** One update of every parameter from its gradient. */
    public void step(Parameters params, Gradients g) {
        t++;
        double c1 = 1 - Math.pow(beta1, t), c2 = 1 - Math.pow(beta2, t);
        float b1 = (float) beta1, b2 = (float) beta2;
        for (Map.Entry<String, Tensor> e : params.tensors().entrySet()) {
            String name = e.getKey();
            float[] p = params.get(name), grad = g.get(name);
            float[] mm = m.computeIfAbsent(name, k -> new float[p.length]);
            float[] vv = v.computeIfAbsent(name, k -> new float[p.length]);
            float decay = decays(name) ? (float) (1 - lr * weightDecay) : 1f;
            for (int i = 0; i < p.length; i++) {
                float gi = grad[i];
                mm[i] = b1 * mm[i] + (1 - b1) * gi;
                vv[i] = b2 * vv[i] + (1 - b2) * gi * gi;
                double update = (mm[i] / c1) / (Math.sqrt(vv[i] / c2) + eps);
                p[i] = (float) (p[i] * decay - lr * update);
            }
        }
    }
}
