package io.jamba4j;

import io.jamba4j.format.Residency;
import io.jamba4j.generate.Session;
import io.jamba4j.model.JambaConfig;
import io.jamba4j.model.JambaModel;
import io.jamba4j.model.KvType;
import io.jamba4j.model.ModelException;
import io.jamba4j.model.ModelLoader;
import io.jamba4j.tokenizer.Tokenizer;
import io.jamba4j.tokenizer.Tokenizers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A Jamba model ready to use: weights, tokenizer and the end-of-sequence ids, loaded from an HF checkpoint directory
 * or a GGUF file. The entry point of the library API:
 * <pre>{@code
 * try (Jamba jamba = Jamba.load(Path.of("model.gguf"))) {
 *     Session session = jamba.newSession(2048);
 *     GenerationResult r = session.generate("The sea", SamplingParams.greedy(32), (id, text) -> System.out.print(text));
 * }
 * }</pre>
 * Thread-safety: the model is immutable and may be shared; each {@link Session} belongs to one thread.
 */
public final class Jamba implements AutoCloseable {
    private final ModelLoader.Checkpoint checkpoint;
    private final JambaModel model;
    private final Tokenizer tokenizer;
    private final int[] eosIds;

    private Jamba(ModelLoader.Checkpoint checkpoint, JambaModel model, Tokenizer tokenizer, int[] eosIds) {
        this.checkpoint = checkpoint;
        this.model = model;
        this.tokenizer = tokenizer;
        this.eosIds = eosIds;
    }

    /** Where the bundled default model lives, relative to the jamba4j home (the repository root). */
    public static final String DEFAULT_MODEL_DIR = "models/default";

    /**
     * The bundled default model's directory: {@code $jamba4j.home/models/default} when the system property
     * {@code jamba4j.home} is set (the {@code ./jamba} launcher sets it), else found from the location of jamba4j's
     * jar or classes ({@code target/...} in the repository). Null when neither exists.
     */
    public static Path defaultModelPath() {
        List<Path> candidates = new ArrayList<>();
        String home = System.getProperty("jamba4j.home");
        if (home != null && !home.isBlank()) candidates.add(Path.of(home).resolve(DEFAULT_MODEL_DIR));
        try {
            var src = Jamba.class.getProtectionDomain().getCodeSource();
            if (src != null) {
                // .../target/jamba4j-cli.jar or .../target/classes → the repository root two levels up
                Path p = Path.of(src.getLocation().toURI()).toAbsolutePath();
                for (Path q = p.getParent(); q != null; q = q.getParent()) {
                    candidates.add(q.resolve(DEFAULT_MODEL_DIR));
                    if (q.getFileName() != null && q.getFileName().toString().equals("target")) {
                        if (q.getParent() != null) candidates.add(q.getParent().resolve(DEFAULT_MODEL_DIR));
                        break;
                    }
                }
            }
        } catch (Exception e) {
            // no usable code source (e.g. a custom class loader): only the property applies
        }
        for (Path c : candidates) if (Files.isRegularFile(c.resolve("config.json"))) return c;
        return null;
    }

    /** Loads the bundled default model ({@link #defaultModelPath()}), or explains where it was looked for. */
    public static Jamba loadDefault() throws IOException {
        return loadDefault(Residency.AUTO);
    }

    /** {@link #loadDefault()} with the model's file mapped or read into memory. */
    public static Jamba loadDefault(Residency residency) throws IOException {
        Path p = defaultModelPath();
        if (p == null) {
            throw new ModelException("the bundled default model (" + DEFAULT_MODEL_DIR + " in the jamba4j repository) was not found; "
                    + "run from the repository (./jamba sets -Djamba4j.home) or pass a model path");
        }
        return load(p, residency);
    }

    /**
     * Loads a checkpoint: a directory with config.json + safetensors (+ tokenizer.json), or a .gguf file; its files
     * are read into memory when they take at most half of the available memory, else mapped ({@link Residency#AUTO}).
     */
    public static Jamba load(Path path) throws IOException {
        return load(path, Residency.AUTO);
    }

    /** Loads a checkpoint with its files mapped or read into memory ({@link Residency}). */
    public static Jamba load(Path path, Residency residency) throws IOException {
        ModelLoader.Checkpoint ckpt = ModelLoader.open(path, residency);
        try {
            JambaModel model = ModelLoader.build(ckpt);
            Tokenizer tok = null;
            if (ckpt.isGguf()) {
                if (ckpt.gguf().has("tokenizer.ggml.tokens")) tok = Tokenizers.fromGgufMetadata(ckpt.gguf().metadata());
            } else if (Files.isRegularFile(path.resolve("tokenizer.json"))) {
                tok = Tokenizers.fromHf(path);
            }
            if (tok != null && tok.vocabSize() > model.vocabSize()) {
                throw new ModelException(path + ": the tokenizer has " + tok.vocabSize() + " tokens but the model's vocabulary is " + model.vocabSize());
            }
            Set<Integer> eos = new LinkedHashSet<>(ckpt.config().eosTokenIds);
            if (tok != null) tok.eosId().ifPresent(eos::add);
            eos.addAll(generationConfigEos(path));
            return new Jamba(ckpt, model, tok, eos.stream().mapToInt(Integer::intValue).toArray());
        } catch (RuntimeException e) {
            ckpt.close();
            throw e;
        }
    }

    private static List<Integer> generationConfigEos(Path path) {
        Path gc = path.resolve("generation_config.json");
        List<Integer> out = new ArrayList<>();
        if (!Files.isDirectory(path) || !Files.isRegularFile(gc)) return out;
        try {
            var node = new com.fasterxml.jackson.databind.ObjectMapper().readTree(gc.toFile()).path("eos_token_id");
            if (node.isArray()) node.forEach(n -> out.add(n.asInt()));
            else if (node.isInt()) out.add(node.asInt());
        } catch (IOException e) {
            throw new ModelException(gc + ": cannot read: " + e.getMessage(), e);
        }
        return out;
    }

    public JambaConfig config() { return model.config(); }
    public JambaModel model() { return model; }
    public Path path() { return checkpoint.path(); }
    public boolean isGguf() { return checkpoint.isGguf(); }
    public ModelLoader.Checkpoint checkpoint() { return checkpoint; }

    /** The tokenizer; throws when the checkpoint ships none. */
    public Tokenizer tokenizer() {
        if (tokenizer == null) throw new ModelException(checkpoint.path() + ": the checkpoint has no tokenizer (tokenizer.json / tokenizer.ggml.* keys)");
        return tokenizer;
    }

    public boolean hasTokenizer() {
        return tokenizer != null;
    }

    /** Ids that end generation (config, tokenizer and generation_config.json combined). */
    public int[] eosIds() {
        return eosIds.clone();
    }

    /** A generation session with room for {@code contextSize} tokens (prompt + generated). */
    public Session newSession(int contextSize) {
        return new Session(model, tokenizer, contextSize, eosIds);
    }

    /** A generation session with room for {@code contextSize} tokens whose KV cache stores {@code kvType} elements. */
    public Session newSession(int contextSize, KvType kvType) {
        return new Session(model, tokenizer, contextSize, eosIds, kvType);
    }

    @Override
    public void close() {
        checkpoint.close();
    }
}
