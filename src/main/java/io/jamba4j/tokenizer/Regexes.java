package io.jamba4j.tokenizer;

import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Regular expressions of tokenizer.json (Oniguruma syntax in HF tokenizers) as java.util.regex
 * patterns. The syntax used by real tokenizers ({@code \p{L}}, {@code (?i:...)}, lookahead,
 * possessive quantifiers) is the same in Java; the difference is the meaning of {@code \s},
 * {@code \w}, {@code \d}: Unicode in Oniguruma/Rust, ASCII in Java unless
 * {@link Pattern#UNICODE_CHARACTER_CLASS} is set, so it always is.
 */
final class Regexes {
    /** GPT-2 pre-tokenizer regex (HF ByteLevel use_regex, llama.cpp "gpt-2"/"default"). */
    static final String GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
    /** Llama 3 split regex (llama.cpp "llama-bpe"). */
    static final String LLAMA3 = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    /** Qwen2 split regex (llama.cpp "qwen2"): like Llama 3 but single digits. */
    static final String QWEN2 = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    private Regexes() {}

    static Pattern compile(String regex, String where) {
        try {
            return Pattern.compile(regex, Pattern.UNICODE_CHARACTER_CLASS);
        } catch (PatternSyntaxException e) {
            throw new TokenizerException(where + ": unsupported regex '" + regex + "': " + e.getDescription(), e);
        }
    }

    /** The llama.cpp {@code tokenizer.ggml.pre} name of a split regex, or null if not a known one. */
    static String preName(String regex) {
        if (LLAMA3.equals(regex)) return "llama-bpe";
        if (QWEN2.equals(regex)) return "qwen2";
        if (GPT2.equals(regex)) return "gpt-2";
        return null;
    }

    /** The split regex of a llama.cpp {@code tokenizer.ggml.pre} name, or null if unknown. */
    static String ofPreName(String pre) {
        return switch (pre) {
            case "default", "gpt-2", "gpt2" -> GPT2;
            case "llama-bpe", "llama3", "llama-v3", "smaug-bpe", "dbrx" -> LLAMA3;
            case "qwen2", "deepseek-r1-qwen" -> QWEN2;
            default -> null;
        };
    }
}
