package io.jamba4j.format;

import java.util.AbstractList;
import java.util.List;
import java.util.Objects;
import java.util.RandomAccess;

/**
 * An unmodifiable GGUF metadata array: a {@code List<Object>} of boxed values (Long, Float, Double, Boolean, String,
 * or nested GgufArray) that also remembers the element type it was stored with, so that
 * {@link GgufWriter#put(String, GgufValueType, Object)} can reproduce it exactly, nested arrays included.
 * Equality is ordinary list equality (the element type is not compared).
 */
public final class GgufArray extends AbstractList<Object> implements RandomAccess {
    private final GgufValueType elementType;
    private final Object[] values;

    GgufArray(GgufValueType elementType, Object[] values) {
        this.elementType = Objects.requireNonNull(elementType);
        this.values = values;
    }

    /** An array of {@code elementType}; the values are checked and converted like {@link GgufWriter#putArray}. */
    public static GgufArray of(GgufValueType elementType, List<?> values) {
        return GgufValues.array(elementType, values, "array");
    }

    public GgufValueType elementType() {
        return elementType;
    }

    @Override
    public Object get(int index) {
        return values[index];
    }

    @Override
    public int size() {
        return values.length;
    }
}
