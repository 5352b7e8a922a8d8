package io.jamba4j.cli;

import io.jamba4j.Jamba;
import io.jamba4j.format.Residency;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;

/** The {@code --model} option shared by the commands that load a model. */
final class ModelOption {
    @Option(names = {"-m", "--model"}, paramLabel = "MODEL",
            description = "An HF checkpoint directory or a .gguf file (default: the bundled model, " + Jamba.DEFAULT_MODEL_DIR + ").")
    Path model;

    @Option(names = "--mmap", negatable = true,
            description = {"Map the model's files (--mmap) or read them into memory (--no-mmap). Default: read them when they take",
                    "at most half of the available memory, else map them. Reading costs a pass over the file at start;",
                    "mapped weights can stream much slower (see docs/bench/README.md), but a model larger than RAM runs mapped."})
    Boolean mmap;

    Jamba load() throws IOException {
        return load(Residency.AUTO);
    }

    /** Loads the model, mapped or read into memory as --[no-]mmap says, else as {@code unset}. */
    Jamba load(Residency unset) throws IOException {
        Residency r = mmap == null ? unset : mmap ? Residency.MAPPED : Residency.MEMORY;
        return model == null ? Jamba.loadDefault(r) : Jamba.load(model, r);
    }
}
