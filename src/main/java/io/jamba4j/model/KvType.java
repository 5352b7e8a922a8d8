package io.jamba4j.model;

import java.util.Locale;

/** Element type of the attention KV cache. */
public enum KvType {
    /** float32: exact; the default. */
    F32(4),
    /** IEEE binary16, rounded to nearest even on store (llama.cpp's default cache type): half the memory. */
    F16(2);

    private final int bytes;

    KvType(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per cached element. */
    public int bytes() {
        return bytes;
    }

    /** "f32" / "f16", any case. */
    public static KvType parse(String s) {
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "f32", "float32", "fp32" -> F32;
            case "f16", "float16", "fp16", "half" -> F16;
            default -> throw new ModelException("unknown KV cache type '" + s + "': use f32 or f16");
        };
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
