package io.jamba4j.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jamba4j.kernels.FlashAttention;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The hyper-parameters of a Jamba model: every key of Hugging Face's {@code JambaConfig} with HF's defaults
 * (spec §1.1), the derived values (§1.2) and the per-layer schedule (attention/Mamba mixer, dense/MoE feed-forward).
 *
 * <p>Built from an HF {@code config.json} ({@link #fromJson}), from GGUF metadata (by the loader) or in code
 * ({@link Builder}); {@link #validate} rejects anything the model could not run.
 */
public final class JambaConfig {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Keys seen in older remote-code configs that carry no information for the in-library model. */
    private static final Set<String> LEGACY_KEYS = Set.of("mamba_inner_layernorms", "calc_logits_for_entire_prompt", "auto_map", "n_ctx");

    public final int vocabSize;
    public final int hiddenSize;
    public final int intermediateSize;
    public final int numHiddenLayers;
    public final int numAttentionHeads;
    public final int numKeyValueHeads;
    public final int attnLayerPeriod;
    public final int attnLayerOffset;
    public final int expertLayerPeriod;
    public final int expertLayerOffset;
    public final int numExperts;
    public final int numExpertsPerTok;
    public final int mambaDState;
    public final int mambaDConv;
    public final int mambaExpand;
    public final int mambaDtRank;
    public final boolean mambaConvBias;
    public final boolean mambaProjBias;
    public final double rmsNormEps;
    public final boolean tieWordEmbeddings;
    public final int maxPositionEmbeddings;
    public final int padTokenId;
    public final int bosTokenId;
    public final List<Integer> eosTokenIds;
    public final String hiddenAct;
    public final double initializerRange;
    public final double routerAuxLossCoef;
    public final double attentionDropout;
    public final String torchDtype;
    /** Keys of the source config.json this class does not model, kept so that writing the config back loses nothing. */
    public final Map<String, JsonNode> extra;

    private final List<LayerSpec> layers;

    private JambaConfig(Builder b) {
        vocabSize = b.vocabSize;
        hiddenSize = b.hiddenSize;
        intermediateSize = b.intermediateSize;
        numHiddenLayers = b.numHiddenLayers;
        numAttentionHeads = b.numAttentionHeads;
        numKeyValueHeads = b.numKeyValueHeads == null ? b.numAttentionHeads : b.numKeyValueHeads;
        attnLayerPeriod = b.attnLayerPeriod;
        attnLayerOffset = b.attnLayerOffset;
        expertLayerPeriod = b.expertLayerPeriod;
        expertLayerOffset = b.expertLayerOffset;
        numExperts = b.numExperts;
        numExpertsPerTok = b.numExpertsPerTok;
        mambaDState = b.mambaDState;
        mambaDConv = b.mambaDConv;
        mambaExpand = b.mambaExpand;
        mambaDtRank = b.mambaDtRank == null ? (b.hiddenSize + 15) / 16 : b.mambaDtRank;
        mambaConvBias = b.mambaConvBias;
        mambaProjBias = b.mambaProjBias;
        rmsNormEps = b.rmsNormEps;
        tieWordEmbeddings = b.tieWordEmbeddings;
        maxPositionEmbeddings = b.maxPositionEmbeddings;
        padTokenId = b.padTokenId;
        bosTokenId = b.bosTokenId;
        eosTokenIds = List.copyOf(b.eosTokenIds);
        hiddenAct = b.hiddenAct;
        initializerRange = b.initializerRange;
        routerAuxLossCoef = b.routerAuxLossCoef;
        attentionDropout = b.attentionDropout;
        torchDtype = b.torchDtype;
        extra = Collections.unmodifiableMap(new LinkedHashMap<>(b.extra));
        layers = b.layers != null ? List.copyOf(b.layers) : scheduleFromPeriods();
    }

    private List<LayerSpec> scheduleFromPeriods() {
        List<LayerSpec> out = new ArrayList<>(numHiddenLayers);
        for (int i = 0; i < numHiddenLayers; i++) {
            boolean attention = attnLayerPeriod > 0 && i % attnLayerPeriod == attnLayerOffset;
            boolean moe = expertLayerPeriod > 0 && i % expertLayerPeriod == expertLayerOffset;
            out.add(new LayerSpec(i, attention ? LayerSpec.Mixer.ATTENTION : LayerSpec.Mixer.MAMBA, moe ? numExperts : 1));
        }
        return out;
    }

    // ---- derived values (spec §1.2) ----

    /** d_h = H / n_h. */
    public int headDim() { return hiddenSize / numAttentionHeads; }
    /** Query heads per KV head. */
    public int kvGroupSize() { return numAttentionHeads / numKeyValueHeads; }
    /** Din = mamba_expand · H, the Mamba inner width. */
    public int mambaInner() { return mambaExpand * hiddenSize; }
    /** The layer schedule, one entry per layer. */
    public List<LayerSpec> layers() { return layers; }
    public LayerSpec layer(int i) { return layers.get(i); }
    public int numAttentionLayers() { return (int) layers.stream().filter(LayerSpec::isAttention).count(); }
    public int numMambaLayers() { return numHiddenLayers - numAttentionLayers(); }
    public int numMoeLayers() { return (int) layers.stream().filter(LayerSpec::isMoe).count(); }

    /** The schedule as a row of blocks, e.g. "M· A· ME M·" (A attention, M Mamba; E MoE, · dense). */
    public String scheduleDiagram() {
        StringBuilder sb = new StringBuilder();
        for (LayerSpec l : layers) sb.append(sb.isEmpty() ? "" : " ").append(l.glyph());
        return sb.toString();
    }

    // ---- sizes ----

    /** Parameters of the layer's mixer (attention or Mamba). */
    public long mixerParams(LayerSpec l) {
        long h = hiddenSize;
        if (l.isAttention()) {
            long qo = (long) numAttentionHeads * headDim();
            long kv = (long) numKeyValueHeads * headDim();
            return h * qo * 2 + h * kv * 2;
        }
        long din = mambaInner(), n = mambaDState, r = mambaDtRank, k = mambaDConv;
        long p = h * 2 * din + din * k + din * (r + 2 * n) + r * din + din + din * n + din + din * h + r + 2 * n;
        if (mambaConvBias) p += din;
        if (mambaProjBias) p += 2 * din + h;
        return p;
    }

    /** Parameters of one SwiGLU MLP (dense layer or one expert). */
    public long mlpParams() {
        return 3L * hiddenSize * intermediateSize;
    }

    /** Total parameters, counting the embedding and an untied lm_head. */
    public long totalParams() {
        return countParams(false);
    }

    /** Parameters touched for one token: only {@code num_experts_per_tok} experts of each MoE layer. */
    public long activeParams() {
        return countParams(true);
    }

    private long countParams(boolean activeOnly) {
        long h = hiddenSize;
        long p = (long) vocabSize * h + h + (tieWordEmbeddings ? 0 : (long) vocabSize * h);
        for (LayerSpec l : layers) {
            p += 2 * h + mixerParams(l);
            if (l.isMoe()) {
                p += (long) l.numExperts() * h + (long) (activeOnly ? Math.min(numExpertsPerTok, l.numExperts()) : l.numExperts()) * mlpParams();
            } else {
                p += mlpParams();
            }
        }
        return p;
    }

    /**
     * KV-cache bytes for {@code tokens} cached tokens (attention layers only), spec §5.2, with the token count rounded
     * up to whole key tiles as the engine's cache holds them ({@link FlashAttention#KEY_TILE}).
     */
    public long kvCacheBytes(long tokens, int bytesPerElement) {
        long tile = FlashAttention.KEY_TILE;
        return (tokens + tile - 1) / tile * tile * numAttentionLayers() * 2L * numKeyValueHeads * headDim() * bytesPerElement;
    }

    /** Recurrent-state bytes per sequence (conv window of K−1 columns + SSM state, float32), independent of length. */
    public long mambaStateBytes() {
        return (long) numMambaLayers() * ((long) (mambaDConv - 1) * mambaInner() + (long) mambaDState * mambaInner()) * 4;
    }

    // ---- validation ----

    /** Throws a {@link ModelException} naming {@code source} and the offending key when the config is unusable. */
    public JambaConfig validate(String source) {
        positive(source, "vocab_size", vocabSize);
        positive(source, "hidden_size", hiddenSize);
        positive(source, "intermediate_size", intermediateSize);
        positive(source, "num_hidden_layers", numHiddenLayers);
        positive(source, "num_attention_heads", numAttentionHeads);
        positive(source, "num_key_value_heads", numKeyValueHeads);
        positive(source, "mamba_d_state", mambaDState);
        positive(source, "mamba_d_conv", mambaDConv);
        positive(source, "mamba_expand", mambaExpand);
        positive(source, "mamba_dt_rank", mambaDtRank);
        positive(source, "num_experts", numExperts);
        positive(source, "num_experts_per_tok", numExpertsPerTok);
        if (hiddenSize % numAttentionHeads != 0) {
            throw bad(source, "hidden_size (" + hiddenSize + ") is not divisible by num_attention_heads (" + numAttentionHeads + ")");
        }
        if (numAttentionHeads % numKeyValueHeads != 0) {
            throw bad(source, "num_attention_heads (" + numAttentionHeads + ") is not divisible by num_key_value_heads (" + numKeyValueHeads + ")");
        }
        if (attnLayerPeriod <= attnLayerOffset || attnLayerOffset < 0) {
            throw bad(source, "attn_layer_period (" + attnLayerPeriod + ") must be greater than attn_layer_offset (" + attnLayerOffset + ") >= 0");
        }
        if (expertLayerPeriod <= expertLayerOffset || expertLayerOffset < 0) {
            throw bad(source, "expert_layer_period (" + expertLayerPeriod + ") must be greater than expert_layer_offset (" + expertLayerOffset + ") >= 0");
        }
        if (numExpertsPerTok > numExperts) {
            throw bad(source, "num_experts_per_tok (" + numExpertsPerTok + ") exceeds num_experts (" + numExperts + ")");
        }
        if (!"silu".equals(hiddenAct) && !"swish".equals(hiddenAct)) {
            throw bad(source, "hidden_act '" + hiddenAct + "' is not supported (only silu)");
        }
        if (!(rmsNormEps > 0) || !Double.isFinite(rmsNormEps)) {
            throw bad(source, "rms_norm_eps must be a positive number, got " + rmsNormEps);
        }
        if (layers.size() != numHiddenLayers) {
            throw bad(source, "the layer schedule has " + layers.size() + " entries for num_hidden_layers = " + numHiddenLayers);
        }
        for (int id : eosTokenIds) {
            if (id < 0 || id >= vocabSize) throw bad(source, "eos_token_id " + id + " is outside the vocabulary (vocab_size " + vocabSize + ")");
        }
        long din = mambaInner();
        if (din > Integer.MAX_VALUE / 4 || (long) vocabSize * hiddenSize > (1L << 40)) {
            throw bad(source, "sizes are beyond what this engine supports");
        }
        return this;
    }

    private static void positive(String source, String key, long v) {
        if (v <= 0) throw bad(source, key + " must be positive, got " + v);
    }

    private static ModelException bad(String source, String what) {
        return new ModelException(source + ": invalid config: " + what);
    }

    // ---- JSON ----

    /** Reads and validates an HF {@code config.json}. */
    public static JambaConfig fromJson(Path file) {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new ModelException(file + ": cannot read config: " + e.getMessage(), e);
        }
        return fromJson(root, file.toString());
    }

    public static JambaConfig fromJson(JsonNode root, String source) {
        if (root == null || !root.isObject()) throw new ModelException(source + ": config is not a JSON object");
        String type = root.path("model_type").asText("jamba");
        if (!type.equals("jamba")) {
            throw new ModelException(source + ": model_type is '" + type + "', expected 'jamba'");
        }
        Builder b = new Builder();
        Map<String, JsonNode> extra = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String k = e.getKey();
            JsonNode v = e.getValue();
            try {
                switch (k) {
                    case "vocab_size" -> b.vocabSize = intOf(v);
                    case "hidden_size" -> b.hiddenSize = intOf(v);
                    case "intermediate_size" -> b.intermediateSize = intOf(v);
                    case "num_hidden_layers" -> b.numHiddenLayers = intOf(v);
                    case "num_attention_heads" -> b.numAttentionHeads = intOf(v);
                    case "num_key_value_heads" -> b.numKeyValueHeads = v.isNull() ? null : intOf(v);
                    case "attn_layer_period" -> b.attnLayerPeriod = intOf(v);
                    case "attn_layer_offset" -> b.attnLayerOffset = intOf(v);
                    case "expert_layer_period" -> b.expertLayerPeriod = intOf(v);
                    case "expert_layer_offset" -> b.expertLayerOffset = intOf(v);
                    case "num_experts", "num_local_experts" -> b.numExperts = intOf(v);
                    case "num_experts_per_tok" -> b.numExpertsPerTok = intOf(v);
                    case "mamba_d_state" -> b.mambaDState = intOf(v);
                    case "mamba_d_conv" -> b.mambaDConv = intOf(v);
                    case "mamba_expand" -> b.mambaExpand = intOf(v);
                    case "mamba_dt_rank" -> b.mambaDtRank = v.isTextual() && v.asText().equals("auto") ? null : intOf(v);
                    case "mamba_conv_bias" -> b.mambaConvBias = boolOf(v);
                    case "mamba_proj_bias" -> b.mambaProjBias = boolOf(v);
                    case "rms_norm_eps" -> b.rmsNormEps = doubleOf(v);
                    case "tie_word_embeddings" -> b.tieWordEmbeddings = boolOf(v);
                    case "max_position_embeddings" -> b.maxPositionEmbeddings = intOf(v);
                    case "n_ctx" -> {
                        if (!root.has("max_position_embeddings")) b.maxPositionEmbeddings = intOf(v);
                    }
                    case "pad_token_id" -> b.padTokenId = v.isNull() ? 0 : intOf(v);
                    case "bos_token_id" -> b.bosTokenId = v.isNull() ? 1 : intOf(v);
                    case "eos_token_id" -> {
                        List<Integer> ids = new ArrayList<>();
                        if (v.isArray()) for (JsonNode x : v) ids.add(intOf(x));
                        else if (!v.isNull()) ids.add(intOf(v));
                        b.eosTokenIds = ids;
                    }
                    case "hidden_act" -> b.hiddenAct = v.asText();
                    case "initializer_range" -> b.initializerRange = doubleOf(v);
                    case "router_aux_loss_coef" -> b.routerAuxLossCoef = doubleOf(v);
                    case "attention_dropout" -> b.attentionDropout = doubleOf(v);
                    case "torch_dtype" -> b.torchDtype = v.asText();
                    case "layer_types" -> b.layerTypes = v;
                    case "model_type" -> { }
                    default -> {
                        if (!LEGACY_KEYS.contains(k)) extra.put(k, v);
                    }
                }
            } catch (IllegalArgumentException ex) {
                throw new ModelException(source + ": config key '" + k + "': " + ex.getMessage());
            }
        }
        b.extra = extra;
        if (b.layerTypes != null) b.layers = layersFromTypes(b, source);
        return b.build().validate(source);
    }

    private static List<LayerSpec> layersFromTypes(Builder b, String source) {
        JsonNode types = b.layerTypes;
        if (!types.isArray() || types.size() != b.numHiddenLayers) {
            throw new ModelException(source + ": layer_types must be a list of num_hidden_layers (" + b.numHiddenLayers + ") entries");
        }
        List<LayerSpec> out = new ArrayList<>();
        for (int i = 0; i < types.size(); i++) {
            String t = types.get(i).asText();
            LayerSpec.Mixer m = switch (t) {
                case "full_attention", "attention" -> LayerSpec.Mixer.ATTENTION;
                case "mamba" -> LayerSpec.Mixer.MAMBA;
                default -> throw new ModelException(source + ": layer_types[" + i + "] = '" + t + "' is not 'full_attention' or 'mamba'");
            };
            boolean moe = b.expertLayerPeriod > 0 && i % b.expertLayerPeriod == b.expertLayerOffset;
            out.add(new LayerSpec(i, m, moe ? b.numExperts : 1));
        }
        return out;
    }

    private static int intOf(JsonNode v) {
        if (!v.isIntegralNumber() || !v.canConvertToInt()) throw new IllegalArgumentException("expected an integer, got " + v);
        return v.intValue();
    }

    private static boolean boolOf(JsonNode v) {
        if (!v.isBoolean()) throw new IllegalArgumentException("expected true/false, got " + v);
        return v.booleanValue();
    }

    private static double doubleOf(JsonNode v) {
        if (!v.isNumber()) throw new IllegalArgumentException("expected a number, got " + v);
        return v.doubleValue();
    }

    /** True when the schedule is exactly the one {@code attn/expert_layer_period/offset} describe. */
    public boolean scheduleMatchesPeriods() {
        return layers.equals(scheduleFromPeriods());
    }

    /** This config as an HF {@code config.json} tree, every JambaConfig key written (HF's key order). */
    public ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.putArray("architectures").add("JambaForCausalLM");
        o.put("attention_dropout", attentionDropout);
        o.put("attn_layer_offset", attnLayerOffset);
        o.put("attn_layer_period", attnLayerPeriod);
        o.put("bos_token_id", bosTokenId);
        if (eosTokenIds.size() == 1) o.put("eos_token_id", eosTokenIds.getFirst());
        else {
            ArrayNode a = o.putArray("eos_token_id");
            eosTokenIds.forEach(a::add);
        }
        o.put("expert_layer_offset", expertLayerOffset);
        o.put("expert_layer_period", expertLayerPeriod);
        o.put("hidden_act", hiddenAct);
        o.put("hidden_size", hiddenSize);
        o.put("initializer_range", initializerRange);
        o.put("intermediate_size", intermediateSize);
        o.put("mamba_conv_bias", mambaConvBias);
        o.put("mamba_d_conv", mambaDConv);
        o.put("mamba_d_state", mambaDState);
        o.put("mamba_dt_rank", mambaDtRank);
        o.put("mamba_expand", mambaExpand);
        o.put("mamba_proj_bias", mambaProjBias);
        o.put("max_position_embeddings", maxPositionEmbeddings);
        o.put("model_type", "jamba");
        o.put("num_attention_heads", numAttentionHeads);
        o.put("num_experts", numExperts);
        o.put("num_experts_per_tok", numExpertsPerTok);
        o.put("num_hidden_layers", numHiddenLayers);
        o.put("num_key_value_heads", numKeyValueHeads);
        o.put("num_logits_to_keep", 1);
        o.put("output_router_logits", false);
        o.put("pad_token_id", padTokenId);
        o.put("rms_norm_eps", rmsNormEps);
        o.put("router_aux_loss_coef", routerAuxLossCoef);
        o.putNull("sliding_window");
        o.put("tie_word_embeddings", tieWordEmbeddings);
        o.put("torch_dtype", torchDtype);
        o.put("use_cache", true);
        o.put("use_mamba_kernels", false);
        o.put("vocab_size", vocabSize);
        for (Map.Entry<String, JsonNode> e : extra.entrySet()) {
            if (!o.has(e.getKey())) o.set(e.getKey(), e.getValue());
        }
        if (!scheduleMatchesPeriods()) {
            ArrayNode a = o.putArray("layer_types");
            for (LayerSpec l : layers) a.add(l.isAttention() ? "full_attention" : "mamba");
        }
        return o;
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.vocabSize = vocabSize; b.hiddenSize = hiddenSize; b.intermediateSize = intermediateSize;
        b.numHiddenLayers = numHiddenLayers; b.numAttentionHeads = numAttentionHeads; b.numKeyValueHeads = numKeyValueHeads;
        b.attnLayerPeriod = attnLayerPeriod; b.attnLayerOffset = attnLayerOffset;
        b.expertLayerPeriod = expertLayerPeriod; b.expertLayerOffset = expertLayerOffset;
        b.numExperts = numExperts; b.numExpertsPerTok = numExpertsPerTok;
        b.mambaDState = mambaDState; b.mambaDConv = mambaDConv; b.mambaExpand = mambaExpand; b.mambaDtRank = mambaDtRank;
        b.mambaConvBias = mambaConvBias; b.mambaProjBias = mambaProjBias; b.rmsNormEps = rmsNormEps;
        b.tieWordEmbeddings = tieWordEmbeddings; b.maxPositionEmbeddings = maxPositionEmbeddings;
        b.padTokenId = padTokenId; b.bosTokenId = bosTokenId; b.eosTokenIds = eosTokenIds; b.hiddenAct = hiddenAct;
        b.initializerRange = initializerRange; b.routerAuxLossCoef = routerAuxLossCoef; b.attentionDropout = attentionDropout;
        b.torchDtype = torchDtype; b.extra = new LinkedHashMap<>(extra); b.layers = layers;
        return b;
    }

    /** Mutable holder with HF's defaults (spec §1.1). */
    public static final class Builder {
        public int vocabSize = 65536;
        public int hiddenSize = 4096;
        public int intermediateSize = 14336;
        public int numHiddenLayers = 32;
        public int numAttentionHeads = 32;
        public Integer numKeyValueHeads = 8;
        public int attnLayerPeriod = 8;
        public int attnLayerOffset = 4;
        public int expertLayerPeriod = 2;
        public int expertLayerOffset = 1;
        public int numExperts = 16;
        public int numExpertsPerTok = 2;
        public int mambaDState = 16;
        public int mambaDConv = 4;
        public int mambaExpand = 2;
        /** null = "auto" = ceil(hidden_size / 16). */
        public Integer mambaDtRank = null;
        public boolean mambaConvBias = true;
        public boolean mambaProjBias = false;
        public double rmsNormEps = 1e-6;
        public boolean tieWordEmbeddings = false;
        public int maxPositionEmbeddings = 262144;
        public int padTokenId = 0;
        public int bosTokenId = 1;
        public List<Integer> eosTokenIds = List.of(2);
        public String hiddenAct = "silu";
        public double initializerRange = 0.02;
        public double routerAuxLossCoef = 0.001;
        public double attentionDropout = 0.0;
        public String torchDtype = "float32";
        public Map<String, JsonNode> extra = new LinkedHashMap<>();
        /** An explicit schedule (e.g. read from GGUF); null derives it from the periods/offsets. */
        public List<LayerSpec> layers;
        JsonNode layerTypes;

        public JambaConfig build() {
            return new JambaConfig(this);
        }
    }

    @Override
    public String toString() {
        return toJson().toPrettyString();
    }
}
