package io.jamba4j.cli;

import io.jamba4j.Jamba;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;

/** The {@code --model} option shared by the commands that load a model. */
final class ModelOption {
    @Option(names = {"-m", "--model"}, paramLabel = "MODEL",
            description = "An HF checkpoint directory or a .gguf file (default: the bundled model, " + Jamba.DEFAULT_MODEL_DIR + ").")
    Path model;

    Jamba load() throws IOException {
        return model == null ? Jamba.loadDefault() : Jamba.load(model);
    }
}
