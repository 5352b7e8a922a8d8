package io.jamba4j.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jamba4j.tokenizer.Tokenizer;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;

/**
 * A tokenized corpus: {@code train.bin} and {@code val.bin} hold the token ids of every document ({@code BOS text EOS})
 * back to back as little-endian uint16 (vocabularies up to 65,536) or int32, and {@code meta.json} says which, with
 * counts and the unigram entropy of the training tokens (the loss a model that ignores context would reach). Documents
 * go to the validation split by a hash of their text, so the split does not depend on corpus order.
 */
public final class TokenShards implements AutoCloseable {
    private final Arena arena = Arena.ofShared();
    private final MemorySegment train;
    private final MemorySegment val;
    private final boolean int32;
    private final int vocabSize;

    private TokenShards(Path dir) throws IOException {
        ObjectNode meta = (ObjectNode) new ObjectMapper().readTree(dir.resolve("meta.json").toFile());
        int32 = meta.path("dtype").asText().equals("int32");
        vocabSize = meta.path("vocab_size").asInt();
        train = map(dir.resolve("train.bin"));
        val = map(dir.resolve("val.bin"));
    }

    public static TokenShards open(Path dir) throws IOException {
        if (!Files.isRegularFile(dir.resolve("meta.json"))) throw new IOException(dir + ": not a prepared data directory (no meta.json)");
        return new TokenShards(dir);
    }

    private MemorySegment map(Path f) throws IOException {
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            return ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
        }
    }

    public int vocabSize() { return vocabSize; }
    public long trainTokens() { return train.byteSize() / (int32 ? 4 : 2); }
    public long valTokens() { return val.byteSize() / (int32 ? 4 : 2); }

    /** Token {@code i} of the training ({@code validation == false}) or validation split. */
    public int token(boolean validation, long i) {
        MemorySegment s = validation ? val : train;
        return int32 ? s.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 4 * i)
                : Short.toUnsignedInt(s.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 2 * i));
    }

    /** A window of {@code len} consecutive tokens starting at a uniformly random position. */
    public int[] randomWindow(boolean validation, int len, SplittableRandom rng) {
        long n = validation ? valTokens() : trainTokens();
        if (n < len) throw new IllegalArgumentException("the " + (validation ? "validation" : "training") + " split has " + n + " tokens, fewer than a window of " + len);
        long start = rng.nextLong(n - len + 1);
        int[] w = new int[len];
        for (int i = 0; i < len; i++) w[i] = token(validation, start + i);
        return w;
    }

    @Override
    public void close() {
        arena.close();
    }

    /** Tokenizes {@code corpus} into {@code out}/{train,val}.bin + meta.json (files written atomically). */
    public static ObjectNode prepare(Corpus corpus, Tokenizer tok, double valFraction, Path out) throws IOException {
        if (!(valFraction >= 0 && valFraction < 1)) throw new IllegalArgumentException("validation fraction must be in [0, 1), got " + valFraction);
        Files.createDirectories(out);
        int v = tok.vocabSize();
        boolean int32 = v > 65536;
        int bos = tok.bosId().orElse(-1), eos = tok.eosId().orElse(-1);
        Path trainTmp = out.resolve("train.bin.tmp"), valTmp = out.resolve("val.bin.tmp");
        long[] counts = new long[v];
        long[] tokens = new long[2];
        int[] docs = new int[2];
        try (OutputStream tr = new BufferedOutputStream(Files.newOutputStream(trainTmp), 1 << 20);
             OutputStream va = new BufferedOutputStream(Files.newOutputStream(valTmp), 1 << 20)) {
            corpus.forEachDocument(text -> {
                boolean isVal = Math.floorMod(text.hashCode() * 0x9E3779B1, 1_000_000) < valFraction * 1_000_000;
                int[] ids = tok.encode(text);
                OutputStream o = isVal ? va : tr;
                try {
                    if (bos >= 0) write(o, bos, int32);
                    for (int id : ids) write(o, id, int32);
                    if (eos >= 0) write(o, eos, int32);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                int k = isVal ? 1 : 0;
                tokens[k] += ids.length + (bos >= 0 ? 1 : 0) + (eos >= 0 ? 1 : 0);
                docs[k]++;
                if (!isVal) for (int id : ids) counts[id]++;
            });
        }
        double entropy = 0;
        long n = 0;
        for (long c : counts) n += c;
        for (long c : counts) if (c > 0) entropy -= (double) c / n * Math.log((double) c / n);
        Files.move(trainTmp, out.resolve("train.bin"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        Files.move(valTmp, out.resolve("val.bin"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        ObjectNode meta = new ObjectMapper().createObjectNode();
        meta.put("vocab_size", v);
        meta.put("dtype", int32 ? "int32" : "uint16");
        meta.put("train_tokens", tokens[0]);
        meta.put("val_tokens", tokens[1]);
        meta.put("train_documents", docs[0]);
        meta.put("val_documents", docs[1]);
        meta.put("val_fraction", valFraction);
        meta.put("unigram_entropy_nats", entropy);
        meta.put("files", corpus.files().size());
        Path metaTmp = out.resolve("meta.json.tmp");
        Files.writeString(metaTmp, meta.toPrettyString());
        Files.move(metaTmp, out.resolve("meta.json"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return meta;
    }

    private static void write(OutputStream o, int id, boolean int32) throws IOException {
        o.write(id & 0xFF);
        o.write((id >>> 8) & 0xFF);
        if (int32) {
            o.write((id >>> 16) & 0xFF);
            o.write((id >>> 24) & 0xFF);
        }
    }
}
