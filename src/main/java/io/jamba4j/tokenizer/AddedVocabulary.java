package io.jamba4j.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Added tokens (HF {@code added_tokens}; GGUF control and user-defined tokens) and how they are
 * split out of text before the model runs, as HF's AddedVocabulary does: non-overlapping
 * matches, leftmost first and the longest token at a position, honouring {@code single_word}
 * (only between non-word characters), {@code lstrip}/{@code rstrip} (the match swallows the
 * whitespace on that side) and {@code normalized} (matched in normalized rather than raw text).
 */
final class AddedVocabulary {

    /** One added token, with the flags of tokenizer.json. */
    record AddedToken(int id, String content, boolean singleWord, boolean lstrip, boolean rstrip, boolean normalized, boolean special) {}

    /** A piece of text: either an added token ({@code id >= 0}) or text for the model. */
    record Segment(int id, String text) {
        boolean isToken() {
            return id >= 0;
        }
    }

    private final List<AddedToken> tokens;
    /** Candidates by first char, longest first. */
    private final Map<Character, List<AddedToken>> byFirstChar = new HashMap<>();

    AddedVocabulary(List<AddedToken> tokens) {
        this.tokens = List.copyOf(tokens);
        for (AddedToken t : tokens) {
            if (t.content.isEmpty()) continue;
            byFirstChar.computeIfAbsent(t.content.charAt(0), c -> new ArrayList<>()).add(t);
        }
        for (List<AddedToken> l : byFirstChar.values()) l.sort(Comparator.comparingInt((AddedToken t) -> t.content.length()).reversed());
    }

    List<AddedToken> tokens() {
        return tokens;
    }

    boolean isEmpty() {
        return tokens.isEmpty();
    }

    /**
     * Splits {@code text} on the added tokens with the given {@code normalized} flag.
     *
     * @param includeSpecial when false, special tokens are not split out (left as text)
     */
    List<Segment> split(String text, boolean normalized, boolean includeSpecial) {
        List<Segment> out = new ArrayList<>();
        int textStart = 0; // start of the pending text segment
        int i = 0;
        while (i < text.length()) {
            AddedToken match = longestAt(text, i, normalized, includeSpecial);
            if (match == null) {
                i++;
                continue;
            }
            int start = i, stop = i + match.content.length();
            boolean wordBefore = start > 0 && isWordChar(text.codePointBefore(start));
            boolean wordAfter = stop < text.length() && isWordChar(text.codePointAt(stop));
            if (match.singleWord && (wordBefore || wordAfter)) {
                i = stop; // HF skips the discarded match as a whole
                continue;
            }
            if (match.lstrip) {
                while (start > textStart && Character.isWhitespace(text.codePointBefore(start))) start -= Character.charCount(text.codePointBefore(start));
            }
            if (match.rstrip) {
                while (stop < text.length() && Character.isWhitespace(text.codePointAt(stop))) stop += Character.charCount(text.codePointAt(stop));
            }
            if (start > textStart) out.add(new Segment(-1, text.substring(textStart, start)));
            out.add(new Segment(match.id, text.substring(start, stop)));
            textStart = i = stop;
        }
        if (textStart < text.length()) out.add(new Segment(-1, text.substring(textStart)));
        return out;
    }

    private AddedToken longestAt(String text, int i, boolean normalized, boolean includeSpecial) {
        List<AddedToken> candidates = byFirstChar.get(text.charAt(i));
        if (candidates == null) return null;
        for (AddedToken t : candidates) {
            if (t.normalized != normalized || (t.special && !includeSpecial)) continue;
            if (text.startsWith(t.content, i)) return t;
        }
        return null;
    }

    private static boolean isWordChar(int cp) {
        return Character.isLetterOrDigit(cp) || cp == '_';
    }
}
