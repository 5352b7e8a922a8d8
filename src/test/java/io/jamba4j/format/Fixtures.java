package io.jamba4j.format;

import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/** Test helpers: fixture paths and little-endian byte patching. */
final class Fixtures {
    private Fixtures() {}

    static final List<String> NAMES = List.of("A-tiny-dense", "B-hybrid-moe", "C-jamba-v0.1-like");

    static Path root() {
        try {
            return Path.of(Fixtures.class.getResource("/fixtures").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Path gguf(String fixture) {
        return root().resolve(fixture).resolve("model.gguf");
    }

    static Path q8() {
        return root().resolve("A-tiny-dense").resolve("model-q8_0.gguf");
    }

    static Path safetensors(String fixture) {
        return root().resolve(fixture).resolve("hf").resolve("model.safetensors");
    }

    static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    static int indexOf(byte[] hay, byte[] needle, int from) {
        outer:
        for (int i = from; i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return i;
        }
        return -1;
    }

    /** Position just after the GGUF string {@code s} (u64 length + bytes) in the header; fails when absent. */
    static int afterGgufString(byte[] b, String s) {
        byte[] sb = s.getBytes(StandardCharsets.UTF_8);
        byte[] needle = new byte[8 + sb.length];
        le(needle).putLong(0, sb.length);
        System.arraycopy(sb, 0, needle, 8, sb.length);
        int i = indexOf(b, needle, 24);
        if (i < 0) throw new AssertionError("string '" + s + "' not found");
        return i + needle.length;
    }
}
