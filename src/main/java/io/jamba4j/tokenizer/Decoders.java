package io.jamba4j.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * HF tokenizer.json decoders. Like HF they work on the list of token strings (each step may
 * change, join or drop tokens); the final text is the concatenation.
 */
final class Decoders {
    private Decoders() {}

    /** A decoder step over token strings. */
    interface Decoder extends UnaryOperator<List<String>> {}

    static Decoder parse(JsonNode node, String where) {
        if (node == null || node.isNull()) return tokens -> tokens;
        String type = Json.text(node, "type", where + " decoder");
        String at = where + " decoder " + type;
        return switch (type) {
            case "Sequence" -> {
                List<Decoder> list = new ArrayList<>();
                for (JsonNode n : Json.array(node, "decoders", at)) list.add(parse(n, where));
                yield sequence(list);
            }
            case "Replace" -> replace(Json.pattern(node, "pattern", at), Json.text(node, "content", at));
            case "ByteFallback" -> byteFallback();
            case "Fuse" -> fuse();
            case "Strip" -> strip(Json.text(node, "content", at), Json.integer(node, "start", 0, at), Json.integer(node, "stop", 0, at));
            case "ByteLevel" -> byteLevel();
            case "Metaspace" -> {
                String rep = Json.optText(node, "replacement", at);
                String scheme = Json.optText(node, "prepend_scheme", at);
                boolean prefix = scheme == null ? Json.bool(node, "add_prefix_space", true, at) : !scheme.equals("never");
                yield metaspace(rep == null ? "▁" : rep, prefix);
            }
            default -> throw new TokenizerException(where + ": unsupported decoder type '" + type + "'");
        };
    }

    static Decoder sequence(List<Decoder> steps) {
        return tokens -> {
            for (Decoder d : steps) tokens = d.apply(tokens);
            return tokens;
        };
    }

    static Decoder replace(Pattern pattern, String content) {
        String quoted = Matcher.quoteReplacement(content);
        return tokens -> tokens.stream().map(t -> pattern.matcher(t).replaceAll(quoted)).toList();
    }

    /** Runs of {@code <0xXX>} tokens become the UTF-8 text of their bytes (one U+FFFD per byte if invalid, as HF). */
    static Decoder byteFallback() {
        return tokens -> {
            List<String> out = new ArrayList<>();
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            for (String t : tokens) {
                int b = Vocab.pieceByte(t);
                if (b >= 0) {
                    bytes.write(b);
                    continue;
                }
                flushBytes(bytes, out);
                out.add(t);
            }
            flushBytes(bytes, out);
            return out;
        };
    }

    private static void flushBytes(ByteArrayOutputStream bytes, List<String> out) {
        if (bytes.size() == 0) return;
        byte[] b = bytes.toByteArray();
        bytes.reset();
        try {
            out.add(StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b)).toString());
        } catch (CharacterCodingException e) {
            out.add("\uFFFD".repeat(b.length));
        }
    }

    static Decoder fuse() {
        return tokens -> List.of(String.join("", tokens));
    }

    /** Removes up to {@code start} leading and {@code stop} trailing {@code content} characters from each token. */
    static Decoder strip(String content, int start, int stop) {
        return tokens -> tokens.stream().map(t -> {
            int a = 0, b = t.length();
            for (int i = 0; i < start && t.startsWith(content, a); i++) a += content.length();
            for (int i = 0; i < stop && b - content.length() >= a && t.startsWith(content, b - content.length()); i++) b -= content.length();
            return t.substring(a, b);
        }).toList();
    }

    /** Byte-level alphabet back to bytes, decoded as UTF-8 (invalid sequences become U+FFFD). */
    static Decoder byteLevel() {
        return tokens -> List.of(new String(ByteLevel.decodeBytes(String.join("", tokens)), StandardCharsets.UTF_8));
    }

    /** Replacement back to spaces; with {@code addPrefixSpace} the first token loses its leading space. */
    static Decoder metaspace(String replacement, boolean addPrefixSpace) {
        return tokens -> {
            List<String> out = new ArrayList<>(tokens.size());
            for (int i = 0; i < tokens.size(); i++) {
                String t = tokens.get(i).replace(replacement, " ");
                if (i == 0 && addPrefixSpace && t.startsWith(" ")) t = t.substring(1);
                out.add(t);
            }
            return out;
        };
    }
}
