package io.jamba4j.tensor;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.*;

class AnonymousMemoryTest {
    @Test
    void isZeroedWritableAndAligned() {
        try (Arena arena = Arena.ofConfined()) {
            long size = (5L << 20) + 123;
            MemorySegment m = AnonymousMemory.allocate(size, arena);
            assertEquals(size, m.byteSize());
            assertEquals(0, m.address() % 4096);
            if (System.getProperty("os.name").toLowerCase().contains("linux")) {
                assertEquals(0, m.address() % (2 << 20), "on Linux: an anonymous mapping starting on a huge-page boundary");
            }
            assertEquals(0, m.get(ValueLayout.JAVA_BYTE, 0));
            assertEquals(0, m.get(ValueLayout.JAVA_BYTE, size - 1));
            m.set(ValueLayout.JAVA_LONG, size - 8 - 3, 0x1234_5678_9abcL);
            assertEquals(0x1234_5678_9abcL, m.get(ValueLayout.JAVA_LONG, size - 8 - 3));
        }
    }

    @Test
    void smallBlocksComeFromTheArena() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment m = AnonymousMemory.allocate(100, arena);
            assertEquals(100, m.byteSize());
            assertEquals(0, m.address() % 4096);
        }
    }
}
