package io.jamba4j.model;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Tensor names: Hugging Face's (spec §2.1) and llama.cpp's GGUF names (spec §2.2), and the legacy remote-code
 * spellings HF checkpoints may still carry. Stacked GGUF experts ({@code ffn_*_exps}) are handled by the loader
 * and writer since one GGUF tensor holds E HF tensors.
 */
public final class WeightNames {
    private WeightNames() {}

    /** GGUF per-layer suffix → HF per-layer suffix. */
    private static final Map<String, String> LAYER = Map.ofEntries(
            Map.entry("attn_norm.weight", "input_layernorm.weight"),
            Map.entry("ffn_norm.weight", "pre_ff_layernorm.weight"),
            Map.entry("attn_q.weight", "self_attn.q_proj.weight"),
            Map.entry("attn_k.weight", "self_attn.k_proj.weight"),
            Map.entry("attn_v.weight", "self_attn.v_proj.weight"),
            Map.entry("attn_output.weight", "self_attn.o_proj.weight"),
            Map.entry("ssm_in.weight", "mamba.in_proj.weight"),
            Map.entry("ssm_in.bias", "mamba.in_proj.bias"),
            Map.entry("ssm_conv1d.weight", "mamba.conv1d.weight"),
            Map.entry("ssm_conv1d.bias", "mamba.conv1d.bias"),
            Map.entry("ssm_x.weight", "mamba.x_proj.weight"),
            Map.entry("ssm_dt.weight", "mamba.dt_proj.weight"),
            Map.entry("ssm_dt.bias", "mamba.dt_proj.bias"),
            Map.entry("ssm_dt_norm.weight", "mamba.dt_layernorm.weight"),
            Map.entry("ssm_b_norm.weight", "mamba.b_layernorm.weight"),
            Map.entry("ssm_c_norm.weight", "mamba.c_layernorm.weight"),
            Map.entry("ssm_a", "mamba.A"),
            Map.entry("ssm_d", "mamba.D"),
            Map.entry("ssm_out.weight", "mamba.out_proj.weight"),
            Map.entry("ssm_out.bias", "mamba.out_proj.bias"),
            Map.entry("ffn_gate.weight", "feed_forward.gate_proj.weight"),
            Map.entry("ffn_up.weight", "feed_forward.up_proj.weight"),
            Map.entry("ffn_down.weight", "feed_forward.down_proj.weight"),
            Map.entry("ffn_gate_inp.weight", "feed_forward.router.weight"));

    private static final Map<String, String> LAYER_INVERSE = invert(LAYER);

    private static final Map<String, String> GLOBAL = Map.of(
            "token_embd.weight", "model.embed_tokens.weight",
            "output_norm.weight", "model.final_layernorm.weight",
            "output.weight", "lm_head.weight");

    private static final Map<String, String> GLOBAL_INVERSE = invert(GLOBAL);

    /** Stacked-expert GGUF suffixes and the per-expert HF projection they hold. */
    public static final Map<String, String> EXPERT_STACKS = Map.of(
            "ffn_gate_exps.weight", "gate_proj.weight",
            "ffn_up_exps.weight", "up_proj.weight",
            "ffn_down_exps.weight", "down_proj.weight");

    private static final Pattern GGUF_LAYER = Pattern.compile("blk\\.(\\d+)\\.(.+)");
    private static final Pattern HF_LAYER = Pattern.compile("model\\.layers\\.(\\d+)\\.(.+)");

    /** Whether {@code name} is the token embedding, in either naming (GGUF {@code token_embd.weight} or HF's). */
    public static boolean isTokenEmbedding(String name) {
        return "model.embed_tokens.weight".equals(name) || "model.embed_tokens.weight".equals(GLOBAL.get(name));
    }

    /** The HF name of a (non-stacked) GGUF tensor, or null when the name is not a Jamba tensor. */
    public static String ggufToHf(String gguf) {
        String g = GLOBAL.get(gguf);
        if (g != null) return g;
        Matcher m = GGUF_LAYER.matcher(gguf);
        if (!m.matches()) return null;
        String s = LAYER.get(m.group(2));
        return s == null ? null : "model.layers." + m.group(1) + "." + s;
    }

    /** The GGUF name of an HF tensor (A_log maps to ssm_a, whose values must be transformed), or null. */
    public static String hfToGguf(String hf) {
        String g = GLOBAL_INVERSE.get(hf);
        if (g != null) return g;
        Matcher m = HF_LAYER.matcher(hf);
        if (!m.matches()) return null;
        String rest = m.group(2).equals("mamba.A_log") ? "mamba.A" : m.group(2);
        String s = LAYER_INVERSE.get(rest);
        return s == null ? null : "blk." + m.group(1) + "." + s;
    }

    /** Layer index of a per-layer name in either naming, or −1. */
    public static int layerIndex(String name) {
        Matcher m = GGUF_LAYER.matcher(name);
        if (m.matches()) return Integer.parseInt(m.group(1));
        m = HF_LAYER.matcher(name);
        return m.matches() ? Integer.parseInt(m.group(1)) : -1;
    }

    /**
     * Rewrites the legacy remote-code spellings (spec §2.1) to in-library names: {@code .moe.} → {@code .feed_forward.},
     * {@code pre_moe_layernorm} → {@code pre_ff_layernorm}, {@code B/C_layernorm} → {@code b/c_layernorm}, and a
     * dense layer's {@code feed_forward.experts.0.} → {@code feed_forward.}.
     */
    public static String normalizeHf(String name, JambaConfig config) {
        String n = name.replace(".moe.", ".feed_forward.")
                .replace(".pre_moe_layernorm.", ".pre_ff_layernorm.")
                .replace(".mamba.B_layernorm.", ".mamba.b_layernorm.")
                .replace(".mamba.C_layernorm.", ".mamba.c_layernorm.");
        int layer = layerIndex(n);
        if (layer >= 0 && layer < config.numHiddenLayers && !config.layer(layer).isMoe()) {
            n = n.replace(".feed_forward.experts.0.", ".feed_forward.");
        }
        return n;
    }

    private static Map<String, String> invert(Map<String, String> m) {
        java.util.HashMap<String, String> r = new java.util.HashMap<>();
        m.forEach((k, v) -> r.put(v, k));
        return Map.copyOf(r);
    }
}
