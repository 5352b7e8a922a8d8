package io.jamba4j.format;

import java.util.Arrays;

/** An int32 array read from a .npy file: its shape (C order) and its values, row-major. */
public record NpyIntArray(int[] shape, int[] data) {
    @Override
    public String toString() {
        return "NpyIntArray" + Arrays.toString(shape);
    }
}
