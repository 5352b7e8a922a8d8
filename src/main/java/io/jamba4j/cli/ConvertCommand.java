package io.jamba4j.cli;

import io.jamba4j.Jamba;
import io.jamba4j.model.CheckpointWriter;
import io.jamba4j.model.GgufTypes;
import io.jamba4j.model.ModelException;
import io.jamba4j.tensor.GgmlType;
import io.jamba4j.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "convert", description = {
        "Convert a model between HF (config.json + safetensors + tokenizer) and GGUF (llama.cpp's layout).",
        "GGUF types: F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q6_K, and the mix Q4_K_M (norms, biases, router, conv, A, D stay F32; rows that are",
        "not whole blocks fall back: Q4_K/Q6_K to Q8_0 when the row is whole 32-blocks, else F16). HF types: F32, F16, BF16."})
final class ConvertCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "An HF checkpoint directory or a .gguf file.")
    Path model;

    @Option(names = "--to", required = true, description = "Output format: hf or gguf.")
    String to;

    @Option(names = "--type", description = "Tensor type of the matrices, or (gguf) the mix Q4_K_M: llama.cpp's recipe, Q4_K with Q6_K for output and some layers' attn_v and ffn_down (default: the source's, else F32).")
    String type;

    @Option(names = "--out", required = true, description = "Output directory (hf) or file (gguf).")
    Path out;

    @Option(names = "--name", description = "general.name for GGUF (default: the source's file name).")
    String name;

    @Option(names = "--shard-size", description = "Largest safetensors shard in bytes for --to hf (default: ${DEFAULT-VALUE}).", defaultValue = "5000000000")
    long shardSize;

    @Override
    public Integer call() throws Exception {
        try (Jamba j = Jamba.load(model, io.jamba4j.format.Residency.MAPPED)) { // every tensor is read once
            Tokenizer tok = j.hasTokenizer() ? j.tokenizer() : null;
            GgmlType src = j.model().embedTokens().type();
            switch (to.toLowerCase()) {
                case "gguf" -> {
                    GgufTypes t = type != null ? GgufTypes.parse(type) : GgufTypes.of(src);
                    String n = name != null ? name : model.getFileName().toString().replaceAll("\\.gguf$", "");
                    CheckpointWriter.writeGguf(j.config(), j.checkpoint().weights(), tok, t, n, out);
                }
                case "hf" -> {
                    GgmlType t = type != null ? GgufTypes.parseForHf(type) : (src == GgmlType.F16 || src == GgmlType.BF16 ? src : GgmlType.F32);
                    CheckpointWriter.writeHf(j.config(), j.checkpoint().weights(), tok, t, out, shardSize);
                }
                default -> throw new ModelException("--to must be 'hf' or 'gguf', not '" + to + "'");
            }
        }
        System.err.println("wrote " + out);
        return 0;
    }
}
