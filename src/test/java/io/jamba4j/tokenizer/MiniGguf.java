package io.jamba4j.tokenizer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Test-only reader of GGUF metadata (no tensors), producing the value conventions of the real
 * reader: integers Long, f32 Float, f64 Double, bool Boolean, string String, arrays List.
 */
final class MiniGguf {
    private MiniGguf() {}

    static Map<String, Object> metadata(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt() != 0x46554747) throw new IOException("not a GGUF file: " + file);
        int version = b.getInt();
        if (version < 2) throw new IOException("GGUF v" + version + " not supported");
        b.getLong(); // tensor count
        long kvs = b.getLong();
        Map<String, Object> meta = new LinkedHashMap<>();
        for (long i = 0; i < kvs; i++) {
            String key = string(b);
            meta.put(key, value(b, b.getInt()));
        }
        return meta;
    }

    private static String string(ByteBuffer b) {
        byte[] bytes = new byte[(int) b.getLong()];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static Object value(ByteBuffer b, int type) {
        return switch (type) {
            case 0 -> (long) (b.get() & 0xFF);
            case 1 -> (long) b.get();
            case 2 -> (long) (b.getShort() & 0xFFFF);
            case 3 -> (long) b.getShort();
            case 4 -> b.getInt() & 0xFFFFFFFFL;
            case 5 -> (long) b.getInt();
            case 6 -> b.getFloat();
            case 7 -> b.get() != 0;
            case 8 -> string(b);
            case 9 -> {
                int elemType = b.getInt();
                long n = b.getLong();
                List<Object> list = new ArrayList<>((int) n);
                for (long i = 0; i < n; i++) list.add(value(b, elemType));
                yield list;
            }
            case 10, 11 -> b.getLong();
            case 12 -> b.getDouble();
            default -> throw new IllegalStateException("unknown GGUF value type " + type);
        };
    }
}
