package io.jamba4j.tokenizer;

import java.nio.file.Path;
import java.util.Map;

/** Factory for {@link Tokenizer}s. */
public final class Tokenizers {
    private Tokenizers() {}

    /**
     * Loads a Hugging Face tokenizer: a directory holding {@code tokenizer.json} (and optionally
     * {@code tokenizer_config.json}, {@code special_tokens_map.json}) or the tokenizer.json file.
     * Supported: model type BPE (SentencePiece-style with byte fallback, or byte-level).
     *
     * @throws TokenizerException naming the file and the problem (missing file, malformed JSON,
     *                            unsupported model/normalizer/pre-tokenizer/decoder type)
     */
    public static Tokenizer fromHf(Path fileOrDir) {
        return HfLoader.load(fileOrDir);
    }

    /**
     * Builds a tokenizer from GGUF metadata ({@code tokenizer.ggml.*} keys as llama.cpp writes them).
     * Values follow the GGUF reader conventions: integers are {@code Long}, float32 {@code Float},
     * bool {@code Boolean}, strings {@code String}, arrays {@code List<Object>} of those.
     * Supported models: "llama" (SentencePiece, scores) and "gpt2" (byte-level BPE, merges, with
     * {@code tokenizer.ggml.pre} "default", "gpt-2", "llama-bpe" or "qwen2").
     *
     * @throws TokenizerException naming the key and the problem
     */
    public static Tokenizer fromGgufMetadata(Map<String, Object> meta) {
        return GgufLoader.load(meta);
    }
}
