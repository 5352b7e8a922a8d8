package io.jamba4j.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Finite-difference gradient checks of a float32 forward pass. The numeric derivative is the fourth-order central
 * stencil f'(0) ≈ [8(f(h) − f(−h)) − (f(2h) − f(−2h))] / 12h, evaluated in double from losses the float32 forward
 * accumulates in double. Its truncation error is O(h⁴) (negligible at the steps used), so the step can be large enough
 * (1% of the array's scale) that the float32 rounding noise of the loss, divided by h, stays far below the tolerance.
 *
 * <p>Per array it checks (a) directional derivatives along unit directions d = normalise(ĝ + r̂), half the analytic
 * gradient's direction and half a random one (so the signal is large, and an error in any direction still shows
 * through the random half), and (b) single coordinates: the ones with the largest |g| and some random ones.
 * A check passes when |numeric − analytic| ≤ rtol·max(|numeric|, |analytic|) + atol·G + NOISE·|L|/h, where G is
 * ‖g‖₂ (directions) or ‖g‖∞ (coordinates) and the last term is the float32 noise floor of the loss divided by the step.
 * Where discrete choices (MoE top-k) change inside the stencil the step is reduced, then the check skipped and counted.
 */
final class GradCheck {
    /** Relative float32 noise assumed for the loss value; the stencil amplifies it by ~1.5/h. */
    static final double NOISE = 2e-6;

    interface Loss {
        /** The loss; throws {@link PieceChanged} when the point left the smooth piece of the base point (e.g. top-k). */
        double eval();
    }

    /** Thrown by a loss whose discrete choices (MoE routing) differ from those at the base point. */
    static final class PieceChanged extends RuntimeException {
        PieceChanged(String what) {
            super(what, null, false, false);
        }
    }

    /** Checks skipped because even a 64× smaller step crossed into another piece. */
    int skipped;
    private double lastStep;

    private final Loss loss;
    private final Runnable afterChange;
    private final double rtol;
    private final double atol;
    private final SplittableRandom rng;
    double step = 0.005;
    private double noise = Double.NaN;
    private String current = "";
    double worst;
    String worstWhere = "";
    int checks;
    final List<String> failures = new ArrayList<>();

    /** @param afterChange run after every change of the arrays (e.g. recompute derived values), may be null */
    GradCheck(Loss loss, Runnable afterChange, double rtol, double atol, long seed) {
        this.loss = loss;
        this.afterChange = afterChange;
        this.rtol = rtol;
        this.atol = atol;
        this.rng = new SplittableRandom(seed);
    }

    /** Checks the analytic gradient g of the loss w.r.t. the values x (both as they are now). */
    GradCheck check(String label, float[] x, float[] g, int directions, int topCoords, int randomCoords) {
        if (Double.isNaN(noise)) noise = NOISE * Math.max(Math.abs(loss.eval()), 1e-3);
        double xRms = Math.sqrt(sumSq(x) / x.length);
        double scale = Math.max(xRms, 0.05);
        double gInf = 0;
        for (float v : g) gInf = Math.max(gInf, Math.abs(v));
        double gNorm = Math.sqrt(sumSq(g));
        for (int k = 0; k < directions; k++) {
            double[] d = new double[x.length];
            double rn = 0;
            for (int i = 0; i < d.length; i++) {
                d[i] = rng.nextGaussian();
                rn += d[i] * d[i];
            }
            rn = Math.sqrt(rn);
            double norm = 0;
            for (int i = 0; i < d.length; i++) {
                d[i] = d[i] / rn + (gNorm > 0 ? g[i] / gNorm : 0);
                norm += d[i] * d[i];
            }
            norm = Math.sqrt(norm);
            double analytic = 0;
            for (int i = 0; i < d.length; i++) {
                d[i] /= norm;
                analytic += d[i] * g[i];
            }
            double h = step * scale * Math.sqrt(x.length);
            current = label + " direction " + k;
            double numeric = derivative(x, d, -1, h);
            current = label + " direction " + k;
            compare(label + " direction " + k, numeric, analytic, gNorm, lastStep);
        }
        Integer[] idx = new Integer[x.length];
        for (int i = 0; i < idx.length; i++) idx[i] = i;
        Arrays.sort(idx, (p, q) -> Float.compare(Math.abs(g[q]), Math.abs(g[p])));
        List<Integer> coords = new ArrayList<>();
        for (int i = 0; i < Math.min(topCoords, x.length); i++) coords.add(idx[i]);
        for (int i = 0; i < randomCoords; i++) coords.add(rng.nextInt(x.length));
        for (int i : coords) {
            double h = step * Math.max(Math.abs(x[i]), scale);
            current = label + "[" + i + "]";
            double numeric = derivative(x, null, i, h);
            compare(label + "[" + i + "]", numeric, g[i], gInf, lastStep);
        }
        return this;
    }

    private void compare(String where, double numeric, double analytic, double gScale, double h) {
        if (Double.isNaN(numeric)) {
            skipped++;
            return;
        }
        checks++;
        double err = Math.abs(numeric - analytic);
        double allowed = rtol * Math.max(Math.abs(numeric), Math.abs(analytic)) + atol * gScale + noise / h;
        double rel = err / Math.max(Math.max(Math.abs(numeric), Math.abs(analytic)), 1e-30);
        if (err > allowed) failures.add(where + ": numeric " + numeric + ", analytic " + analytic + " (relative error " + rel + ")");
        double floor = atol * gScale + noise / h;
        if (Math.max(Math.abs(numeric), Math.abs(analytic)) > 10 * floor && rel > worst) { // signal ≫ noise floor
            worst = rel;
            worstWhere = where + " (numeric " + numeric + ", analytic " + analytic + ")";
        }
    }

    /**
     * d/dh of loss(x + h·d) (or of coordinate {@code coord} when d is null) at 0, fourth-order stencil; if a stencil
     * point crosses into another smooth piece, retried with h/4 up to three times, then NaN (the check is skipped).
     */
    private double derivative(float[] x, double[] d, int coord, double h) {
        for (int attempt = 0; attempt < 4; attempt++, h /= 4) {
            try {
                lastStep = h;
                return stencil(x, d, coord, h);
            } catch (PieceChanged e) {
                // try a smaller step
            }
        }
        return Double.NaN;
    }

    private double stencil(float[] x, double[] d, int coord, double h) {
        float[] saved = x.clone();
        double[] f = new double[4];
        double[] steps = {-2, -1, 1, 2};
        for (int s = 0; s < 4; s++) {
            if (d == null) {
                x[coord] = (float) (saved[coord] + steps[s] * h);
            } else {
                for (int i = 0; i < x.length; i++) x[i] = (float) (saved[i] + steps[s] * h * d[i]);
            }
            if (afterChange != null) afterChange.run();
            try {
                f[s] = loss.eval();
            } catch (AssertionError e) {
                throw new AssertionError(current + ", step " + steps[s] + "·" + h + ": " + e.getMessage(), e);
            } finally {
                System.arraycopy(saved, 0, x, 0, x.length);
                if (afterChange != null) afterChange.run();
            }
        }
        if (afterChange != null) afterChange.run();
        return (8 * (f[2] - f[1]) - (f[3] - f[0])) / (12 * h);
    }

    /** Fails with every failed check listed. */
    void assertOk() {
        if (!failures.isEmpty()) {
            throw new AssertionError(failures.size() + " of " + checks + " gradient checks failed:\n  " + String.join("\n  ", failures));
        }
    }

    String summary() {
        return checks + " checks (" + skipped + " skipped at a routing switch), worst well-conditioned relative error " + String.format("%.2e", worst) + " at " + worstWhere;
    }

    static double sumSq(float[] x) {
        double s = 0;
        for (float v : x) s += (double) v * v;
        return s;
    }

    static float[] randn(SplittableRandom r, int n, double std) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (r.nextGaussian() * std);
        return x;
    }

    /** Σ out[i]·w[i] in double: a loss whose gradient w.r.t. out is w. */
    static double weighted(float[] out, float[] w) {
        double s = 0;
        for (int i = 0; i < w.length; i++) s += (double) out[i] * w[i];
        return s;
    }
}
