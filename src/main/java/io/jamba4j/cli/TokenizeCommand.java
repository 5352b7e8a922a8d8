package io.jamba4j.cli;

import io.jamba4j.Jamba;
import io.jamba4j.tokenizer.Tokenizer;
import io.jamba4j.tokenizer.Tokenizers;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

@Command(name = "tokenize", description = "Print the token ids of a text as a JSON array (no BOS/EOS added).")
final class TokenizeCommand implements Callable<Integer> {
    static final class Source {
        @Option(names = {"-m", "--model"}, paramLabel = "MODEL", description = "Use the tokenizer of this model (HF directory or .gguf).")
        Path model;
        @Option(names = "--tokenizer", paramLabel = "FILE|DIR", description = "A tokenizer.json or a directory holding one.")
        Path tokenizer;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    static final class Input {
        @Option(names = "--text", description = "The text to tokenize.")
        String text;
        @Option(names = "--texts-file", description = "A JSON array of texts; prints a JSON array of id arrays.")
        Path textsFile;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    @Option(names = "--add-special", description = "Add BOS/EOS as the tokenizer is configured.")
    boolean addSpecial;

    @Override
    public Integer call() throws Exception {
        if (source.tokenizer != null) {
            print(Tokenizers.fromHf(source.tokenizer));
        } else {
            try (Jamba j = Jamba.load(source.model, io.jamba4j.format.Residency.MAPPED)) { // the tokenizer only
                print(j.tokenizer());
            }
        }
        return 0;
    }

    private void print(Tokenizer t) throws java.io.IOException {
        if (input.text != null) {
            System.out.println(json(t.encode(input.text, addSpecial)));
            return;
        }
        var texts = new com.fasterxml.jackson.databind.ObjectMapper().readTree(input.textsFile.toFile());
        if (texts == null || !texts.isArray()) throw new IllegalArgumentException(input.textsFile + ": expected a JSON array of strings");
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < texts.size(); i++) {
            if (!texts.get(i).isTextual()) throw new IllegalArgumentException(input.textsFile + ": entry " + i + " is not a string");
            sb.append(i == 0 ? "" : ",\n ").append(json(t.encode(texts.get(i).asText(), addSpecial)));
        }
        System.out.println(sb.append("]"));
    }

    private static String json(int[] ids) {
        return Arrays.stream(ids).mapToObj(Integer::toString).collect(Collectors.joining(", ", "[", "]"));
    }
}
