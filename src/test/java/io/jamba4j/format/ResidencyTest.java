package io.jamba4j.format;

import io.jamba4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** A file read into memory ({@link Residency#MEMORY}) must be indistinguishable from the same file mapped. */
class ResidencyTest {
    @TempDir
    Path tmp;

    @Test
    void autoReadsSmallFilesAndMapsOnesLargerThanHalfTheAvailableMemory() {
        assertEquals(Residency.MAPPED, Residency.MAPPED.resolve(1));
        assertEquals(Residency.MEMORY, Residency.MEMORY.resolve(Long.MAX_VALUE));
        assertEquals(Residency.MAPPED, Residency.AUTO.resolve(Long.MAX_VALUE));
        assertTrue(Residency.availableMemory() > 0, "this machine reports its available memory");
        // the available memory moves between two reads (page cache, other processes): the threshold is tested
        // against one value
        long available = 6L << 30;
        assertEquals(Residency.MEMORY, Residency.AUTO.resolve(available / 2, available));
        assertEquals(Residency.MAPPED, Residency.AUTO.resolve(available / 2 + 1, available));
        assertEquals(Residency.MAPPED, Residency.AUTO.resolve(1, -1));
        assertEquals(Residency.MEMORY, Residency.AUTO.resolve(1L << 20));
    }

    @Test
    void fixturesReadIntoMemoryMatchTheMappedFileByteForByte() throws IOException {
        for (Path p : List.of(Fixtures.gguf("B-hybrid-moe"), Fixtures.q8())) {
            try (GgufFile mapped = GgufFile.open(p); GgufFile read = GgufFile.open(p, Residency.MEMORY)) {
                assertEquals(Residency.MAPPED, mapped.residency());
                assertEquals(Residency.MEMORY, read.residency());
                assertSameContents(mapped, read);
            }
        }
        try (SafetensorsFile mapped = SafetensorsFile.open(Fixtures.safetensors("B-hybrid-moe"));
             SafetensorsFile read = SafetensorsFile.open(Fixtures.safetensors("B-hybrid-moe"), Residency.MEMORY)) {
            assertEquals(Residency.MEMORY, read.residency());
            assertEquals(mapped.tensors().keySet(), read.tensors().keySet());
            for (String n : mapped.tensors().keySet()) {
                assertEquals(-1, mapped.tensor(n).data().mismatch(read.tensor(n).data()), n);
            }
        }
    }

    /** A file above 2 MiB takes the huge-page anonymous mapping on Linux; its tensors read back exactly and it is freed at close. */
    @Test
    void largeFileReadIntoMemoryMatchesAndIsReadOnlyAndClosed() throws IOException {
        float[] v = new float[3 << 20]; // 12 MiB: several 64 MiB-piece boundaries are not needed, several pages are
        for (int i = 0; i < v.length; i++) v[i] = i * 0.5f - 7f;
        GgufWriter w = new GgufWriter();
        w.putString("general.architecture", "test");
        w.addTensor(Tensor.ofFloats("big", v, 3, 1 << 20));
        w.addTensor(Tensor.ofFloats("small", new float[]{1, 2, 3}, 3));
        Path p = tmp.resolve("big.gguf");
        w.write(p);
        Tensor big;
        try (GgufFile mapped = GgufFile.open(p); GgufFile read = GgufFile.open(p, Residency.MEMORY)) {
            assertSameContents(mapped, read);
            big = read.tensor("big");
            assertEquals(v[v.length - 1], big.data().getAtIndex(Tensor.F32_LE, v.length - 1));
            assertTrue(big.data().isReadOnly());
            assertThrows(IllegalArgumentException.class, () -> read.tensor("small").data().set(Tensor.F32_LE, 0, 9f)); // "read-only segment", as when mapped
        }
        assertThrows(IllegalStateException.class, () -> big.data().get(Tensor.F32_LE, 0));
    }

    /**
     * GGUF aligns tensors to 32 bytes and safetensors not at all; read into memory, the file is placed so that the
     * bulk of the tensor bytes starts on a 64-byte boundary (one AVX-512 vector, one cache line).
     */
    @Test
    void weightsReadIntoMemoryStartOnACacheLineWhereTheFileHasThemOff() throws IOException {
        float[] v = new float[1 << 16];
        for (int i = 0; i < v.length; i++) v[i] = i;
        boolean sawOff = false;
        for (int pad = 0; pad < 64; pad += 8) {
            GgufWriter w = new GgufWriter();
            w.putString("general.architecture", "test");
            w.putString("pad", "x".repeat(pad)); // moves the data section through the residues mod 64
            w.addTensor(Tensor.ofFloats("tiny", new float[8], 8)); // 32 bytes: the next tensor is 32 bytes further on
            w.addTensor(Tensor.ofFloats("big", v, 1 << 8, 1 << 8));
            Path p = tmp.resolve("pad" + pad + ".gguf");
            w.write(p);
            try (GgufFile mapped = GgufFile.open(p); GgufFile read = GgufFile.open(p, Residency.MEMORY)) {
                sawOff |= mapped.tensor("big").data().address() % 64 != 0;
                assertEquals(0, read.tensor("big").data().address() % 64, "pad " + pad);
                assertSameContents(mapped, read);
            }
            SafetensorsWriter sw = new SafetensorsWriter();
            sw.add(Tensor.ofFloats("a", new float[pad / 4 + 1], pad / 4 + 1));
            sw.add(Tensor.ofFloats("big", v, 1 << 8, 1 << 8));
            Path q = tmp.resolve("pad" + pad + ".safetensors");
            sw.write(q);
            try (SafetensorsFile read = SafetensorsFile.open(q, Residency.MEMORY)) {
                assertEquals(0, read.tensor("big").data().address() % 64, "safetensors, pad " + pad);
                assertEquals(v[v.length - 1], read.tensor("big").data().getAtIndex(Tensor.F32_LE, v.length - 1));
            }
        }
        assertTrue(sawOff, "some of the files have the big tensor off a 64-byte boundary in the file");
    }

    @Test
    void aFileThatIsNotGgufIsReportedTheSameWayWhenRead() throws IOException {
        Path p = tmp.resolve("junk.gguf");
        Files.write(p, new byte[3 << 20]);
        FormatException mapped = assertThrows(FormatException.class, () -> GgufFile.open(p));
        FormatException read = assertThrows(FormatException.class, () -> GgufFile.open(p, Residency.MEMORY));
        assertEquals(mapped.getMessage(), read.getMessage());
        assertTrue(read.getMessage().startsWith(p.toString()), read.getMessage());
    }

    private static void assertSameContents(GgufFile a, GgufFile b) {
        assertEquals(a.metadata(), b.metadata());
        assertEquals(a.tensorMap().keySet(), b.tensorMap().keySet());
        for (Tensor t : a.tensors()) {
            Tensor u = b.tensor(t.name());
            assertEquals(t.type(), u.type(), t.name());
            assertArrayEquals(t.shape(), u.shape(), t.name());
            assertEquals(-1, t.data().mismatch(u.data()), t.name());
        }
    }
}
