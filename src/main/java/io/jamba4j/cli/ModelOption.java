package io.jamba4j.cli;

import io.jamba4j.Jamba;
import io.jamba4j.model.ModelException;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;

/** The {@code --model} option shared by the commands that load a model. */
final class ModelOption {
    @Option(names = {"-m", "--model"}, paramLabel = "MODEL", description = "An HF checkpoint directory or a .gguf file.")
    Path model;

    Jamba load() throws IOException {
        if (model == null) {
            throw new ModelException("no --model given (no default model is bundled yet)");
        }
        return Jamba.load(model);
    }
}
