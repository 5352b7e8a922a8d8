package io.jamba4j.tokenizer;

import java.util.Arrays;
import java.util.function.Function;

/**
 * Incremental detokenizer for generated ids: {@link #next(int)} returns the new text each id
 * adds, never half of a character (byte pieces such as {@code <0xE2>} are held back until the
 * UTF-8 sequence is complete); {@link #flush()} returns what is left at the end.
 *
 * <p>Works like HF {@code DecodeStream}: the text of a small window of previous ids is decoded
 * with and without the new id and the difference is returned, so decoder steps that look at the
 * start of the text (strip of the leading space) behave as in a full decode. Not thread-safe.
 */
public final class StreamingDecoder {
    private final Function<int[], String> decode;
    private int[] ids = new int[16];
    private int size;
    /** Start of the context window, whose text is already emitted. */
    private int prefixOffset;
    /** End of the emitted ids. */
    private int readOffset;

    StreamingDecoder(Function<int[], String> decode) {
        this.decode = decode;
    }

    /**
     * Feeds one id.
     *
     * @return the text it completes; empty while a character is still incomplete
     */
    public String next(int id) {
        if (size == ids.length) ids = Arrays.copyOf(ids, size * 2);
        ids[size++] = id;
        String prefix = decode.apply(Arrays.copyOfRange(ids, prefixOffset, readOffset));
        String full = decode.apply(Arrays.copyOfRange(ids, prefixOffset, size));
        // U+FFFD at the end means an incomplete UTF-8 sequence: wait for more bytes
        if (full.length() <= prefix.length() || full.endsWith("\uFFFD")) return "";
        String out = full.substring(prefix.length());
        prefixOffset = readOffset;
        readOffset = size;
        compact();
        return out;
    }

    /** Returns the text still held back (an incomplete character decodes to U+FFFD) and resets. */
    public String flush() {
        String prefix = decode.apply(Arrays.copyOfRange(ids, prefixOffset, readOffset));
        String full = decode.apply(Arrays.copyOfRange(ids, prefixOffset, size));
        size = prefixOffset = readOffset = 0;
        return full.length() > prefix.length() ? full.substring(prefix.length()) : "";
    }

    /** Drops ids before the window so memory stays bounded during long generations. */
    private void compact() {
        if (prefixOffset > 64) {
            System.arraycopy(ids, prefixOffset, ids, 0, size - prefixOffset);
            size -= prefixOffset;
            readOffset -= prefixOffset;
            prefixOffset = 0;
        }
    }
}
