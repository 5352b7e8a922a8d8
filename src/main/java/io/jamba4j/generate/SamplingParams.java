package io.jamba4j.generate;

import java.util.List;

/**
 * How the next token is chosen and when generation stops.
 *
 * @param temperature       ≤ 0 means greedy (argmax, lowest id on ties)
 * @param topK              keep the k most likely tokens (0 = off)
 * @param topP              keep the smallest set whose probability reaches p (1 = off)
 * @param minP              drop tokens less likely than minP × the top token's probability (0 = off)
 * @param repetitionPenalty divide positive / multiply negative logits of recently seen tokens (1 = off)
 * @param frequencyPenalty  subtract count × this from a seen token's logit (0 = off)
 * @param presencePenalty   subtract this once from a seen token's logit (0 = off)
 * @param penaltyLastN      how many recent tokens (prompt included) the penalties look at
 * @param seed              random seed for sampling
 * @param maxTokens         stop after this many generated tokens
 * @param stopStrings       stop when the generated text contains one of these (the stop string is not emitted)
 * @param ignoreEos         keep going past end-of-sequence tokens (benchmarks)
 */
public record SamplingParams(float temperature, int topK, float topP, float minP, float repetitionPenalty,
                             float frequencyPenalty, float presencePenalty, int penaltyLastN, long seed,
                             int maxTokens, List<String> stopStrings, boolean ignoreEos) {

    public SamplingParams {
        if (topK < 0) throw new IllegalArgumentException("top-k must be ≥ 0, got " + topK);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
        if (!(minP >= 0 && minP < 1)) throw new IllegalArgumentException("min-p must be in [0, 1), got " + minP);
        if (!(repetitionPenalty > 0)) throw new IllegalArgumentException("repetition penalty must be > 0, got " + repetitionPenalty);
        if (maxTokens < 0) throw new IllegalArgumentException("max tokens must be ≥ 0, got " + maxTokens);
        if (penaltyLastN < 0) throw new IllegalArgumentException("penalty window must be ≥ 0, got " + penaltyLastN);
        if (Float.isNaN(temperature)) throw new IllegalArgumentException("temperature is NaN");
        stopStrings = List.copyOf(stopStrings);
        for (String s : stopStrings) if (s.isEmpty()) throw new IllegalArgumentException("a stop string is empty");
    }

    /** Greedy decoding of up to {@code maxTokens} tokens. */
    public static SamplingParams greedy(int maxTokens) {
        return new SamplingParams(0f, 0, 1f, 0f, 1f, 0f, 0f, 64, 0, maxTokens, List.of(), false);
    }

    /** llama.cpp's defaults: temperature 0.8, top-k 40, top-p 0.95, min-p 0.05. */
    public static SamplingParams defaults(int maxTokens, long seed) {
        return new SamplingParams(0.8f, 40, 0.95f, 0.05f, 1f, 0f, 0f, 64, seed, maxTokens, List.of(), false);
    }

    public boolean isGreedy() {
        return temperature <= 0;
    }

    public SamplingParams withMaxTokens(int n) {
        return new SamplingParams(temperature, topK, topP, minP, repetitionPenalty, frequencyPenalty, presencePenalty, penaltyLastN, seed, n, stopStrings, ignoreEos);
    }

    public SamplingParams withStopStrings(List<String> stops) {
        return new SamplingParams(temperature, topK, topP, minP, repetitionPenalty, frequencyPenalty, presencePenalty, penaltyLastN, seed, maxTokens, stops, ignoreEos);
    }

    public SamplingParams withIgnoreEos(boolean ignore) {
        return new SamplingParams(temperature, topK, topP, minP, repetitionPenalty, frequencyPenalty, presencePenalty, penaltyLastN, seed, maxTokens, stopStrings, ignore);
    }
}
