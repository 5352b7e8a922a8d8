package io.jamba4j.cli;

import io.jamba4j.format.FormatException;
import io.jamba4j.kernels.SimdCheck;
import io.jamba4j.model.ModelException;
import io.jamba4j.tokenizer.TokenizerException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** The {@code jamba} command line. */
@Command(name = "jamba", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Jamba hybrid Transformer-Mamba language models in pure Java.",
        subcommands = {InfoCommand.class, TokenizeCommand.class, GenerateCommand.class, LogitsCommand.class, ConvertCommand.class, InitCommand.class, BenchCommand.class, TrainBenchCommand.class, BenchReportCommand.class, TokenizerCommand.class, DataCommand.class, TrainCommand.class, EvalCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @Option(names = "--threads", description = "Worker threads for the kernels (default: all cores).", scope = CommandLine.ScopeType.INHERIT)
    void threads(int n) {
        if (n < 1) throw new CommandLine.ParameterException(new CommandLine(this), "--threads must be at least 1");
        System.setProperty("jamba4j.threads", Integer.toString(n));
    }

    @Option(names = "--no-simd-check", description = "Skip the start-up check that the Vector API runs as SIMD.", scope = CommandLine.ScopeType.INHERIT)
    boolean noSimdCheck;

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    /** Starts the SIMD probe in the background (it takes ~0.5 s); the returned task prints a warning if it fails. */
    static java.util.concurrent.CompletableFuture<Void> simdCheck(boolean skip) {
        if (skip || Boolean.getBoolean("jamba4j.noSimdCheck")) return java.util.concurrent.CompletableFuture.completedFuture(null);
        return java.util.concurrent.CompletableFuture.runAsync(Main::reportSimd, r -> {
            Thread t = new Thread(r, "jamba4j-simd-check");
            t.setDaemon(true);
            t.start();
        });
    }

    private static void reportSimd() {
        SimdCheck.Result r = SimdCheck.run();
        if (!r.ok()) {
            System.err.println("WARNING ***************************************************************");
            System.err.println("WARNING jamba4j will be very slow: " + r.message());
            System.err.println("WARNING run on a JDK >= 25 with C2 enabled and --add-modules jdk.incubator.vector");
            System.err.println("WARNING ***************************************************************");
        }
    }

    public static void main(String[] args) {
        System.setOut(new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, StandardCharsets.UTF_8));
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code: 0 success, 2 a reported error (bad input), 1 a bug. */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, line, parsed) -> {
            if (ex instanceof ModelException || ex instanceof FormatException || ex instanceof TokenizerException
                    || ex instanceof IOException || ex instanceof IllegalArgumentException) {
                System.err.println("jamba: error: " + ex.getMessage());
                return 2;
            }
            throw ex;
        });
        return cl.execute(args);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[]{"jamba4j " + (v == null ? "dev" : v) + " on Java " + Runtime.version()};
        }
    }
}
