package io.jamba4j.format;

import io.jamba4j.kernels.Parallel;
import io.jamba4j.tensor.AnonymousMemory;
import io.jamba4j.tensor.Tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;

/** Shared low-level helpers: little-endian layouts, mapping, strict UTF-8, atomic streamed writes. */
final class Io {
    private Io() {}

    static final ValueLayout.OfByte U8 = ValueLayout.JAVA_BYTE;
    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Maps the whole file read-only into {@code arena} as one segment (no 2 GiB limit); the channel is closed again. */
    static MemorySegment mapReadOnly(Path file, Arena arena) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size == 0) return MemorySegment.ofArray(new byte[0]);
            return ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
        }
    }

    /** Builds an opened file from its bytes; the result owns {@code arena} and closes it when it is closed. */
    interface Parser<T> {
        T parse(Arena arena, MemorySegment bytes, Residency residency) throws IOException;
    }

    /**
     * Opens {@code file} mapped or read into memory ({@code residency}; AUTO decided by its size) and builds it with
     * {@code parser} in a new shared arena, closed again if parsing fails. To read it into memory, the file is first
     * parsed from a temporary mapping to learn where its tensors ({@code tensorsOf}) lie, so that the copy starts
     * where most of their bytes fall on {@link #WEIGHT_ALIGNMENT} boundaries ({@link #alignmentLead}); that parses
     * the header twice (tens of milliseconds for a 32K-token vocabulary, beside 0.4–3 s to read 3 GB).
     */
    static <T> T open(Path file, Residency residency, Parser<T> parser, Function<T, Iterable<Tensor>> tensorsOf)
            throws IOException {
        Residency r = residency.resolve(List.of(file));
        long lead = 0;
        if (r == Residency.MEMORY) {
            try (Arena header = Arena.ofConfined()) {
                lead = alignmentLead(tensorsOf.apply(parser.parse(header, mapReadOnly(file, header), Residency.MAPPED)));
            }
        }
        Arena arena = Arena.ofShared();
        try {
            MemorySegment bytes = switch (r) {
                case MAPPED -> mapReadOnly(file, arena);
                case MEMORY -> readIntoMemory(file, arena, lead);
                case AUTO -> throw new AssertionError("resolved above");
            };
            return parser.parse(arena, bytes, r);
        } catch (Throwable t) {
            arena.close();
            throw t;
        }
    }

    /** Alignment of the weights read into memory: one AVX-512 vector, one cache line. */
    static final int WEIGHT_ALIGNMENT = 64;

    /**
     * Where a file read into memory should start relative to a {@link #WEIGHT_ALIGNMENT} boundary so that as many of
     * its tensors' bytes as possible start on one: {@code tensors} are slices of the file mapped from offset 0 (a
     * mapping starts on a page boundary, so an address's remainder is the file offset's). GGUF aligns tensors to 32
     * bytes by default and safetensors not at all, so a file copied to an aligned address can leave every tensor half
     * a cache line off: every 64-byte vector load then spans two lines. Measured on the development VM (2 vCPU AMD
     * EPYC, AVX-512), 60 F32 matrices of 2816 × 1024 from anonymous memory, 40 alternating passes: one row at a time
     * 60.3 GB/s aligned against 53.5 at offset 32 (median); four rows at a time 57.3 against 55.7.
     */
    static long alignmentLead(Iterable<Tensor> tensors) {
        long[] bytesAt = new long[WEIGHT_ALIGNMENT];
        for (Tensor t : tensors) bytesAt[(int) (t.data().address() % WEIGHT_ALIGNMENT)] += t.byteSize();
        int best = 0;
        for (int r = 1; r < WEIGHT_ALIGNMENT; r++) if (bytesAt[r] > bytesAt[best]) best = r;
        return (WEIGHT_ALIGNMENT - best) % WEIGHT_ALIGNMENT;
    }

    /**
     * Reads the file into {@link AnonymousMemory}, {@code lead} bytes past the allocation's start (which is aligned to
     * at least 4 KiB), in 64 MiB pieces
     * on {@link Parallel}'s threads: most of the time goes to faulting in the fresh pages, which the threads do side
     * by side (3 GB on the development VM: 0.5–1.4 s on one thread, 0.4–0.7 s on two).
     */
    private static MemorySegment readIntoMemory(Path file, Arena arena, long lead) throws IOException {
        if (lead < 0 || lead >= WEIGHT_ALIGNMENT) throw new IllegalArgumentException("lead " + lead);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size == 0) return MemorySegment.ofArray(new byte[0]);
            MemorySegment m = AnonymousMemory.allocate(size + lead, arena).asSlice(lead, size);
            long piece = 64L << 20;
            try {
                Parallel.forRange(Math.toIntExact((size + piece - 1) / piece), 1, (start, end) -> {
                    for (long p = start; p < end; p++) {
                        long off = p * piece;
                        ByteBuffer bb = m.asSlice(off, Math.min(piece, size - off)).asByteBuffer();
                        try {
                            while (bb.hasRemaining()) {
                                if (ch.read(bb, off + bb.position()) < 0) {
                                    throw new FormatException(file, "the file ended at byte " + (off + bb.position())
                                            + " while being read, but had " + size + " bytes when opened (was it changed meanwhile?)");
                                }
                            }
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    }
                });
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            return m.asReadOnly();
        }
    }

    /** Strict UTF-8 decoding; null when the bytes are not valid UTF-8. */
    static String utf8OrNull(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    static long alignUp(long x, long alignment) {
        long r = x % alignment;
        return r == 0 ? x : Math.addExact(x, alignment - r);
    }

    static boolean isPowerOfTwo(long x) {
        return x > 0 && (x & (x - 1)) == 0;
    }

    interface Body {
        void writeTo(Sink sink) throws IOException;
    }

    /**
     * Writes {@code out} atomically: the body streams into a new temporary file in the same directory, which is
     * forced to disk and then renamed over {@code out}. On any failure the temporary file is deleted and
     * {@code out} is left as it was.
     */
    static void writeAtomically(Path out, Body body) throws IOException {
        Path abs = out.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir != null) Files.createDirectories(dir);
        String tmpName = "." + abs.getFileName() + ".tmp-" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1);
        Path tmp = dir == null ? Path.of(tmpName) : dir.resolve(tmpName);
        boolean done = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                Sink sink = new Sink(ch);
                body.writeTo(sink);
                sink.flush();
                ch.force(true);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            done = true;
        } finally {
            if (!done) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the original failure matters more
                }
            }
        }
    }

    /** A buffered little-endian writer over a channel that counts the bytes written. */
    static final class Sink {
        private static final int BUF = 1 << 20;
        private final FileChannel ch;
        private final byte[] buf = new byte[BUF];
        private final MemorySegment bufSeg = MemorySegment.ofArray(buf);
        private int n;
        private long position;

        Sink(FileChannel ch) {
            this.ch = ch;
        }

        long position() {
            return position;
        }

        private void room(int bytes) throws IOException {
            if (BUF - n < bytes) flush();
        }

        void u8(int v) throws IOException {
            room(1);
            buf[n++] = (byte) v;
            position++;
        }

        void u32(int v) throws IOException {
            room(4);
            bufSeg.set(I32, n, v);
            n += 4;
            position += 4;
        }

        void u64(long v) throws IOException {
            room(8);
            bufSeg.set(I64, n, v);
            n += 8;
            position += 8;
        }

        void bytes(byte[] b) throws IOException {
            segment(MemorySegment.ofArray(b));
        }

        /** Copies the segment's bytes as they are, in chunks. */
        void segment(MemorySegment src) throws IOException {
            long size = src.byteSize();
            long off = 0;
            while (off < size) {
                if (n == BUF) flush();
                int chunk = (int) Math.min(BUF - n, size - off);
                MemorySegment.copy(src, off, bufSeg, n, chunk);
                n += chunk;
                off += chunk;
                position += chunk;
            }
        }

        void zeros(long count) throws IOException {
            for (long i = 0; i < count; i++) u8(0);
        }

        void padTo(long alignment) throws IOException {
            zeros(alignUp(position, alignment) - position);
        }

        void flush() throws IOException {
            ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
            while (bb.hasRemaining()) ch.write(bb);
            n = 0;
        }
    }
}
