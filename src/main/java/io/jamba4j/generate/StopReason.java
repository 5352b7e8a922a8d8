package io.jamba4j.generate;

/** Why generation ended. */
public enum StopReason {
    /** An end-of-sequence token was sampled. */
    EOS,
    /** The generated text contained a stop string. */
    STOP_STRING,
    /** The requested number of tokens was generated. */
    MAX_TOKENS,
    /** The context (KV cache) is full. */
    CONTEXT_FULL
}
