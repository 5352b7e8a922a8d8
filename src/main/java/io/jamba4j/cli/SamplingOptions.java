package io.jamba4j.cli;

import io.jamba4j.generate.SamplingParams;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;

/** Sampling flags, named as in llama.cpp. */
final class SamplingOptions {
    @Option(names = {"-n", "--max-tokens"}, description = "Tokens to generate (default: ${DEFAULT-VALUE}).", defaultValue = "128")
    int maxTokens;
    @Option(names = "--temp", description = "Temperature; 0 = greedy (default: ${DEFAULT-VALUE}).", defaultValue = "0.8")
    float temperature;
    @Option(names = "--greedy", description = "Greedy decoding (same as --temp 0).")
    boolean greedy;
    @Option(names = "--top-k", description = "Top-k, 0 = off (default: ${DEFAULT-VALUE}).", defaultValue = "40")
    int topK;
    @Option(names = "--top-p", description = "Top-p (nucleus), 1 = off (default: ${DEFAULT-VALUE}).", defaultValue = "0.95")
    float topP;
    @Option(names = "--min-p", description = "Min-p, 0 = off (default: ${DEFAULT-VALUE}).", defaultValue = "0.05")
    float minP;
    @Option(names = "--repeat-penalty", description = "Repetition penalty, 1 = off (default: ${DEFAULT-VALUE}).", defaultValue = "1.0")
    float repeatPenalty;
    @Option(names = "--frequency-penalty", description = "Frequency penalty (default: ${DEFAULT-VALUE}).", defaultValue = "0")
    float frequencyPenalty;
    @Option(names = "--presence-penalty", description = "Presence penalty (default: ${DEFAULT-VALUE}).", defaultValue = "0")
    float presencePenalty;
    @Option(names = "--repeat-last-n", description = "Tokens the penalties look back over (default: ${DEFAULT-VALUE}).", defaultValue = "64")
    int repeatLastN;
    @Option(names = {"-s", "--seed"}, description = "Random seed (default: ${DEFAULT-VALUE}).", defaultValue = "42")
    long seed;
    @Option(names = "--stop", description = "Stop when this text is generated (repeatable).")
    List<String> stops = new ArrayList<>();
    @Option(names = "--ignore-eos", description = "Do not stop at end-of-sequence tokens.")
    boolean ignoreEos;

    SamplingParams toParams() {
        return new SamplingParams(greedy ? 0f : temperature, topK, topP, minP, repeatPenalty, frequencyPenalty, presencePenalty,
                repeatLastN, seed, maxTokens, stops, ignoreEos);
    }
}
