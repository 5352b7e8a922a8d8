package io.jamba4j.tokenizer;

/** A tokenizer could not be loaded or used: the message names the file/key and what is wrong. */
public class TokenizerException extends RuntimeException {
    /** @param message what is wrong, naming the file or key involved */
    public TokenizerException(String message) {
        super(message);
    }

    /**
     * @param message what is wrong, naming the file or key involved
     * @param cause   the underlying error
     */
    public TokenizerException(String message, Throwable cause) {
        super(message, cause);
    }
}
