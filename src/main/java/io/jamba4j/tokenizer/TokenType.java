package io.jamba4j.tokenizer;

/** Token types with the numeric codes of GGUF {@code tokenizer.ggml.token_type} (llama.cpp). */
public enum TokenType {
    /** Ordinary vocabulary piece (1). */
    NORMAL(1),
    /** The unknown token (2). */
    UNKNOWN(2),
    /** Control / special token such as BOS, EOS (3). */
    CONTROL(3),
    /** User-defined added token, always split out of text (4). */
    USER_DEFINED(4),
    /** Unused slot (5). */
    UNUSED(5),
    /** Byte-fallback piece {@code <0xXX>} (6). */
    BYTE(6);

    /** The GGUF code. */
    public final int code;

    TokenType(int code) {
        this.code = code;
    }

    /** The type of a GGUF code; unknown codes read as {@link #NORMAL}. */
    public static TokenType ofCode(long code) {
        for (TokenType t : values()) {
            if (t.code == code) return t;
        }
        return NORMAL;
    }
}
