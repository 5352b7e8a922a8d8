package io.jamba4j.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.management.ManagementFactory;
import java.util.List;

/**
 * Start-up probe: is the Vector API really compiled to SIMD instructions on this JVM? A JVM without C2 (e.g.
 * {@code -Xint}, {@code -XX:TieredStopAtLevel=1}) or one that does not intrinsify {@code jdk.incubator.vector}
 * runs vector code through a Java fallback 10–100× slower than scalar code, silently. Like the peers' checks, this
 * looks at the JVM flags and times a short FMA loop in vector and scalar form.
 */
public final class SimdCheck {
    private SimdCheck() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    /** Result: {@code ok} false means the engine will be slow; {@code message} says why. */
    public record Result(boolean ok, int vectorBits, double speedup, String message) {}

    public static Result run() {
        List<String> args = ManagementFactory.getRuntimeMXBean().getInputArguments();
        for (String a : args) {
            if (a.equals("-Xint") || a.startsWith("-XX:TieredStopAtLevel=") && !a.endsWith("4")) {
                return new Result(false, S.vectorBitSize(), 0, "the JVM runs with " + a + ": the Vector API is not compiled to SIMD");
            }
        }
        // small arrays and many calls so that both loops get C2-compiled well within the budget
        float[] a = new float[512], b = new float[512];
        for (int i = 0; i < a.length; i++) {
            a[i] = i * 1e-3f;
            b[i] = 1f - i * 1e-4f;
        }
        float sink = 0;
        long start = System.nanoTime();
        for (int i = 0; i < 30_000 && System.nanoTime() - start < 1_500_000_000L; i++) {
            sink += vectorDot(a, b) + scalarDot(a, b);
        }
        long vecBest = Long.MAX_VALUE, scaBest = Long.MAX_VALUE;
        for (int round = 0; round < 20; round++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < 200; i++) sink += vectorDot(a, b);
            long t1 = System.nanoTime();
            for (int i = 0; i < 200; i++) sink += scalarDot(a, b);
            long t2 = System.nanoTime();
            vecBest = Math.min(vecBest, t1 - t0);
            scaBest = Math.min(scaBest, t2 - t1);
        }
        double speedup = (double) scaBest / Math.max(1, vecBest);
        int bits = S.vectorBitSize();
        if (sink == 42.4242f) System.out.print("");
        if (bits < 256) {
            return new Result(false, bits, speedup, "the preferred vector size is " + bits + " bits (no AVX2?); kernels will be slow");
        }
        if (speedup < 1.5) {
            return new Result(false, bits, speedup, String.format(
                    "the Vector API does not look intrinsified: a %d-bit vector dot product ran only %.2fx the speed of scalar code", bits, speedup));
        }
        return new Result(true, bits, speedup, String.format("%d-bit SIMD, %.1fx over scalar", bits, speedup));
    }

    private static float vectorDot(float[] a, float[] b) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (; i <= a.length - S.length(); i += S.length()) {
            acc = FloatVector.fromArray(S, a, i).fma(FloatVector.fromArray(S, b, i), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    private static float scalarDot(float[] a, float[] b) {
        float s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }
}
