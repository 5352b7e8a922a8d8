package io.jamba4j.cli;

import io.jamba4j.Jamba;
import io.jamba4j.model.JambaConfig;
import io.jamba4j.model.KvType;
import io.jamba4j.model.LayerSpec;
import io.jamba4j.model.ModelException;
import io.jamba4j.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

@Command(name = "info", description = "Print a model's config, layer schedule, parameter counts, weight and cache sizes.")
final class InfoCommand implements Callable<Integer> {
    @Mixin
    ModelOption model;

    @Option(names = "--config", description = "Describe an HF config.json without weights (e.g. the published Jamba-v0.1 shape).")
    java.nio.file.Path configOnly;

    @Option(names = "--context", description = "Context length for the cache estimate (default: ${DEFAULT-VALUE}).", defaultValue = "4096")
    long context;

    @Option(names = "--kv-type", paramLabel = "f32|f16", converter = KvTypeConverter.class, defaultValue = "f32",
            description = "KV cache element type for the estimate (default: ${DEFAULT-VALUE}).")
    KvType kvType;

    @Option(names = "--kv-bytes", hidden = true, description = "Bytes per KV-cache element, 4 or 2 (the older spelling of --kv-type).")
    Integer kvBytes;

    @Override
    public Integer call() throws Exception {
        if (configOnly != null) {
            JambaConfig c = JambaConfig.fromJson(configOnly);
            System.out.println("config:     " + configOnly + " (no weights)");
            describe(c);
            System.out.printf("weights:    %s in F32, %s in BF16 (estimated from the parameter count)%n", bytes(c.totalParams() * 4), bytes(c.totalParams() * 2));
            cache(c);
            return 0;
        }
        try (Jamba j = model.load(io.jamba4j.format.Residency.MAPPED)) { // only the header and shapes are read
            JambaConfig c = j.config();
            var out = System.out;
            out.println("model:      " + j.path() + (j.isGguf() ? " (GGUF)" : " (HF safetensors)"));
            describe(c);
            Map<String, Long> byType = new TreeMap<>();
            long weightBytes = 0;
            for (Tensor t : j.checkpoint().weights().tensors().values()) {
                weightBytes += t.byteSize();
                byType.merge(t.type().name(), t.byteSize(), Long::sum);
            }
            out.printf("weights:    %s %s%n", bytes(weightBytes), byType);
            cache(c);
            var e = io.jamba4j.model.MemoryEstimate.of(c, weightBytes, context, kvType());
            out.printf("memory:     %s resident for --context %d = weights %s + KV %s + Mamba state %s + working buffers %s (chunks of %d tokens) + JVM %s%n",
                    bytes(e.total()), context, bytes(e.weights()), bytes(e.kvCache()), bytes(e.mambaState()),
                    bytes(e.workspace()), io.jamba4j.model.JambaModel.DEFAULT_CHUNK, bytes(e.runtime()));
            out.printf("tokenizer:  %s%n", j.hasTokenizer() ? j.tokenizer().vocabSize() + " tokens" : "none");
            out.println("config:");
            out.println(c.toJson().toPrettyString());
        }
        return 0;
    }

    private void describe(JambaConfig c) {
        var out = System.out;
        out.printf("shape:      %d layers, hidden %d, intermediate %d, vocab %d%n", c.numHiddenLayers, c.hiddenSize, c.intermediateSize, c.vocabSize);
        out.printf("attention:  %d layers, %d heads, %d KV heads, head dim %d, no positional encoding%n",
                c.numAttentionLayers(), c.numAttentionHeads, c.numKeyValueHeads, c.headDim());
        out.printf("mamba:      %d layers, d_inner %d, d_state %d, d_conv %d, dt_rank %d%n",
                c.numMambaLayers(), c.mambaInner(), c.mambaDState, c.mambaDConv, c.mambaDtRank);
        out.printf("moe:        %d layers, %d experts, top-%d (not renormalised)%n", c.numMoeLayers(), c.numExperts, c.numExpertsPerTok);
        out.println("schedule:   " + c.scheduleDiagram() + "   (A attention, M Mamba; E MoE, · dense MLP)");
        out.print("            ");
        for (LayerSpec l : c.layers()) out.print(String.format("%-3d", l.index()));
        out.println();
        out.printf("params:     %,d total, %,d active per token%n", c.totalParams(), c.activeParams());
    }

    private KvType kvType() {
        if (kvBytes == null) return kvType;
        return switch (kvBytes) {
            case 4 -> KvType.F32;
            case 2 -> KvType.F16;
            default -> throw new ModelException("--kv-bytes must be 4 (f32) or 2 (f16), got " + kvBytes);
        };
    }

    private void cache(JambaConfig c) {
        KvType type = kvType();
        int elementBytes = type.bytes();
        long kv = c.kvCacheBytes(context, elementBytes);
        long mamba = c.mambaStateBytes();
        System.out.printf("cache:      %s for --context %d = KV %s in %s (%d attention layers × 2 × %d KV heads × %d × %d B per token) + Mamba state %s (constant)%n",
                bytes(kv + mamba), context, bytes(kv), type, c.numAttentionLayers(), c.numKeyValueHeads, c.headDim(), elementBytes, bytes(mamba));
    }

    static String bytes(long b) {
        if (b < 1024) return b + " B";
        if (b < 1024L * 1024) return String.format("%.1f KiB", b / 1024.0);
        if (b < 1024L * 1024 * 1024) return String.format("%.1f MiB", b / 1048576.0);
        return String.format("%.2f GiB", b / 1073741824.0);
    }
}
