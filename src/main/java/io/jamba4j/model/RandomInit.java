package io.jamba4j.model;

import io.jamba4j.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Hugging Face's initialisation of a Jamba model (spec §6.1), float32, reproducible from a seed:
 * every Linear and Conv1d weight ~ N(0, initializer_range²), biases 0, the embedding ~ N(0, initializer_range²) with
 * the padding row zeroed, every RMSNorm weight 1, A_log[c, n] = ln(n + 1) (S4D-real), D = 1.
 * Each tensor draws from its own generator seeded by (seed, tensor name), so the result does not depend on the
 * order or the number of threads used to fill it.
 */
public final class RandomInit {
    private RandomInit() {}

    public static WeightSet create(JambaConfig c, long seed) {
        long v = c.vocabSize, h = c.hiddenSize, f = c.intermediateSize;
        long din = c.mambaInner(), n = c.mambaDState, r = c.mambaDtRank, k = c.mambaDConv;
        long q = (long) c.numAttentionHeads * c.headDim(), kv = (long) c.numKeyValueHeads * c.headDim();
        Map<String, long[]> normal = new LinkedHashMap<>();
        Map<String, Tensor> fixed = new LinkedHashMap<>();
        normal.put("model.embed_tokens.weight", new long[]{v, h});
        for (LayerSpec l : c.layers()) {
            String p = "model.layers." + l.index() + ".";
            fixed.put(p + "input_layernorm.weight", filled(p + "input_layernorm.weight", 1f, h));
            fixed.put(p + "pre_ff_layernorm.weight", filled(p + "pre_ff_layernorm.weight", 1f, h));
            if (l.isAttention()) {
                normal.put(p + "self_attn.q_proj.weight", new long[]{q, h});
                normal.put(p + "self_attn.k_proj.weight", new long[]{kv, h});
                normal.put(p + "self_attn.v_proj.weight", new long[]{kv, h});
                normal.put(p + "self_attn.o_proj.weight", new long[]{h, q});
            } else {
                String m = p + "mamba.";
                normal.put(m + "in_proj.weight", new long[]{2 * din, h});
                if (c.mambaProjBias) fixed.put(m + "in_proj.bias", filled(m + "in_proj.bias", 0f, 2 * din));
                normal.put(m + "conv1d.weight", new long[]{din, 1, k});
                if (c.mambaConvBias) fixed.put(m + "conv1d.bias", filled(m + "conv1d.bias", 0f, din));
                normal.put(m + "x_proj.weight", new long[]{r + 2 * n, din});
                normal.put(m + "dt_proj.weight", new long[]{din, r});
                fixed.put(m + "dt_proj.bias", filled(m + "dt_proj.bias", 0f, din));
                float[] aLog = new float[Math.toIntExact(din * n)];
                for (int ch = 0; ch < din; ch++) for (int s = 0; s < n; s++) aLog[(int) (ch * n + s)] = (float) Math.log(s + 1);
                fixed.put(m + "A_log", Tensor.ofFloats(m + "A_log", aLog, din, n));
                fixed.put(m + "D", filled(m + "D", 1f, din));
                normal.put(m + "out_proj.weight", new long[]{h, din});
                if (c.mambaProjBias) fixed.put(m + "out_proj.bias", filled(m + "out_proj.bias", 0f, h));
                fixed.put(m + "dt_layernorm.weight", filled(m + "dt_layernorm.weight", 1f, r));
                fixed.put(m + "b_layernorm.weight", filled(m + "b_layernorm.weight", 1f, n));
                fixed.put(m + "c_layernorm.weight", filled(m + "c_layernorm.weight", 1f, n));
            }
            String ff = p + "feed_forward.";
            if (l.isMoe()) {
                normal.put(ff + "router.weight", new long[]{l.numExperts(), h});
                for (int e = 0; e < l.numExperts(); e++) mlp(normal, ff + "experts." + e + ".", h, f);
            } else {
                mlp(normal, ff, h, f);
            }
        }
        fixed.put("model.final_layernorm.weight", filled("model.final_layernorm.weight", 1f, h));
        if (!c.tieWordEmbeddings) normal.put("lm_head.weight", new long[]{v, h});

        List<Map.Entry<String, long[]>> todo = List.copyOf(normal.entrySet());
        Tensor[] made = new Tensor[todo.size()];
        double std = c.initializerRange;
        IntStream.range(0, todo.size()).parallel().forEach(i -> {
            String name = todo.get(i).getKey();
            long[] shape = todo.get(i).getValue();
            long count = Tensor.numElements(shape);
            if (count > Integer.MAX_VALUE - 16) throw new ModelException("tensor '" + name + "' is too large to initialise in one array");
            float[] x = new float[(int) count];
            SplittableRandom rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ name.hashCode());
            for (int j = 0; j < x.length; j++) x[j] = (float) (rng.nextGaussian() * std);
            if (name.equals("model.embed_tokens.weight") && c.padTokenId >= 0 && c.padTokenId < c.vocabSize) {
                java.util.Arrays.fill(x, c.padTokenId * c.hiddenSize, (c.padTokenId + 1) * c.hiddenSize, 0f);
            }
            made[i] = Tensor.ofFloats(name, x, shape);
        });
        Map<String, Tensor> all = new LinkedHashMap<>(fixed);
        for (Tensor t : made) all.put(t.name(), t);
        return new WeightSet("random init (seed " + seed + ")", all);
    }

    private static void mlp(Map<String, long[]> normal, String p, long h, long f) {
        normal.put(p + "gate_proj.weight", new long[]{f, h});
        normal.put(p + "up_proj.weight", new long[]{f, h});
        normal.put(p + "down_proj.weight", new long[]{h, f});
    }

    private static Tensor filled(String name, float value, long n) {
        float[] x = new float[Math.toIntExact(n)];
        java.util.Arrays.fill(x, value);
        return Tensor.ofFloats(name, x, n);
    }
}
