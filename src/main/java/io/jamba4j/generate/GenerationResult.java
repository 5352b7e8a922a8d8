package io.jamba4j.generate;

/**
 * What a generation call produced.
 *
 * @param tokens          the generated ids (EOS excluded)
 * @param text            their text, cut before a stop string
 * @param promptTokens    prompt length in tokens
 * @param prefillSeconds  time to evaluate the prompt
 * @param decodeSeconds   time for the generated tokens (sampling included)
 */
public record GenerationResult(int[] tokens, String text, StopReason stopReason, int promptTokens, double prefillSeconds,
                               int generatedTokens, double decodeSeconds) {
    public double prefillTokensPerSecond() {
        return prefillSeconds > 0 ? promptTokens / prefillSeconds : 0;
    }

    public double decodeTokensPerSecond() {
        return decodeSeconds > 0 ? generatedTokens / decodeSeconds : 0;
    }
}
