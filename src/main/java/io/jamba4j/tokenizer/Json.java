package io.jamba4j.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;

/** Small helpers for reading tokenizer.json fields with errors that name the file and field. */
final class Json {
    private Json() {}

    /** A required string field. */
    static String text(JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        if (v == null || !v.isTextual()) throw bad(where, field, "must be a string", v);
        return v.asText();
    }

    /** An optional string field (null when absent or JSON null). */
    static String optText(JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isTextual()) throw bad(where, field, "must be a string", v);
        return v.asText();
    }

    static boolean bool(JsonNode node, String field, boolean dflt, String where) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) return dflt;
        if (!v.isBoolean()) throw bad(where, field, "must be a boolean", v);
        return v.booleanValue();
    }

    static int integer(JsonNode node, String field, int dflt, String where) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) return dflt;
        if (!v.canConvertToInt()) throw bad(where, field, "must be an integer", v);
        return v.intValue();
    }

    static JsonNode array(JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        if (v == null || !v.isArray()) throw bad(where, field, "must be an array", v);
        return v;
    }

    static TokenizerException bad(String where, String field, String what, JsonNode v) {
        String got = v == null ? "missing" : "got " + abbreviate(v.toString());
        return new TokenizerException(where + ": field '" + field + "' " + what + " (" + got + ")");
    }

    private static String abbreviate(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }

    /** The string pattern of a {"String": ...} / {"Regex": ...} pattern object, as a Java regex. */
    static java.util.regex.Pattern pattern(JsonNode node, String field, String where) {
        JsonNode p = node.get(field);
        if (p != null && p.has("String")) return java.util.regex.Pattern.compile(java.util.regex.Pattern.quote(p.get("String").asText()));
        if (p != null && p.has("Regex")) return Regexes.compile(p.get("Regex").asText(), where + " " + field);
        throw bad(where, field, "must be {\"String\": ...} or {\"Regex\": ...}", p);
    }
}
