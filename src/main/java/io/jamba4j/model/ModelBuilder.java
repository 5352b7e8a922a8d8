package io.jamba4j.model;

import io.jamba4j.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/** Assembles a {@link JambaModel} from a config and HF-named weights, checking every tensor against the config. */
public final class ModelBuilder {
    private ModelBuilder() {}

    public static JambaModel build(JambaConfig c, WeightSet w) {
        long v = c.vocabSize, h = c.hiddenSize, f = c.intermediateSize;
        Tensor embed = w.require("model.embed_tokens.weight", v, h);
        List<JambaLayer> layers = new ArrayList<>();
        for (LayerSpec spec : c.layers()) {
            String p = "model.layers." + spec.index() + ".";
            RMSNorm inputNorm = new RMSNorm(w.floats(p + "input_layernorm.weight", h), c.rmsNormEps);
            RMSNorm preFfNorm = new RMSNorm(w.floats(p + "pre_ff_layernorm.weight", h), c.rmsNormEps);
            Mixer mixer = spec.isAttention() ? attention(c, w, p + "self_attn.") : mamba(c, w, p + "mamba.");
            FeedForward ffn;
            if (spec.isMoe()) {
                String q = p + "feed_forward.";
                Tensor router = w.require(q + "router.weight", spec.numExperts(), h);
                Mlp[] experts = new Mlp[spec.numExperts()];
                for (int e = 0; e < experts.length; e++) experts[e] = mlp(w, q + "experts." + e + ".", h, f);
                ffn = new MoE(router, experts, c.numExpertsPerTok);
            } else {
                ffn = mlp(w, p + "feed_forward.", h, f);
            }
            layers.add(new JambaLayer(spec, inputNorm, mixer, preFfNorm, ffn));
        }
        RMSNorm finalNorm = new RMSNorm(w.floats("model.final_layernorm.weight", h), c.rmsNormEps);
        Tensor lmHead = c.tieWordEmbeddings ? embed : w.require("lm_head.weight", v, h);
        return new JambaModel(c, embed, layers, finalNorm, lmHead);
    }

    private static Mlp mlp(WeightSet w, String p, long h, long f) {
        return new Mlp(w.require(p + "gate_proj.weight", f, h), w.require(p + "up_proj.weight", f, h), w.require(p + "down_proj.weight", h, f));
    }

    private static Attention attention(JambaConfig c, WeightSet w, String p) {
        long h = c.hiddenSize, q = (long) c.numAttentionHeads * c.headDim(), kv = (long) c.numKeyValueHeads * c.headDim();
        return new Attention(c, w.require(p + "q_proj.weight", q, h), w.require(p + "k_proj.weight", kv, h),
                w.require(p + "v_proj.weight", kv, h), w.require(p + "o_proj.weight", h, q));
    }

    /** A = −exp(A_log), computed in double and rounded once to float32 (A_log may be stored in F64 for exactness). */
    public static float[] aFromALog(Tensor aLog) {
        int n = Math.toIntExact(aLog.numElements());
        float[] a = new float[n];
        if (aLog.type() == io.jamba4j.tensor.GgmlType.F64) {
            double[] d = aLog.data().toArray(java.lang.foreign.ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN));
            for (int i = 0; i < n; i++) a[i] = (float) -Math.exp(d[i]);
        } else {
            float[] f = aLog.toFloats();
            for (int i = 0; i < n; i++) a[i] = (float) -Math.exp(f[i]);
        }
        return a;
    }

    /** HF stores the depthwise conv weight as [Din, 1, K], GGUF squeezes it to [Din, K]; both are accepted. */
    private static float[] convWeight(WeightSet w, String name, long din, long k) {
        Tensor t = w.has(name) && w.tensors().get(name).rank() == 2 ? w.require(name, din, k) : w.require(name, din, 1, k);
        float[] shared = t.heapFloats();
        return shared != null ? shared : t.toFloats();
    }

    private static MambaMixer mamba(JambaConfig c, WeightSet w, String p) {
        long h = c.hiddenSize, din = c.mambaInner(), n = c.mambaDState, r = c.mambaDtRank, k = c.mambaDConv;
        float[] a;
        if (w.has(p + "A_log")) {
            w.floats(p + "A_log", din, n); // shape check
            a = aFromALog(w.tensors().get(p + "A_log"));
        } else {
            a = w.floats(p + "A", din, n);
        }
        float[] convBias = c.mambaConvBias ? w.floats(p + "conv1d.bias", din) : w.optionalFloats(p + "conv1d.bias", din);
        return new MambaMixer(c,
                w.require(p + "in_proj.weight", 2 * din, h), w.optionalFloats(p + "in_proj.bias", 2 * din),
                convWeight(w, p + "conv1d.weight", din, k), convBias,
                w.require(p + "x_proj.weight", r + 2 * n, din),
                w.require(p + "dt_proj.weight", din, r), w.floats(p + "dt_proj.bias", din),
                a, w.floats(p + "D", din),
                w.require(p + "out_proj.weight", h, din), w.optionalFloats(p + "out_proj.bias", h),
                new RMSNorm(w.floats(p + "dt_layernorm.weight", r), c.rmsNormEps),
                new RMSNorm(w.floats(p + "b_layernorm.weight", n), c.rmsNormEps),
                new RMSNorm(w.floats(p + "c_layernorm.weight", n), c.rmsNormEps));
    }
}
