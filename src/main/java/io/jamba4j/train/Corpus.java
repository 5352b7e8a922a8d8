package io.jamba4j.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A text corpus on disk: files (or directories searched recursively, in sorted path order so that every run sees
 * the same order) split into documents. A fortune file (its lines "%" separate the entries) yields one document per
 * entry; any other text file is one document. Files that are not valid UTF-8 are skipped with a warning.
 */
public final class Corpus {
    private final List<Path> files;

    private Corpus(List<Path> files) {
        this.files = files;
    }

    public static Corpus of(List<Path> inputs) {
        List<Path> files = new ArrayList<>();
        for (Path p : inputs) {
            if (!Files.exists(p)) throw new IllegalArgumentException(p + ": no such file or directory");
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.walk(p)) {
                    s.filter(Files::isRegularFile).filter(Corpus::looksLikeText).sorted().forEach(files::add);
                } catch (IOException e) {
                    throw new UncheckedIOException(p + ": cannot list: " + e.getMessage(), e);
                }
            } else {
                files.add(p);
            }
        }
        if (files.isEmpty()) throw new IllegalArgumentException("no text files found in " + inputs);
        return new Corpus(files);
    }

    /** Fortune index files (.dat) and binary leftovers are not text. */
    private static boolean looksLikeText(Path p) {
        String n = p.getFileName().toString();
        return !(n.endsWith(".dat") || n.endsWith(".gz") || n.endsWith(".png") || n.endsWith(".jpg"));
    }

    public List<Path> files() {
        return files;
    }

    /** Calls {@code sink} with every document, in a fixed order. */
    public void forEachDocument(Consumer<String> sink) {
        for (Path f : files) {
            String text;
            try {
                text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(f))).toString();
            } catch (CharacterCodingException e) {
                System.err.println("corpus: skipping " + f + " (not UTF-8)");
                continue;
            } catch (IOException e) {
                throw new UncheckedIOException(f + ": cannot read: " + e.getMessage(), e);
            }
            if (text.contains("\n%\n")) {
                for (String entry : text.split("\n%\n")) {
                    String t = entry.strip();
                    if (!t.isEmpty()) sink.accept(t);
                }
            } else if (!text.isBlank()) {
                sink.accept(text);
            }
        }
    }
}
