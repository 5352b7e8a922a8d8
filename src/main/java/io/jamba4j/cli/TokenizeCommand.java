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

    @Option(names = "--text", required = true, description = "The text to tokenize.")
    String text;

    @Option(names = "--add-special", description = "Add BOS/EOS as the tokenizer is configured.")
    boolean addSpecial;

    @Override
    public Integer call() throws Exception {
        int[] ids;
        if (source.tokenizer != null) {
            ids = encode(Tokenizers.fromHf(source.tokenizer));
        } else {
            try (Jamba j = Jamba.load(source.model)) {
                ids = encode(j.tokenizer());
            }
        }
        System.out.println(Arrays.stream(ids).mapToObj(Integer::toString).collect(Collectors.joining(", ", "[", "]")));
        return 0;
    }

    private int[] encode(Tokenizer t) {
        return t.encode(text, addSpecial);
    }
}
