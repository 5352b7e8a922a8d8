package io.jamba4j.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Large zeroed blocks of process memory, for weights read into memory ({@code format.Residency.MEMORY}) and for the
 * bandwidth probe that sets decode speed against the machine's: on Linux an anonymous private mapping advised
 * to use transparent huge pages ({@code mmap} + {@code madvise(MADV_HUGEPAGE)}, unmapped when the arena closes);
 * elsewhere, or when native calls are not allowed ({@code --enable-native-access} denied), an ordinary
 * {@link Arena#allocate} block.
 */
public final class AnonymousMemory {
    private AnonymousMemory() {}

    private static final int PROT_READ_WRITE = 0x1 | 0x2;
    private static final int MAP_PRIVATE_ANONYMOUS = 0x02 | 0x20; // the same on x86-64 and aarch64 Linux
    private static final int MADV_HUGEPAGE = 14;
    private static final long HUGE_PAGE = 2L << 20;

    private static final MethodHandle MMAP, MADVISE, MUNMAP;

    static {
        MethodHandle mmap = null, madvise = null, munmap = null;
        if (System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
            try {
                Linker linker = Linker.nativeLinker();
                SymbolLookup libc = linker.defaultLookup();
                mmap = linker.downcallHandle(libc.find("mmap").orElseThrow(), FunctionDescriptor.of(ValueLayout.ADDRESS,
                        ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
                madvise = linker.downcallHandle(libc.find("madvise").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT,
                        ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
                munmap = linker.downcallHandle(libc.find("munmap").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT,
                        ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
            } catch (RuntimeException e) {
                // IllegalCallerException (native access denied) or no such symbol: the portable path
                mmap = madvise = munmap = null;
            }
        }
        MMAP = mmap;
        MADVISE = madvise;
        MUNMAP = munmap;
    }

    /** A zeroed, writable block of {@code size} bytes, aligned to 4 KiB (2 MiB where huge pages apply), freed with {@code arena}. */
    public static MemorySegment allocate(long size, Arena arena) {
        if (MMAP != null && size >= HUGE_PAGE) {
            MemorySegment s = mapAnonymous(size, arena);
            if (s != null) return s;
        }
        return arena.allocate(size, 4096);
    }

    private static MemorySegment mapAnonymous(long size, Arena arena) {
        // over-allocate by one huge page so that the block can start on a 2 MiB boundary (the kernel backs only
        // aligned 2 MiB ranges with huge pages); the whole mapping is unmapped at close
        long mapped = size + HUGE_PAGE;
        MemorySegment base;
        try {
            base = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, mapped, PROT_READ_WRITE, MAP_PRIVATE_ANONYMOUS, -1, 0L);
        } catch (Throwable t) {
            return null;
        }
        if (base.address() == -1L || base.address() == 0L) return null; // MAP_FAILED: let the JVM's allocator report it
        long start = (base.address() + HUGE_PAGE - 1) & -HUGE_PAGE;
        MemorySegment block = MemorySegment.ofAddress(start).reinterpret(size);
        try {
            int ignored = (int) MADVISE.invokeExact(block, size, MADV_HUGEPAGE); // fails harmlessly where THP is off
        } catch (Throwable t) {
            // advice only
        }
        long baseAddress = base.address();
        return block.reinterpret(arena, s -> unmap(baseAddress, mapped));
    }

    private static void unmap(long address, long size) {
        try {
            int ignored = (int) MUNMAP.invokeExact(MemorySegment.ofAddress(address), size);
        } catch (Throwable t) {
            throw new IllegalStateException("munmap failed", t);
        }
    }
}
