package io.jamba4j.cli;

import io.jamba4j.Jamba;
import io.jamba4j.generate.GenerationResult;
import io.jamba4j.generate.SamplingParams;
import io.jamba4j.generate.Session;
import io.jamba4j.model.ModelException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.util.concurrent.Callable;

@Command(name = "generate", description = "Generate text from a prompt, streaming it, then print a one-line summary.")
final class GenerateCommand implements Callable<Integer> {
    @ParentCommand
    Main main;
    @Mixin
    ModelOption model;
    @Mixin
    SamplingOptions sampling;

    @Option(names = {"-p", "--prompt"}, required = true, description = "The prompt text.")
    String prompt;

    @Option(names = {"-c", "--context"}, description = "Context size in tokens (default: prompt + max tokens, at most the model's max_position_embeddings).")
    Integer context;

    @Mixin
    KvTypeOption kv;

    @Override
    public Integer call() throws Exception {
        var simd = Main.simdCheck(main.noSimdCheck);
        SamplingParams params = sampling.toParams();
        try (Jamba j = model.load()) {
            simd.join();
            int[] ids = j.tokenizer().encode(prompt, true);
            if (ids.length == 0) throw new ModelException("the prompt is empty and the tokenizer adds no BOS token");
            int ctx = context != null ? context : (int) Math.min((long) ids.length + params.maxTokens(), j.config().maxPositionEmbeddings);
            Session s = j.newSession(Math.max(1, ctx), kv.type);
            System.out.print(prompt);
            System.out.flush();
            GenerationResult r = s.generate(ids, params, (id, text) -> {
                System.out.print(text);
                System.out.flush();
            });
            System.out.println();
            System.err.printf("[prompt %d tokens, prefill %.1f tok/s | generated %d tokens, decode %.1f tok/s | stop: %s]%n",
                    r.promptTokens(), r.prefillTokensPerSecond(), r.generatedTokens(), r.decodeTokensPerSecond(),
                    r.stopReason().name().toLowerCase());
        }
        return 0;
    }
}
