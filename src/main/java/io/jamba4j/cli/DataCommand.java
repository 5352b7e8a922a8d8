package io.jamba4j.cli;

import io.jamba4j.tokenizer.Tokenizers;
import io.jamba4j.train.Corpus;
import io.jamba4j.train.TokenShards;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "data", description = "Training data tools.", subcommands = DataCommand.Prepare.class)
final class DataCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    @Command(name = "prepare", description = {
            "Tokenize a corpus into binary token shards (train.bin, val.bin, meta.json) with a held-out validation split."})
    static final class Prepare implements Callable<Integer> {
        @Parameters(paramLabel = "INPUT", arity = "1..*", description = "Text files or directories (read recursively).")
        List<Path> inputs;
        @Option(names = "--tokenizer", required = true, description = "A tokenizer.json or a directory holding one.")
        Path tokenizer;
        @Option(names = "--val-fraction", description = "Fraction of documents held out (default: ${DEFAULT-VALUE}).", defaultValue = "0.02")
        double valFraction;
        @Option(names = "--out", required = true, description = "Output directory.")
        Path out;

        @Override
        public Integer call() throws Exception {
            var meta = TokenShards.prepare(Corpus.of(inputs), Tokenizers.fromHf(tokenizer), valFraction, out);
            System.out.println(meta.toPrettyString());
            return 0;
        }
    }
}
