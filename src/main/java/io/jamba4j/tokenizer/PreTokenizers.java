package io.jamba4j.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** HF tokenizer.json pre-tokenizers: Split, ByteLevel, Metaspace, Digits, Whitespace, WhitespaceSplit, Punctuation, Sequence. */
final class PreTokenizers {
    private PreTokenizers() {}

    /** How a split keeps its delimiters (HF SplitDelimiterBehavior). */
    enum Behavior { REMOVED, ISOLATED, MERGED_WITH_PREVIOUS, MERGED_WITH_NEXT, CONTIGUOUS }

    private static final Pattern WHITESPACE_WORDS = Pattern.compile("\\w+|[^\\w\\s]+", Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern NOT_WHITESPACE = Pattern.compile("\\S+", Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern PUNCTUATION = Pattern.compile("\\p{P}|[\\p{S}&&[\\x00-\\x7F]]");

    static PreTokenizer parse(JsonNode node, String where) {
        if (node == null || node.isNull()) return null;
        String type = Json.text(node, "type", where + " pre_tokenizer");
        String at = where + " pre_tokenizer " + type;
        return switch (type) {
            case "Sequence" -> {
                List<PreTokenizer> list = new ArrayList<>();
                for (JsonNode n : Json.array(node, "pretokenizers", at)) list.add(parse(n, where));
                yield sequence(list);
            }
            case "Split" -> split(Json.pattern(node, "pattern", at), behavior(Json.text(node, "behavior", at), at), Json.bool(node, "invert", false, at));
            case "ByteLevel" -> byteLevel(Json.bool(node, "add_prefix_space", true, at), Json.bool(node, "use_regex", true, at));
            case "Metaspace" -> {
                String rep = Json.optText(node, "replacement", at);
                if (rep == null) rep = "▁";
                String scheme = Json.optText(node, "prepend_scheme", at);
                if (scheme == null) scheme = Json.bool(node, "add_prefix_space", true, at) ? "always" : "never";
                if (!List.of("always", "first", "never").contains(scheme)) {
                    throw Json.bad(at, "prepend_scheme", "must be always/first/never", node.get("prepend_scheme"));
                }
                yield metaspace(rep, scheme, Json.bool(node, "split", true, at));
            }
            case "Digits" -> split(Pattern.compile("\\p{N}"), Json.bool(node, "individual_digits", false, at) ? Behavior.ISOLATED : Behavior.CONTIGUOUS, false);
            case "Whitespace" -> split(WHITESPACE_WORDS, Behavior.REMOVED, true);
            case "WhitespaceSplit" -> split(NOT_WHITESPACE, Behavior.REMOVED, true);
            case "Punctuation" -> {
                String b = Json.optText(node, "behavior", at);
                yield split(PUNCTUATION, b == null ? Behavior.ISOLATED : behavior(b, at), false);
            }
            default -> throw new TokenizerException(where + ": unsupported pre_tokenizer type '" + type + "'");
        };
    }

    static Behavior behavior(String name, String where) {
        return switch (name) {
            case "Removed" -> Behavior.REMOVED;
            case "Isolated" -> Behavior.ISOLATED;
            case "MergedWithPrevious" -> Behavior.MERGED_WITH_PREVIOUS;
            case "MergedWithNext" -> Behavior.MERGED_WITH_NEXT;
            case "Contiguous" -> Behavior.CONTIGUOUS;
            default -> throw new TokenizerException(where + ": unsupported split behavior '" + name + "'");
        };
    }

    static PreTokenizer sequence(List<PreTokenizer> steps) {
        return (words, first) -> {
            for (PreTokenizer p : steps) words = p.apply(words, first);
            return words;
        };
    }

    /** Applies a per-word function; only the first word of a first segment is "first". */
    private interface WordSplitter {
        void split(String word, boolean first, List<String> out);
    }

    private static PreTokenizer eachWord(WordSplitter f) {
        return (words, first) -> {
            List<String> out = new ArrayList<>();
            for (int i = 0; i < words.size(); i++) f.split(words.get(i), first && i == 0, out);
            return out;
        };
    }

    static PreTokenizer split(Pattern pattern, Behavior behavior, boolean invert) {
        return eachWord((word, first, out) -> splitWord(word, pattern, behavior, invert, out));
    }

    /** HF NormalizedString::split: pieces are the matches and the text between them. */
    static void splitWord(String s, Pattern pattern, Behavior behavior, boolean invert, List<String> out) {
        // (start, end, isDelimiter) covering s
        List<int[]> parts = new ArrayList<>();
        Matcher m = pattern.matcher(s);
        int last = 0;
        while (m.find()) {
            if (m.end() == m.start()) continue; // empty matches delimit nothing
            if (m.start() > last) parts.add(new int[] {last, m.start(), invert ? 1 : 0});
            parts.add(new int[] {m.start(), m.end(), invert ? 0 : 1});
            last = m.end();
        }
        if (last < s.length()) parts.add(new int[] {last, s.length(), invert ? 1 : 0});

        List<int[]> merged = new ArrayList<>();
        switch (behavior) {
            case REMOVED -> {
                for (int[] p : parts) if (p[2] == 0) merged.add(p);
            }
            case ISOLATED -> merged.addAll(parts);
            case CONTIGUOUS -> {
                boolean prevDelim = false;
                for (int[] p : parts) {
                    if (p[2] == 1 && prevDelim) merged.getLast()[1] = p[1];
                    else merged.add(p.clone());
                    prevDelim = p[2] == 1;
                }
            }
            case MERGED_WITH_PREVIOUS -> {
                boolean prevDelim = false;
                for (int[] p : parts) {
                    if (p[2] == 1 && !prevDelim && !merged.isEmpty()) merged.getLast()[1] = p[1];
                    else merged.add(p.clone());
                    prevDelim = p[2] == 1;
                }
            }
            case MERGED_WITH_NEXT -> {
                // mirror image of MERGED_WITH_PREVIOUS, walking from the right
                boolean nextDelim = false;
                List<int[]> rev = new ArrayList<>();
                for (int i = parts.size() - 1; i >= 0; i--) {
                    int[] p = parts.get(i);
                    if (p[2] == 1 && !nextDelim && !rev.isEmpty()) rev.getLast()[0] = p[0];
                    else rev.add(p.clone());
                    nextDelim = p[2] == 1;
                }
                merged.addAll(rev.reversed());
            }
        }
        for (int[] p : merged) if (p[1] > p[0]) out.add(s.substring(p[0], p[1]));
    }

    /** HF ByteLevel pre-tokenizer: optional leading space, optional GPT-2 regex split, then bytes to the byte-level alphabet. */
    static PreTokenizer byteLevel(boolean addPrefixSpace, boolean useRegex) {
        Pattern gpt2 = useRegex ? Regexes.compile(Regexes.GPT2, "ByteLevel") : null;
        return eachWord((word, first, out) -> {
            if (addPrefixSpace && !word.startsWith(" ")) word = " " + word;
            List<String> pieces = new ArrayList<>();
            if (useRegex) splitWord(word, gpt2, Behavior.ISOLATED, false, pieces);
            else pieces.add(word);
            for (String p : pieces) out.add(ByteLevel.encode(p));
        });
    }

    /** HF Metaspace: spaces become the replacement, optional prefix, optional split before each replacement. */
    static PreTokenizer metaspace(String replacement, String prependScheme, boolean split) {
        Pattern rep = Pattern.compile(Pattern.quote(replacement));
        return eachWord((word, first, out) -> {
            word = word.replace(" ", replacement);
            boolean prepend = prependScheme.equals("always") || (prependScheme.equals("first") && first);
            if (prepend && !word.startsWith(replacement)) word = replacement + word;
            if (split) splitWord(word, rep, Behavior.MERGED_WITH_NEXT, false, out);
            else out.add(word);
        });
    }
}
