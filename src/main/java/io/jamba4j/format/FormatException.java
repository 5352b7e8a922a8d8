package io.jamba4j.format;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A model, tensor or array file is malformed or uses something this package does not support. The message always
 * starts with the file (as given by the caller) and says what is wrong, naming the tensor or metadata key when one
 * is involved, e.g. {@code "m.gguf: tensor 'blk.0.ssm_in.weight': data [x, y) extends beyond the end of the file (z bytes)"}.
 */
public class FormatException extends IOException {
    private final transient Path file;

    /** {@code file + ": " + problem}. */
    public FormatException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    public FormatException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    /** The file the problem is in (null when none was given). */
    public Path file() {
        return file;
    }
}
