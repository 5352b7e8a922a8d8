package io.jamba4j.train;

import io.jamba4j.model.JambaConfig;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Named model shapes for training. {@code jamba-v0.1} is the published Jamba shape; the others are CPU-sized
 * (~1–3 M parameters besides the embeddings) for the paper's ablations: hybrids with an attention:Mamba ratio of 1:7
 * and 1:3, pure attention and pure Mamba, each with ("-moe": 4 experts, top-2, every other layer) or without MoE.
 * The ablation presets of one family have equal parameter counts: the MLP width is solved so that each matches the
 * 1:7 hybrid's total (attention layers are cheaper than Mamba layers, so attention-heavy shapes get wider MLPs).
 */
public final class Presets {
    private Presets() {}

    public static final String[] NAMES = {"jamba-v0.1", "tiny", "hybrid-1-7", "hybrid-1-3", "attention", "mamba",
            "hybrid-1-7-moe", "hybrid-1-3-moe", "attention-moe", "mamba-moe"};

    /** The preset {@code name} with the given vocabulary size. */
    public static JambaConfig get(String name, int vocabSize) {
        JambaConfig.Builder b = new JambaConfig.Builder();
        b.vocabSize = vocabSize;
        switch (name) {
            case "jamba-v0.1" -> { return b.build().validate("preset " + name); }
            case "tiny" -> {
                small(b, 128, 4);
                b.attnLayerPeriod = 4;
                b.attnLayerOffset = 2;
                return b.build().validate("preset tiny");
            }
            default -> { }
        }
        boolean moe = name.endsWith("-moe");
        String family = moe ? name.substring(0, name.length() - 4) : name;
        Consumer<JambaConfig.Builder> schedule = switch (family) {
            case "hybrid-1-7" -> x -> { x.attnLayerPeriod = 8; x.attnLayerOffset = 4; };
            case "hybrid-1-3" -> x -> { x.attnLayerPeriod = 4; x.attnLayerOffset = 2; };
            case "attention" -> x -> { x.attnLayerPeriod = 1; x.attnLayerOffset = 0; };
            case "mamba" -> x -> { x.attnLayerPeriod = 9; x.attnLayerOffset = 8; }; // offset beyond the 8 layers
            default -> throw new IllegalArgumentException("unknown preset '" + name + "'; known: " + String.join(", ", NAMES));
        };
        // the reference: the 1:7 hybrid of the same MoE setting, MLP width 512
        JambaConfig.Builder ref = new JambaConfig.Builder();
        ref.vocabSize = vocabSize;
        small(ref, 256, 8);
        ref.attnLayerPeriod = 8;
        ref.attnLayerOffset = 4;
        moe(ref, moe);
        long target = ref.build().totalParams();
        small(b, 256, 8);
        schedule.accept(b);
        moe(b, moe);
        // solve the MLP width for the same total (every layer has an MLP or experts whose size is linear in it)
        b.intermediateSize = 512;
        long at512 = b.build().totalParams();
        b.intermediateSize = 513;
        long perUnit = b.build().totalParams() - at512;
        b.intermediateSize = (int) Math.max(16, Math.round(512 + (double) (target - at512) / perUnit));
        return b.build().validate("preset " + name);
    }

    private static void small(JambaConfig.Builder b, int hidden, int layers) {
        b.hiddenSize = hidden;
        b.intermediateSize = 2 * hidden;
        b.numHiddenLayers = layers;
        b.numAttentionHeads = 8;
        b.numKeyValueHeads = 2;
        b.mambaDState = 16;
        b.mambaDConv = 4;
        b.mambaExpand = 2;
        b.mambaDtRank = null; // auto: ceil(hidden / 16)
        b.maxPositionEmbeddings = 4096;
        moe(b, false);
    }

    private static void moe(JambaConfig.Builder b, boolean on) {
        b.numExperts = on ? 4 : 1;
        b.numExpertsPerTok = on ? 2 : 1;
        b.expertLayerPeriod = 2;
        b.expertLayerOffset = 1;
    }

    /** name → parameter count, for docs and tests. */
    public static Map<String, Long> parameterCounts(int vocabSize) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (String n : NAMES) m.put(n, get(n, vocabSize).totalParams());
        return m;
    }
}
