package io.jamba4j.format;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where an opened checkpoint's bytes live: mapped from the file, or read into the process's own memory.
 *
 * <p>Mapping costs nothing at open and lets the operating system page weights in and out, so a model larger than
 * RAM still runs; but each decode step streams every weight, and mapped page-cache pages can stream far slower than
 * the process's own memory. Measured on the development VM (2 vCPU AMD EPYC, Firecracker, Linux 6.18): bench-small
 * F32 decode 9 tok/s mapped against 25–27 tok/s read into memory, in alternating runs; the matrices of experts not
 * used in the previous token streamed at half the speed of the others when mapped (15 vs 30 GB/s) and at full speed
 * (40–55 GB/s) from anonymous memory. Reading costs a pass over the file at open (about 0.5–1.5 s for 3 GB here)
 * and needs the memory; {@link #AUTO} reads when that is comfortably available.
 */
public enum Residency {
    /** The file is memory-mapped read-only; tensors are slices of the mapping. */
    MAPPED,
    /**
     * The file is read, whole, into anonymous memory of the process (advised to use transparent huge pages where
     * the OS has them: faulting 3 GB in 4 KiB pages took 8–12 s on the development VM, in 2 MiB pages 0.4–1.1 s).
     */
    MEMORY,
    /** {@link #MEMORY} when the files take at most half of the memory available now, else {@link #MAPPED}. */
    AUTO;

    /** This residency with {@link #AUTO} decided for files of {@code bytes} in total. */
    public Residency resolve(long bytes) {
        return this != AUTO ? this : resolve(bytes, availableMemory());
    }

    /** As {@link #resolve(long)} with {@code available} bytes of memory available ({@code ≤ 0}: unknown). */
    Residency resolve(long bytes, long available) {
        if (this != AUTO) return this;
        return available > 0 && bytes <= available / 2 ? MEMORY : MAPPED;
    }

    /** {@link #resolve(long)} for the given files' sizes. */
    public Residency resolve(Iterable<Path> files) throws IOException {
        if (this != AUTO) return this;
        long total = 0;
        for (Path f : files) total += Files.size(f);
        return resolve(total);
    }

    /**
     * Memory available to this process without swapping, in bytes: Linux's MemAvailable (free memory plus page cache
     * that can be dropped) capped by the physical memory the JVM sees (a container's limit where there is one); the
     * JVM's free memory where there is no MemAvailable; -1 when neither is known.
     */
    static long availableMemory() {
        long best = -1;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) {
                    best = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                    break;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or no procfs: the JVM's figure alone
        }
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            long total = os.getTotalMemorySize(); // container limit when there is one
            if (total > 0 && (best < 0 || total < best)) best = total;
            if (best < 0) best = os.getFreeMemorySize();
        }
        return best;
    }
}
