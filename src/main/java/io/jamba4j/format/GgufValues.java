package io.jamba4j.format;

import java.util.List;

/** Checking and converting Java values to the canonical boxed form of a GGUF value type (used by the writer). */
final class GgufValues {
    private GgufValues() {}

    /**
     * {@code value} as the canonical boxed value of {@code type}: integers -> Long (range-checked; UINT64 takes any
     * long as the raw 64-bit pattern), FLOAT32 -> Float, FLOAT64 -> Double, BOOL -> Boolean, STRING -> String,
     * ARRAY -> GgufArray (a GgufArray keeps its element type; for another List the type is inferred, see
     * {@link #inferElementType}).
     */
    static Object normalize(GgufValueType type, Object value, String what) {
        if (type == null) throw new IllegalArgumentException(what + ": null type");
        if (value == null) throw new IllegalArgumentException(what + ": null value");
        switch (type) {
            case UINT8: return integer(value, 0, 0xFF, type, what);
            case INT8: return integer(value, Byte.MIN_VALUE, Byte.MAX_VALUE, type, what);
            case UINT16: return integer(value, 0, 0xFFFF, type, what);
            case INT16: return integer(value, Short.MIN_VALUE, Short.MAX_VALUE, type, what);
            case UINT32: return integer(value, 0, 0xFFFF_FFFFL, type, what);
            case INT32: return integer(value, Integer.MIN_VALUE, Integer.MAX_VALUE, type, what);
            case UINT64, INT64: return integer(value, Long.MIN_VALUE, Long.MAX_VALUE, type, what);
            case FLOAT32:
                if (value instanceof Float f) return f;
                if (value instanceof Number n) return n.floatValue();
                break;
            case FLOAT64:
                if (value instanceof Number n) return n.doubleValue();
                break;
            case BOOL:
                if (value instanceof Boolean b) return b;
                break;
            case STRING:
                if (value instanceof String s) return s;
                break;
            case ARRAY:
                if (value instanceof GgufArray a) return array(a.elementType(), a, what);
                if (value instanceof List<?> l) return array(inferElementType(l, what), l, what);
                break;
        }
        throw new IllegalArgumentException(what + ": a " + value.getClass().getSimpleName() + " cannot be stored as " + type);
    }

    static GgufArray array(GgufValueType elementType, List<?> values, String what) {
        if (elementType == null) throw new IllegalArgumentException(what + ": null element type");
        if (values == null) throw new IllegalArgumentException(what + ": null list");
        Object[] out = new Object[values.size()];
        for (int i = 0; i < out.length; i++) out[i] = normalize(elementType, values.get(i), what + "[" + i + "]");
        return new GgufArray(elementType, out);
    }

    /**
     * Element type for a plain list: String -> STRING, Float -> FLOAT32, Double -> FLOAT64, Boolean -> BOOL,
     * List -> ARRAY, integers -> INT32 when all fit, else INT64 (gguf-py types Python int lists as INT32). An
     * empty list is typed INT32. Mixed element classes are an error.
     */
    static GgufValueType inferElementType(List<?> values, String what) {
        GgufValueType t = null;
        boolean needs64 = false;
        for (Object v : values) {
            GgufValueType vt;
            if (v instanceof String) vt = GgufValueType.STRING;
            else if (v instanceof Float) vt = GgufValueType.FLOAT32;
            else if (v instanceof Double) vt = GgufValueType.FLOAT64;
            else if (v instanceof Boolean) vt = GgufValueType.BOOL;
            else if (v instanceof List<?>) vt = GgufValueType.ARRAY;
            else if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
                vt = GgufValueType.INT32;
                long x = ((Number) v).longValue();
                if (x != (int) x) needs64 = true;
            } else {
                throw new IllegalArgumentException(what + ": cannot store a " + (v == null ? "null" : v.getClass().getSimpleName()) + " in a GGUF array");
            }
            if (t != null && t != vt) throw new IllegalArgumentException(what + ": array mixes " + t + " and " + vt + " elements");
            t = vt;
        }
        if (t == null) return GgufValueType.INT32;
        return t == GgufValueType.INT32 && needs64 ? GgufValueType.INT64 : t;
    }

    private static Long integer(Object value, long min, long max, GgufValueType type, String what) {
        if (!(value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte)) {
            throw new IllegalArgumentException(what + ": a " + value.getClass().getSimpleName() + " cannot be stored as " + type);
        }
        long v = ((Number) value).longValue();
        if (v < min || v > max) throw new IllegalArgumentException(what + ": " + v + " is out of range for " + type);
        return v;
    }
}
