package io.jamba4j.model;

import io.jamba4j.format.GgufFile;
import io.jamba4j.format.Residency;
import io.jamba4j.format.SafetensorsCheckpoint;
import io.jamba4j.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a checkpoint — an HF directory (config.json + safetensors) or a GGUF file — into the same in-memory model.
 * Weights stay in the opened files' bytes, mapped or read into memory ({@link Residency}); only small vectors (norms,
 * biases, A, D, conv taps) are decoded to arrays.
 */
public final class ModelLoader {
    private ModelLoader() {}

    private static final System.Logger LOG = System.getLogger("jamba4j");
    private static final Pattern FUSED_EXPERTS = Pattern.compile("(model\\.layers\\.\\d+\\.feed_forward\\.experts)\\.(gate_up_proj|down_proj)(\\.weight)?");
    private static final Pattern GGUF_EXPERTS = Pattern.compile("blk\\.(\\d+)\\.(ffn_(?:gate|up|down)_exps\\.weight)");

    /** A loaded checkpoint: its config, its HF-named weights, the open files that back them and where their bytes live. */
    public record Checkpoint(Path path, JambaConfig config, WeightSet weights, AutoCloseable files, GgufFile gguf,
                             Residency residency) implements AutoCloseable {
        @Override
        public void close() {
            try {
                files.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        public boolean isGguf() {
            return gguf != null;
        }
    }

    /**
     * Opens {@code path}: a directory holding config.json, or a .gguf file; read into memory when that fits
     * comfortably, else mapped ({@link Residency#AUTO}).
     */
    public static Checkpoint open(Path path) throws IOException {
        return open(path, Residency.AUTO);
    }

    /** Opens {@code path} (a directory holding config.json, or a .gguf file) with its files mapped or read into memory. */
    public static Checkpoint open(Path path, Residency residency) throws IOException {
        if (!Files.exists(path)) throw new ModelException(path + ": no such file or directory");
        if (Files.isDirectory(path)) return openHf(path, residency);
        return openGguf(path, residency);
    }

    public static Checkpoint openGguf(Path path, Residency residency) throws IOException {
        GgufFile f = GgufFile.open(path, residency);
        try {
            Tensor embd = f.tensor("token_embd.weight");
            if (embd == null) throw new ModelException(path + ": missing tensor 'token_embd.weight'");
            JambaConfig config = GgufConfig.read(path.toString(), f.metadata(), f.tensorMap().keySet(), embd.rows());
            Map<String, Tensor> hf = new LinkedHashMap<>();
            Map<String, String> fileNames = new LinkedHashMap<>();
            for (Tensor t : f.tensors()) {
                Matcher m = GGUF_EXPERTS.matcher(t.name());
                if (m.matches()) {
                    int layer = Integer.parseInt(m.group(1));
                    String proj = WeightNames.EXPERT_STACKS.get(m.group(2));
                    if (t.rank() != 3) throw new ModelException(path + ": tensor '" + t.name() + "' should be 3-D [experts, rows, cols], has shape " + java.util.Arrays.toString(t.shape()));
                    for (int e = 0; e < t.dim(0); e++) {
                        String name = "model.layers." + layer + ".feed_forward.experts." + e + "." + proj;
                        hf.put(name, t.slice(e).renamed(name));
                        fileNames.put(name, t.name() + "[" + e + "]");
                    }
                    continue;
                }
                String name = WeightNames.ggufToHf(t.name());
                if (name == null) throw new ModelException(path + ": unexpected tensor '" + t.name() + "' (not part of the jamba architecture)");
                hf.put(name, t.renamed(name));
                fileNames.put(name, t.name());
            }
            WeightSet w = new WeightSet(path.toString(), hf, fileNames);
            return new Checkpoint(path, config, w, f, f, f.residency());
        } catch (RuntimeException e) {
            f.close();
            throw e;
        }
    }

    public static Checkpoint openHf(Path dir, Residency residency) throws IOException {
        Path configFile = dir.resolve("config.json");
        if (!Files.isRegularFile(configFile)) throw new ModelException(dir + ": not a model directory (no config.json)");
        JambaConfig config = JambaConfig.fromJson(configFile);
        SafetensorsCheckpoint st = SafetensorsCheckpoint.open(dir, residency);
        try {
            Map<String, Tensor> hf = new LinkedHashMap<>();
            for (Map.Entry<String, Tensor> e : st.tensors().entrySet()) {
                String name = WeightNames.normalizeHf(e.getKey(), config);
                Matcher m = FUSED_EXPERTS.matcher(name);
                if (m.matches()) {
                    splitFused(dir, m.group(1), m.group(2), e.getValue(), config, hf);
                    continue;
                }
                Tensor t = e.getValue().renamed(name);
                // HF semantics: half-precision weights are upcast and multiplied with float32 activations
                if (t.type() == io.jamba4j.tensor.GgmlType.F16 || t.type() == io.jamba4j.tensor.GgmlType.BF16) t = t.withFloatActivations();
                if (hf.put(name, t) != null) {
                    throw new ModelException(dir + ": tensor '" + name + "' appears twice (after normalising legacy names)");
                }
            }
            return new Checkpoint(dir, config, new WeightSet(dir.toString(), hf), st, null, st.residency());
        } catch (RuntimeException e) {
            st.close();
            throw e;
        }
    }

    /** HF v5 fused experts: gate_up_proj [E, 2F, H] (gate rows first) and down_proj [E, H, F]. */
    private static void splitFused(Path dir, String prefix, String kind, Tensor fused, JambaConfig c, Map<String, Tensor> out) {
        Tensor t = fused.type() == io.jamba4j.tensor.GgmlType.F32 ? fused : fused.withFloatActivations();
        long f = c.intermediateSize, h = c.hiddenSize;
        boolean gateUp = kind.equals("gate_up_proj");
        long[] want = gateUp ? new long[]{t.dim(0), 2 * f, h} : new long[]{t.dim(0), h, f};
        if (t.rank() != 3 || !java.util.Arrays.equals(t.shape(), want)) {
            throw new ModelException(dir + ": tensor '" + t.name() + "' has shape " + java.util.Arrays.toString(t.shape()) + ", expected " + java.util.Arrays.toString(want));
        }
        for (int e = 0; e < t.dim(0); e++) {
            Tensor s = t.slice(e);
            String p = prefix + "." + e + ".";
            if (gateUp) {
                out.put(p + "gate_proj.weight", s.rowSlice(0, f).renamed(p + "gate_proj.weight"));
                out.put(p + "up_proj.weight", s.rowSlice(f, f).renamed(p + "up_proj.weight"));
            } else {
                out.put(p + "down_proj.weight", s.renamed(p + "down_proj.weight"));
            }
        }
    }

    /** Builds the model from an opened checkpoint, warning about tensors the model does not use. */
    public static JambaModel build(Checkpoint ckpt) {
        JambaModel model = ModelBuilder.build(ckpt.config(), ckpt.weights());
        var unused = ckpt.weights().unused();
        if (!unused.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, ckpt.path() + ": ignoring " + unused.size() + " tensor(s) the model does not use, e.g. '" + unused.iterator().next() + "'");
        }
        return model;
    }
}
