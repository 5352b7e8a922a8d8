package io.jamba4j.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jamba4j.format.GgufValueType;
import io.jamba4j.format.GgufWriter;
import io.jamba4j.format.SafetensorsWriter;
import io.jamba4j.tensor.GgmlType;
import io.jamba4j.tensor.Quantize;
import io.jamba4j.tensor.Tensor;
import io.jamba4j.tokenizer.Tokenizer;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes a model's weights back out in the ecosystem's formats: an HF checkpoint directory (HF tensor names, config.json
 * with every key, generation_config.json, tokenizer files) or a GGUF v3 file the way llama.cpp's converter lays it out
 * (names, stacked experts, squeezed conv, A = −exp(A_log), F32 for norms/biases/router/conv, spec §2.2 and §3).
 */
public final class CheckpointWriter {
    private CheckpointWriter() {}

    /** llama.cpp's {@code general.file_type} values (enum llama_ftype). */
    static int fileType(GgmlType t) {
        return switch (t) {
            case F32 -> 0;
            case F16 -> 1;
            case Q4_0 -> 2;
            case Q8_0 -> 7;
            case Q4_K -> 14; // LLAMA_FTYPE_MOSTLY_Q4_K_S: every matrix Q4_K (llama.cpp's own Q4_K_S mixes in a few Q5_K)
            case Q6_K -> 18; // LLAMA_FTYPE_MOSTLY_Q6_K
            case BF16 -> 32;
            default -> throw new IllegalArgumentException("cannot write tensor type " + t + " (supported: F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q6_K, and for GGUF the mix Q4_K_M)");
        };
    }

    // ---------------------------------------------------------------- HF

    /**
     * Writes {@code dir}/config.json, generation_config.json, model.safetensors (or shards), and the tokenizer files.
     * {@code dtype}: F32, F16 or BF16 for the matrices; small vectors stay F32 (A_log from a GGUF is written as F64 so that
     * converting back reproduces the GGUF's A = −exp(A_log) bit for bit).
     */
    public static void writeHf(JambaConfig config, WeightSet w, Tokenizer tokenizer, GgmlType dtype, Path dir, long maxShardBytes) throws IOException {
        if (dtype != GgmlType.F32 && dtype != GgmlType.F16 && dtype != GgmlType.BF16) {
            throw new IllegalArgumentException("HF checkpoints are written as F32, F16 or BF16, not " + dtype);
        }
        Files.createDirectories(dir);
        List<Tensor> out = new ArrayList<>();
        for (String name : hfOrder(config)) {
            if (name.endsWith(".mamba.A_log") && !w.has(name)) {
                out.add(aLogFromA(w.tensors().get(name.substring(0, name.length() - "A_log".length()) + "A"), name));
                continue;
            }
            Tensor t = w.tensors().get(name);
            if (t == null) continue; // optional tensors (biases, lm_head when tied)
            boolean matrix = t.rank() >= 2 && !name.endsWith("conv1d.weight");
            out.add(convert(t, matrix ? dtype : GgmlType.F32, name));
        }
        SafetensorsWriter.writeSharded(out, dir, maxShardBytes);
        ObjectNode cfg = config.toJson();
        cfg.put("torch_dtype", switch (dtype) {
            case F16 -> "float16";
            case BF16 -> "bfloat16";
            default -> "float32";
        });
        ObjectMapper json = new ObjectMapper();
        writeAtomically(dir.resolve("config.json"), cfg.toPrettyString());
        ObjectNode gen = json.createObjectNode();
        gen.put("bos_token_id", config.bosTokenId);
        if (config.eosTokenIds.size() == 1) gen.put("eos_token_id", config.eosTokenIds.getFirst());
        else config.eosTokenIds.forEach(gen.putArray("eos_token_id")::add);
        gen.put("pad_token_id", config.padTokenId);
        writeAtomically(dir.resolve("generation_config.json"), gen.toPrettyString());
        if (tokenizer != null) tokenizer.writeHf(dir);
    }

    private static void writeAtomically(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, text + "\n");
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** A_log = ln(−A) in float64 (exp of it rounds back to exactly A in float32). */
    private static Tensor aLogFromA(Tensor a, String name) {
        if (a == null) throw new ModelException("missing tensor '" + name + "' (and no A to derive it from)");
        float[] v = a.toFloats();
        double[] l = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            if (!(v[i] < 0)) throw new ModelException("tensor '" + a.name() + "': A must be negative (A = −exp(A_log)), found " + v[i] + " at " + i);
            l[i] = Math.log(-(double) v[i]);
        }
        return new Tensor(name, GgmlType.F64, a.shape(), MemorySegment.ofArray(l));
    }

    /** HF tensor names in module order. */
    static List<String> hfOrder(JambaConfig c) {
        List<String> n = new ArrayList<>();
        n.add("model.embed_tokens.weight");
        for (LayerSpec l : c.layers()) {
            String p = "model.layers." + l.index() + ".";
            n.add(p + "input_layernorm.weight");
            if (l.isAttention()) {
                for (String s : new String[]{"q_proj", "k_proj", "v_proj", "o_proj"}) n.add(p + "self_attn." + s + ".weight");
            } else {
                String m = p + "mamba.";
                for (String s : new String[]{"in_proj.weight", "in_proj.bias", "conv1d.weight", "conv1d.bias", "x_proj.weight",
                        "dt_proj.weight", "dt_proj.bias", "A_log", "D", "out_proj.weight", "out_proj.bias",
                        "dt_layernorm.weight", "b_layernorm.weight", "c_layernorm.weight"}) n.add(m + s);
            }
            if (l.isMoe()) {
                n.add(p + "feed_forward.router.weight");
                for (int e = 0; e < l.numExperts(); e++) {
                    for (String s : new String[]{"gate_proj", "up_proj", "down_proj"}) n.add(p + "feed_forward.experts." + e + "." + s + ".weight");
                }
            } else {
                for (String s : new String[]{"gate_proj", "up_proj", "down_proj"}) n.add(p + "feed_forward." + s + ".weight");
            }
            n.add(p + "pre_ff_layernorm.weight");
        }
        n.add("model.final_layernorm.weight");
        if (!c.tieWordEmbeddings) n.add("lm_head.weight");
        return n;
    }

    // ---------------------------------------------------------------- GGUF

    /** Writes a GGUF v3 file with llama.cpp's converter names, transforms and metadata; {@code type} for the matrices. */
    public static void writeGguf(JambaConfig config, WeightSet w, Tokenizer tokenizer, GgmlType type, String modelName, Path file) throws IOException {
        writeGguf(config, w, tokenizer, GgufTypes.of(type), modelName, file);
    }

    /** As {@link #writeGguf(JambaConfig, WeightSet, Tokenizer, GgmlType, String, Path)}, the matrices' types from {@code types}. */
    public static void writeGguf(JambaConfig config, WeightSet w, Tokenizer tokenizer, GgufTypes types, String modelName, Path file) throws IOException {
        int fileType = types.fileType(); // checks the type before anything is written
        GgmlType type = types.base();
        GgufWriter g = new GgufWriter();
        g.putString("general.architecture", GgufConfig.ARCH);
        g.putString("general.type", "model");
        g.putString("general.name", modelName);
        for (Map.Entry<String, Object> e : GgufConfig.write(config).entrySet()) {
            String k = e.getKey();
            Object v = e.getValue();
            if (k.equals("general.architecture")) continue;
            if (v instanceof int[] a) g.putArrayInt32(k, a);
            else if (v instanceof Float f) g.putFloat32(k, f);
            else if (v instanceof Long l) g.putUInt32(k, l);
            else throw new IllegalStateException("unexpected metadata value for " + k);
        }
        g.putUInt32("general.file_type", fileType);
        if (tokenizer != null) putTokenizer(g, tokenizer.toGgufMetadata());
        g.putUInt32("general.quantization_version", 2);

        Map<String, Tensor> t = w.tensors();
        add(g, t.get("model.embed_tokens.weight"), "token_embd.weight", type);
        int nLayers = config.layers().size(), nAttention = (int) config.layers().stream().filter(LayerSpec::isAttention).count();
        int attentionIndex = 0;
        for (LayerSpec l : config.layers()) {
            int i = l.index();
            String p = "model.layers." + i + ".", b = "blk." + i + ".";
            add(g, req(w, p + "input_layernorm.weight"), b + "attn_norm.weight", GgmlType.F32);
            if (l.isAttention()) {
                add(g, req(w, p + "self_attn.q_proj.weight"), b + "attn_q.weight", type);
                add(g, req(w, p + "self_attn.k_proj.weight"), b + "attn_k.weight", type);
                add(g, req(w, p + "self_attn.v_proj.weight"), b + "attn_v.weight", types.inLayer(attentionIndex++, nAttention));
                add(g, req(w, p + "self_attn.o_proj.weight"), b + "attn_output.weight", type);
            } else {
                String m = p + "mamba.";
                add(g, req(w, m + "in_proj.weight"), b + "ssm_in.weight", type);
                if (t.containsKey(m + "in_proj.bias")) add(g, t.get(m + "in_proj.bias"), b + "ssm_in.bias", GgmlType.F32);
                Tensor conv = req(w, m + "conv1d.weight");
                add(g, conv.reshaped(conv.dim(0), conv.numElements() / conv.dim(0)), b + "ssm_conv1d.weight", GgmlType.F32);
                if (t.containsKey(m + "conv1d.bias")) add(g, t.get(m + "conv1d.bias"), b + "ssm_conv1d.bias", GgmlType.F32);
                add(g, req(w, m + "x_proj.weight"), b + "ssm_x.weight", type);
                add(g, req(w, m + "dt_proj.weight"), b + "ssm_dt.weight", type);
                add(g, req(w, m + "dt_proj.bias"), b + "ssm_dt.bias", GgmlType.F32);
                g.addTensor(aFor(w, m, b + "ssm_a"));
                add(g, req(w, m + "D"), b + "ssm_d", GgmlType.F32);
                add(g, req(w, m + "out_proj.weight"), b + "ssm_out.weight", type);
                if (t.containsKey(m + "out_proj.bias")) add(g, t.get(m + "out_proj.bias"), b + "ssm_out.bias", GgmlType.F32);
                add(g, req(w, m + "dt_layernorm.weight"), b + "ssm_dt_norm.weight", GgmlType.F32);
                add(g, req(w, m + "b_layernorm.weight"), b + "ssm_b_norm.weight", GgmlType.F32);
                add(g, req(w, m + "c_layernorm.weight"), b + "ssm_c_norm.weight", GgmlType.F32);
            }
            String f = p + "feed_forward.";
            if (l.isMoe()) {
                add(g, req(w, f + "router.weight"), b + "ffn_gate_inp.weight", GgmlType.F32);
                g.addTensor(stack(w, f, "down_proj.weight", l.numExperts(), b + "ffn_down_exps.weight", types.inLayer(i, nLayers)));
                g.addTensor(stack(w, f, "gate_proj.weight", l.numExperts(), b + "ffn_gate_exps.weight", type));
                g.addTensor(stack(w, f, "up_proj.weight", l.numExperts(), b + "ffn_up_exps.weight", type));
            } else {
                add(g, req(w, f + "gate_proj.weight"), b + "ffn_gate.weight", type);
                add(g, req(w, f + "up_proj.weight"), b + "ffn_up.weight", type);
                add(g, req(w, f + "down_proj.weight"), b + "ffn_down.weight", types.inLayer(i, nLayers));
            }
            add(g, req(w, p + "pre_ff_layernorm.weight"), b + "ffn_norm.weight", GgmlType.F32);
        }
        add(g, req(w, "model.final_layernorm.weight"), "output_norm.weight", GgmlType.F32);
        if (!config.tieWordEmbeddings) add(g, req(w, "lm_head.weight"), "output.weight", types.output());
        g.write(file);
    }

    private static Tensor req(WeightSet w, String name) {
        Tensor t = w.tensors().get(name);
        if (t == null) throw new ModelException(w.source() + ": missing tensor '" + name + "'");
        return t;
    }

    /** GGUF's ssm_a: A = −exp(A_log) in float32 (from A_log), or the A already held (from a GGUF) unchanged. */
    private static Tensor aFor(WeightSet w, String m, String name) {
        Tensor a = w.tensors().get(m + "A");
        if (a != null) return convert(a, GgmlType.F32, name);
        Tensor aLog = req(w, m + "A_log");
        return Tensor.ofFloats(name, ModelBuilder.aFromALog(aLog), aLog.shape());
    }

    /** E per-expert [rows, cols] tensors stacked into one [E, rows, cols] tensor of {@code type}. */
    private static Tensor stack(WeightSet w, String prefix, String proj, int experts, String name, GgmlType type) {
        List<Tensor> parts = new ArrayList<>();
        for (int e = 0; e < experts; e++) parts.add(req(w, prefix + "experts." + e + "." + proj));
        Tensor first = parts.getFirst();
        GgmlType target = typeFor(type, first);
        long each = target.bytesFor(first.numElements());
        MemorySegment all = java.lang.foreign.Arena.ofAuto().allocate(each * experts, 64);
        for (int e = 0; e < experts; e++) {
            Tensor c = convert(parts.get(e), target, name);
            if (c.byteSize() != each) throw new ModelException("expert tensors of '" + name + "' differ in shape");
            MemorySegment.copy(c.data(), 0, all, e * each, each);
        }
        long[] s = first.shape();
        return new Tensor(name, target, new long[]{experts, s[0], s[1]}, all);
    }

    private static void add(GgufWriter g, Tensor t, String name, GgmlType type) {
        g.addTensor(convert(t, typeFor(type, t), name));
    }

    /**
     * Quantized types need rows that are whole blocks. Otherwise a k-quant (256-blocks) falls back to Q8_0 when the row
     * is whole 32-blocks (llama.cpp's quantize also falls back to a 32-block type for such rows), and everything else to
     * F16 (as llama.cpp's converter does).
     */
    static GgmlType typeFor(GgmlType wanted, Tensor t) {
        if (t.cols() % wanted.blockSize == 0) return wanted;
        if (wanted.blockSize == 256 && t.cols() % 32 == 0) return GgmlType.Q8_0;
        return GgmlType.F16;
    }

    /** {@code t} as {@code type} under {@code name}: the same bytes when the type already matches, else re-encoded. */
    static Tensor convert(Tensor t, GgmlType type, String name) {
        if (t.type() == type) return t.renamed(name);
        float[] f = t.toFloats();
        return new Tensor(name, type, t.shape(), Quantize.quantize(type, f, 0, f.length));
    }

    private static void putTokenizer(GgufWriter g, Map<String, Object> meta) {
        for (Map.Entry<String, Object> e : meta.entrySet()) {
            String k = e.getKey();
            Object v = e.getValue();
            if (v instanceof String s) g.putString(k, s);
            else if (v instanceof Boolean b) g.putBool(k, b);
            else if (v instanceof Number n && !(v instanceof Float || v instanceof Double)) g.putUInt32(k, n.longValue());
            else if (v instanceof Float f) g.putFloat32(k, f);
            else if (v instanceof List<?> list) {
                GgufValueType et = switch (k) {
                    case "tokenizer.ggml.scores" -> GgufValueType.FLOAT32;
                    case "tokenizer.ggml.token_type" -> GgufValueType.INT32;
                    default -> list.isEmpty() || list.getFirst() instanceof String ? GgufValueType.STRING : GgufValueType.INT32;
                };
                g.putArray(k, et, list);
            } else throw new IllegalStateException("tokenizer metadata '" + k + "' has an unexpected value type " + v.getClass());
        }
    }
}
