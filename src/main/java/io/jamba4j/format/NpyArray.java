package io.jamba4j.format;

import java.util.Arrays;

/** A float32 array read from a .npy file: its shape (C order) and its values, row-major. */
public record NpyArray(int[] shape, float[] data) {
    /** Size of the first dimension (1 for a 0-d array). */
    public int rows() {
        return shape.length == 0 ? 1 : shape[0];
    }

    /** Product of every dimension but the first (1 for 0-d and 1-d arrays). */
    public int cols() {
        int c = 1;
        for (int i = 1; i < shape.length; i++) c *= shape[i];
        return shape.length == 0 ? 1 : c;
    }

    /** Row {@code r} (a copy of {@link #cols()} values). */
    public float[] row(int r) {
        int c = cols();
        return Arrays.copyOfRange(data, r * c, r * c + c);
    }

    @Override
    public String toString() {
        return "NpyArray" + Arrays.toString(shape);
    }
}
