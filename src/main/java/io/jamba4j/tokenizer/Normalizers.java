package io.jamba4j.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.text.Normalizer.Form;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** HF tokenizer.json normalizers (NFC/NFD/NFKC/NFKD, Lowercase, Strip, StripAccents, Replace, Prepend, Sequence). */
final class Normalizers {
    private Normalizers() {}

    /** Parses a normalizer node; null/JSON null gives null (no normalization). */
    static UnaryOperator<String> parse(JsonNode node, String where) {
        if (node == null || node.isNull()) return null;
        String type = Json.text(node, "type", where + " normalizer");
        String at = where + " normalizer " + type;
        return switch (type) {
            case "NFC" -> s -> java.text.Normalizer.normalize(s, Form.NFC);
            case "NFD" -> s -> java.text.Normalizer.normalize(s, Form.NFD);
            case "NFKC" -> s -> java.text.Normalizer.normalize(s, Form.NFKC);
            case "NFKD" -> s -> java.text.Normalizer.normalize(s, Form.NFKD);
            case "Lowercase" -> s -> s.toLowerCase(Locale.ROOT);
            case "StripAccents" -> s -> s.replaceAll("\\p{Mn}", "");
            case "Strip" -> strip(Json.bool(node, "strip_left", true, at), Json.bool(node, "strip_right", true, at));
            case "Prepend" -> prepend(Json.text(node, "prepend", at));
            case "Replace" -> replace(Json.pattern(node, "pattern", at), Json.text(node, "content", at));
            case "Sequence" -> {
                List<UnaryOperator<String>> list = new ArrayList<>();
                for (JsonNode n : Json.array(node, "normalizers", at)) {
                    UnaryOperator<String> op = parse(n, where);
                    if (op != null) list.add(op);
                }
                yield sequence(list);
            }
            default -> throw new TokenizerException(where + ": unsupported normalizer type '" + type + "'");
        };
    }

    /** HF Prepend: empty strings stay empty. */
    static UnaryOperator<String> prepend(String prefix) {
        return s -> s.isEmpty() ? s : prefix + s;
    }

    static UnaryOperator<String> replace(Pattern pattern, String content) {
        String quoted = Matcher.quoteReplacement(content);
        return s -> pattern.matcher(s).replaceAll(quoted);
    }

    static UnaryOperator<String> sequence(List<UnaryOperator<String>> ops) {
        return s -> {
            for (UnaryOperator<String> op : ops) s = op.apply(s);
            return s;
        };
    }

    private static UnaryOperator<String> strip(boolean left, boolean right) {
        return s -> {
            int a = 0, b = s.length();
            while (left && a < b && Character.isWhitespace(s.codePointAt(a))) a += Character.charCount(s.codePointAt(a));
            while (right && b > a && Character.isWhitespace(s.codePointBefore(b))) b -= Character.charCount(s.codePointBefore(b));
            return s.substring(a, b);
        };
    }
}
