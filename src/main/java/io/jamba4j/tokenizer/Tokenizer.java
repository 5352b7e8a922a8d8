package io.jamba4j.tokenizer;

import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalInt;

/**
 * A text tokenizer for a language model: text to token ids and back.
 *
 * <p>Instances are created by {@link Tokenizers} from a Hugging Face {@code tokenizer.json} or
 * from the {@code tokenizer.ggml.*} metadata of a GGUF file. They are immutable and thread-safe.
 */
public interface Tokenizer {

    /** Number of ids: one more than the largest id of the vocabulary (added tokens included). */
    int vocabSize();

    /**
     * Encodes {@code text} without adding BOS/EOS. Special and added tokens written in the text
     * (e.g. {@code "<s>"}) are split out and become their ids, the way Hugging Face tokenizers do.
     */
    default int[] encode(String text) {
        return encode(text, false, true);
    }

    /**
     * Encodes {@code text}; with {@code addSpecial} the BOS/EOS ids are added as configured
     * (tokenizer_config.json {@code add_bos_token}/{@code add_eos_token}, else the tokenizer.json
     * post-processor; GGUF {@code tokenizer.ggml.add_bos_token}/{@code add_eos_token}).
     */
    default int[] encode(String text, boolean addSpecial) {
        return encode(text, addSpecial, true);
    }

    /**
     * Encodes {@code text}.
     *
     * @param addSpecial   add BOS/EOS as configured
     * @param parseSpecial when false, special (control) tokens written in the text are tokenized as
     *                     plain text (llama.cpp {@code parse_special=false}, HF
     *                     {@code split_special_tokens=True}); non-special added tokens (GGUF
     *                     user-defined) are still split out
     */
    int[] encode(String text, boolean addSpecial, boolean parseSpecial);

    /** Decodes ids to text; special tokens are rendered as their text. */
    default String decode(int[] ids) {
        return decode(ids, false);
    }

    /**
     * Decodes ids to text.
     *
     * @param skipSpecial drop special (control) tokens instead of rendering them
     * @throws TokenizerException if an id is outside {@code [0, vocabSize())}
     */
    String decode(int[] ids, boolean skipSpecial);

    /** The raw vocabulary piece of {@code id} (e.g. {@code "▁the"}, {@code "Ġthe"}, {@code "<0x0A>"}). */
    String piece(int id);

    /** Id of the piece, if it is in the vocabulary. */
    OptionalInt id(String piece);

    /** Beginning-of-sequence id, if the tokenizer has one. */
    OptionalInt bosId();

    /** End-of-sequence id, if the tokenizer has one. */
    OptionalInt eosId();

    /** Padding id, if the tokenizer has one. */
    OptionalInt padId();

    /** Unknown-token id, if the tokenizer has one. */
    OptionalInt unkId();

    /** The GGUF token type of {@code id}. */
    TokenType tokenType(int id);

    /** True for special tokens: control tokens and HF added tokens marked {@code special}. */
    boolean isSpecial(int id);

    /** A new decoder for ids produced one at a time (generation). */
    StreamingDecoder streamingDecoder();

    /**
     * The {@code tokenizer.*} GGUF metadata describing this tokenizer (llama.cpp keys), with the
     * value conventions of {@link Tokenizers#fromGgufMetadata}.
     */
    Map<String, Object> toGgufMetadata();

    /**
     * Writes {@code tokenizer.json}, {@code tokenizer_config.json} and {@code special_tokens_map.json}
     * into {@code dir} (created if needed) so that Hugging Face tokenizers, transformers.js and
     * {@link Tokenizers#fromHf} load an equivalent tokenizer.
     */
    void writeHf(Path dir);
}
