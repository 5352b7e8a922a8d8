package io.jamba4j.generate;

/** Receives generated text as it becomes final (never half a UTF-8 character, never a part of a stop string). */
@FunctionalInterface
public interface TokenListener {
    /** @param token the latest token id contributing to {@code text} (−1 for text flushed at the end) */
    void onToken(int token, String text);
}
