package io.jamba4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jamba4j.Jamba;
import io.jamba4j.generate.Session;
import io.jamba4j.train.CrossEntropy;
import io.jamba4j.train.TokenShards;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "eval", description = {
        "Perplexity of a model on text: a data directory from `jamba data prepare` (its validation split, or --split train)",
        "or a plain text file (tokenized with the model's tokenizer). Non-overlapping windows of --context tokens."})
final class EvalCommand implements Callable<Integer> {
    @Mixin
    ModelOption model;
    @Option(names = "--data", required = true, description = "A prepared data directory or a text file.")
    Path data;
    @Option(names = "--split", defaultValue = "val", description = "val or train (data directories).")
    String split;
    @Option(names = "--context", defaultValue = "512", description = "Window length in tokens (default: ${DEFAULT-VALUE}).")
    int context;
    @Option(names = "--max-tokens", defaultValue = "100000", description = "Evaluate at most this many tokens (default: ${DEFAULT-VALUE}).")
    long maxTokens;

    @Override
    public Integer call() throws Exception {
        try (Jamba j = model.load()) {
            int[] tokens;
            if (Files.isDirectory(data)) {
                try (TokenShards s = TokenShards.open(data)) {
                    boolean val = !split.equals("train");
                    long n = Math.min(maxTokens, val ? s.valTokens() : s.trainTokens());
                    tokens = new int[(int) n];
                    for (int i = 0; i < n; i++) tokens[i] = s.token(val, i);
                }
            } else {
                int[] all = j.tokenizer().encode(Files.readString(data), true);
                tokens = java.util.Arrays.copyOf(all, (int) Math.min(maxTokens, all.length));
            }
            int v = j.config().vocabSize;
            double nll = 0;
            long counted = 0;
            for (int start = 0; start + 1 < tokens.length; start += context) {
                int len = Math.min(context + 1, tokens.length - start);
                int[] window = java.util.Arrays.copyOfRange(tokens, start, start + len - 1);
                Session s = j.newSession(window.length);
                float[] logits = s.evaluateAll(window);
                int[] targets = java.util.Arrays.copyOfRange(tokens, start + 1, start + len);
                nll += CrossEntropy.forwardBackward(logits, targets, window.length, v, CrossEntropy.IGNORE_INDEX, null) * window.length;
                counted += window.length;
            }
            double loss = nll / counted;
            ObjectNode o = new ObjectMapper().createObjectNode();
            o.put("model", j.path().toString());
            o.put("data", data.toString());
            o.put("tokens", counted);
            o.put("loss_nats", loss);
            o.put("perplexity", Math.exp(loss));
            System.out.println(o);
        }
        return 0;
    }
}
