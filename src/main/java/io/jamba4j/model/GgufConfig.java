package io.jamba4j.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Jamba's GGUF metadata (spec §3): reading a {@link JambaConfig} from the keys llama.cpp's converter writes, and
 * producing those keys from a config. The schedule comes from the per-layer {@code jamba.attention.head_count_kv}
 * array (0 = Mamba layer) and from the presence of a router tensor ({@code ffn_gate_inp}) in a layer.
 */
public final class GgufConfig {
    private GgufConfig() {}

    public static final String ARCH = "jamba";

    /**
     * @param meta        metadata (integers as Long, floats as Float/Double, arrays as List)
     * @param tensorNames the names of the file's tensors
     * @param vocabRows   rows of token_embd (the vocabulary size when the tokenizer keys are absent)
     */
    public static JambaConfig read(String source, Map<String, Object> meta, Set<String> tensorNames, long vocabRows) {
        Object arch = meta.get("general.architecture");
        if (!ARCH.equals(arch)) {
            throw new ModelException(source + ": general.architecture is " + (arch == null ? "missing" : "'" + arch + "'") + ", expected 'jamba'");
        }
        JambaConfig.Builder b = new JambaConfig.Builder();
        int layers = intKey(source, meta, "jamba.block_count");
        b.numHiddenLayers = layers;
        b.hiddenSize = intKey(source, meta, "jamba.embedding_length");
        b.maxPositionEmbeddings = intKey(source, meta, "jamba.context_length");
        b.intermediateSize = perLayerScalar(source, meta, "jamba.feed_forward_length", layers);
        b.numAttentionHeads = perLayerScalar(source, meta, "jamba.attention.head_count", layers);
        b.mambaDConv = intKey(source, meta, "jamba.ssm.conv_kernel");
        int inner = intKey(source, meta, "jamba.ssm.inner_size");
        if (b.hiddenSize <= 0 || inner % b.hiddenSize != 0) {
            throw new ModelException(source + ": jamba.ssm.inner_size (" + inner + ") is not a multiple of jamba.embedding_length (" + b.hiddenSize + ")");
        }
        b.mambaExpand = inner / b.hiddenSize;
        b.mambaDState = intKey(source, meta, "jamba.ssm.state_size");
        b.mambaDtRank = intKey(source, meta, "jamba.ssm.time_step_rank");
        b.rmsNormEps = number(source, meta, "jamba.attention.layer_norm_rms_epsilon").doubleValue();
        b.numExperts = meta.containsKey("jamba.expert_count") ? Math.max(1, intKey(source, meta, "jamba.expert_count")) : 1;
        b.numExpertsPerTok = meta.containsKey("jamba.expert_used_count") ? Math.max(1, intKey(source, meta, "jamba.expert_used_count")) : 1;
        List<Object> tokens = listOrNull(meta.get("tokenizer.ggml.tokens"));
        b.vocabSize = Math.toIntExact(tokens != null ? tokens.size() : vocabRows);
        b.tieWordEmbeddings = !tensorNames.contains("output.weight");
        b.mambaConvBias = tensorNames.stream().anyMatch(n -> n.endsWith(".ssm_conv1d.bias"));
        b.mambaProjBias = tensorNames.stream().anyMatch(n -> n.endsWith(".ssm_in.bias"));
        if (meta.containsKey("tokenizer.ggml.bos_token_id")) b.bosTokenId = intKey(source, meta, "tokenizer.ggml.bos_token_id");
        if (meta.containsKey("tokenizer.ggml.eos_token_id")) b.eosTokenIds = List.of(intKey(source, meta, "tokenizer.ggml.eos_token_id"));
        if (meta.containsKey("tokenizer.ggml.padding_token_id")) b.padTokenId = intKey(source, meta, "tokenizer.ggml.padding_token_id");

        // schedule
        Object kv = meta.get("jamba.attention.head_count_kv");
        if (kv == null) throw new ModelException(source + ": missing metadata key 'jamba.attention.head_count_kv' (needed for the layer schedule)");
        int[] kvPerLayer = new int[layers];
        if (kv instanceof List<?> list) {
            if (list.size() != layers) {
                throw new ModelException(source + ": jamba.attention.head_count_kv has " + list.size() + " entries for " + layers + " layers");
            }
            for (int i = 0; i < layers; i++) kvPerLayer[i] = ((Number) list.get(i)).intValue();
        } else {
            java.util.Arrays.fill(kvPerLayer, ((Number) kv).intValue());
        }
        List<LayerSpec> specs = new ArrayList<>();
        boolean[] attn = new boolean[layers], moe = new boolean[layers];
        int nKv = 0;
        for (int i = 0; i < layers; i++) {
            attn[i] = kvPerLayer[i] > 0;
            if (attn[i]) {
                if (nKv != 0 && nKv != kvPerLayer[i]) throw new ModelException(source + ": layers have different KV head counts (" + nKv + " and " + kvPerLayer[i] + ")");
                nKv = kvPerLayer[i];
            }
            moe[i] = tensorNames.contains("blk." + i + ".ffn_gate_inp.weight");
            specs.add(new LayerSpec(i, attn[i] ? LayerSpec.Mixer.ATTENTION : LayerSpec.Mixer.MAMBA, moe[i] ? b.numExperts : 1));
        }
        b.numKeyValueHeads = nKv == 0 ? b.numAttentionHeads : nKv;
        int[] ap = periodOf(attn);
        // with a single expert every layer is dense whatever the expert schedule says: keep HF's default schedule then
        int[] ep = b.numExperts <= 1 && !anyTrue(moe) ? new int[]{2, 1} : periodOf(moe);
        b.attnLayerPeriod = ap[0];
        b.attnLayerOffset = ap[1];
        b.expertLayerPeriod = ep[0];
        b.expertLayerOffset = ep[1];
        b.layers = specs;
        b.torchDtype = "float32";
        return b.build().validate(source);
    }

    /**
     * (period, offset) such that flag[i] == (i % period == offset) for all i, choosing an offset beyond the layers when
     * no flag is set; when no such pair exists (an irregular schedule) returns the closest arithmetic description and
     * the explicit schedule is kept alongside.
     */
    static int[] periodOf(boolean[] flags) {
        int n = flags.length;
        for (int period = 1; period <= n + 1; period++) {
            for (int offset = 0; offset < period; offset++) {
                boolean ok = true;
                for (int i = 0; i < n && ok; i++) ok = flags[i] == (i % period == offset);
                if (ok) return new int[]{period, offset};
            }
        }
        return new int[]{n + 1, n}; // irregular: see layer list
    }

    /** The GGUF keys llama.cpp's converter writes for this config (spec §3.1), in its order, as typed entries. */
    public static Map<String, Object> write(JambaConfig c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("general.architecture", ARCH);
        m.put("jamba.context_length", (long) c.maxPositionEmbeddings);
        m.put("jamba.embedding_length", (long) c.hiddenSize);
        m.put("jamba.block_count", (long) c.numHiddenLayers);
        m.put("jamba.feed_forward_length", (long) c.intermediateSize);
        m.put("jamba.attention.head_count", (long) c.numAttentionHeads);
        int[] kv = new int[c.numHiddenLayers];
        for (LayerSpec l : c.layers()) kv[l.index()] = l.isAttention() ? c.numKeyValueHeads : 0;
        m.put("jamba.attention.head_count_kv", kv);
        m.put("jamba.ssm.conv_kernel", (long) c.mambaDConv);
        m.put("jamba.ssm.inner_size", (long) c.mambaInner());
        m.put("jamba.ssm.state_size", (long) c.mambaDState);
        m.put("jamba.ssm.time_step_rank", (long) c.mambaDtRank);
        m.put("jamba.attention.layer_norm_rms_epsilon", (float) c.rmsNormEps);
        m.put("jamba.expert_count", (long) c.numExperts);
        m.put("jamba.expert_used_count", (long) c.numExpertsPerTok);
        return m;
    }

    private static boolean anyTrue(boolean[] flags) {
        for (boolean f : flags) if (f) return true;
        return false;
    }

    private static List<Object> listOrNull(Object o) {
        if (o instanceof List<?> l) {
            @SuppressWarnings("unchecked") List<Object> r = (List<Object>) l;
            return r;
        }
        return null;
    }

    private static int perLayerScalar(String source, Map<String, Object> meta, String key, int layers) {
        Object v = meta.get(key);
        if (v == null) throw new ModelException(source + ": missing metadata key '" + key + "'");
        if (v instanceof List<?> list) {
            int value = 0;
            for (Object o : list) {
                int x = ((Number) o).intValue();
                if (x == 0) continue;
                if (value != 0 && value != x) throw new ModelException(source + ": '" + key + "' differs between layers (" + value + ", " + x + "); not supported");
                value = x;
            }
            return value;
        }
        return intKey(source, meta, key);
    }

    private static Number number(String source, Map<String, Object> meta, String key) {
        Object v = meta.get(key);
        if (v == null) throw new ModelException(source + ": missing metadata key '" + key + "'");
        if (!(v instanceof Number n)) throw new ModelException(source + ": metadata key '" + key + "' is not a number: " + v);
        return n;
    }

    private static int intKey(String source, Map<String, Object> meta, String key) {
        Number n = number(source, meta, key);
        long l = n.longValue();
        if (l < 0 || l > Integer.MAX_VALUE) throw new ModelException(source + ": metadata key '" + key + "' = " + l + " is out of range");
        return (int) l;
    }
}
