package io.jamba4j.cli;

import io.jamba4j.tokenizer.BpeTrainer;
import io.jamba4j.tokenizer.ByteFallbackBpe;
import io.jamba4j.tokenizer.Tokenizers;
import io.jamba4j.train.Corpus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "tokenizer", description = "Tokenizer tools.", subcommands = TokenizerCommand.Train.class)
final class TokenizerCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    @Command(name = "train", description = {
            "Train a byte-fallback BPE tokenizer in the SentencePiece style (spaces as ▁, no dummy prefix, digits split)",
            "on text files or directories, and write it as HF tokenizer.json + tokenizer_config.json."})
    static final class Train implements Callable<Integer> {
        @Parameters(paramLabel = "INPUT", arity = "1..*", description = "Text files or directories (read recursively).")
        List<Path> inputs;
        @Option(names = "--vocab-size", description = "Vocabulary size (default: ${DEFAULT-VALUE}).", defaultValue = "8192")
        int vocabSize;
        @Option(names = "--coverage", description = "Character coverage of the alphabet (default: ${DEFAULT-VALUE}).", defaultValue = "0.9995")
        double coverage;
        @Option(names = "--out", required = true, description = "Output directory.")
        Path out;

        @Override
        public Integer call() throws Exception {
            long t0 = System.nanoTime();
            BpeTrainer trainer = new BpeTrainer(vocabSize, coverage);
            Corpus.of(inputs).forEachDocument(trainer::add);
            ByteFallbackBpe vocab = trainer.train();
            vocab.write(out);
            int n = Tokenizers.fromHf(out).vocabSize();
            System.err.printf("wrote %s: %d pieces, %d merges, %.1f s%n", out, n, vocab.merges().size(), (System.nanoTime() - t0) / 1e9);
            return 0;
        }
    }
}
