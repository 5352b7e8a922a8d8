package io.jamba4j.format;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * NumPy {@code .npy} files: writes v1.0 little-endian float32 ({@code '<f4'}) and int32 ({@code '<i4'}) arrays in C
 * order, header padded with spaces and a newline so the data starts at a multiple of 64 bytes (as NumPy does).
 * Reads versions 1.0, 2.0 and 3.0 with {@code '<f4'} or {@code '<f8'} (converted to float) via {@link #read}, and
 * {@code '<i4'} or {@code '<i8'} (range-checked) via {@link #readInt32}. Fortran order, other dtypes, big-endian
 * data and files whose size does not match the shape are errors naming the file.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final int MAX_HEADER = 1 << 20;

    private Npy() {}

    public static void writeFloat32(Path file, float[] data, int... shape) throws IOException {
        check(data.length, shape);
        write(file, "<f4", shape, MemorySegment.ofArray(data), 4);
    }

    public static void writeInt32(Path file, int[] data, int... shape) throws IOException {
        check(data.length, shape);
        write(file, "<i4", shape, MemorySegment.ofArray(data), 4);
    }

    private static void check(int length, int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in shape " + java.util.Arrays.toString(shape));
            n *= d;
        }
        if (n != length) {
            throw new IllegalArgumentException(length + " values for shape " + java.util.Arrays.toString(shape) + " (" + n + " elements)");
        }
    }

    private static void write(Path file, String descr, int[] shape, MemorySegment data, int elemSize) throws IOException {
        StringBuilder sb = new StringBuilder("{'descr': '").append(descr).append("', 'fortran_order': False, 'shape': (");
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) sb.append(", ");
            sb.append(shape[i]);
        }
        if (shape.length == 1) sb.append(',');
        sb.append("), }");
        int total = (int) Io.alignUp(10 + sb.length() + 1, 64);
        while (10 + sb.length() + 1 < total) sb.append(' ');
        sb.append('\n');
        byte[] header = sb.toString().getBytes(StandardCharsets.US_ASCII);
        Io.writeAtomically(file, sink -> {
            sink.bytes(MAGIC);
            sink.u8(1);
            sink.u8(0);
            sink.u8(header.length & 0xFF);
            sink.u8(header.length >>> 8);
            sink.bytes(header);
            // little-endian element bytes regardless of the platform's order
            ValueLayout.OfInt le = Io.I32;
            long n = data.byteSize() / elemSize;
            byte[] chunk = new byte[1 << 16];
            MemorySegment cs = MemorySegment.ofArray(chunk);
            for (long i = 0; i < n; ) {
                int k = (int) Math.min(n - i, chunk.length / 4);
                for (int j = 0; j < k; j++) cs.set(le, 4L * j, data.get(ValueLayout.JAVA_INT_UNALIGNED, 4 * (i + j)));
                sink.segment(cs.asSlice(0, 4L * k));
                i += k;
            }
        });
    }

    /** A float32 array from a {@code '<f4'} or {@code '<f8'} file. */
    public static NpyArray read(Path file) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = Io.mapReadOnly(file, arena);
            Header h = header(file, seg);
            float[] out = new float[h.count];
            switch (h.descr) {
                case "<f4" -> MemorySegment.copy(seg, Io.F32, h.dataOffset, out, 0, h.count);
                case "<f8" -> {
                    for (int i = 0; i < h.count; i++) out[i] = (float) seg.get(Io.F64, h.dataOffset + 8L * i);
                }
                default -> throw new FormatException(file, "dtype '" + h.descr + "' is not supported here (only '<f4' and '<f8'"
                        + (h.descr.equals("<i4") || h.descr.equals("<i8") ? "; use Npy.readInt32" : "") + ")");
            }
            return new NpyArray(h.shape, out);
        }
    }

    /** An int32 array from a {@code '<i4'} or {@code '<i8'} file (every value must fit in an int). */
    public static NpyIntArray readInt32(Path file) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = Io.mapReadOnly(file, arena);
            Header h = header(file, seg);
            int[] out = new int[h.count];
            switch (h.descr) {
                case "<i4" -> MemorySegment.copy(seg, Io.I32, h.dataOffset, out, 0, h.count);
                case "<i8" -> {
                    for (int i = 0; i < h.count; i++) {
                        long v = seg.get(Io.I64, h.dataOffset + 8L * i);
                        if (v != (int) v) throw new FormatException(file, "element " + i + " = " + v + " does not fit in int32");
                        out[i] = (int) v;
                    }
                }
                default -> throw new FormatException(file, "dtype '" + h.descr + "' is not supported here (only '<i4' and '<i8')");
            }
            return new NpyIntArray(h.shape, out);
        }
    }

    private record Header(String descr, int[] shape, int count, long dataOffset) {}

    private static Header header(Path file, MemorySegment seg) throws FormatException {
        long size = seg.byteSize();
        if (size < 10) throw new FormatException(file, "not a .npy file: only " + size + " bytes");
        for (int i = 0; i < MAGIC.length; i++) {
            if (seg.get(Io.U8, i) != MAGIC[i]) throw new FormatException(file, "not a .npy file (bad magic)");
        }
        int major = seg.get(Io.U8, 6) & 0xFF;
        long hlen;
        long start;
        if (major == 1) {
            hlen = seg.get(Io.I16, 8) & 0xFFFF;
            start = 10;
        } else if (major == 2 || major == 3) {
            if (size < 12) throw new FormatException(file, "truncated .npy header");
            hlen = Integer.toUnsignedLong(seg.get(Io.I32, 8));
            start = 12;
        } else {
            throw new FormatException(file, "unsupported .npy format version " + major);
        }
        if (hlen > size - start) throw new FormatException(file, "header length " + hlen + " extends beyond the end of the file (" + size + " bytes)");
        if (hlen > MAX_HEADER) throw new FormatException(file, "header length " + hlen + " is too large");
        byte[] hb = new byte[(int) hlen];
        MemorySegment.copy(seg, Io.U8, start, hb, 0, hb.length);
        String text = major == 3 ? Io.utf8OrNull(hb) : new String(hb, StandardCharsets.ISO_8859_1);
        if (text == null) throw new FormatException(file, "header is not valid UTF-8");
        DictParser p = new DictParser(file, text);
        p.parse();
        if (p.descr == null || p.shape == null || p.fortran == null) {
            throw new FormatException(file, "header lacks 'descr', 'fortran_order' or 'shape': " + text.strip());
        }
        if (p.fortran) throw new FormatException(file, "fortran_order True is not supported");
        int elem = switch (p.descr) {
            case "<f4", "<i4" -> 4;
            case "<f8", "<i8" -> 8;
            default -> throw new FormatException(file, "dtype '" + p.descr + "' is not supported (little-endian float32/float64/int32/int64 only)");
        };
        long count = 1;
        int[] shape = new int[p.shape.size()];
        for (int i = 0; i < shape.length; i++) {
            long d = p.shape.get(i);
            if (d < 0 || d > Integer.MAX_VALUE) throw new FormatException(file, "shape " + p.shape + " has an invalid dimension");
            shape[i] = (int) d;
            count *= d;
            if (count > Integer.MAX_VALUE - 8) throw new FormatException(file, "shape " + p.shape + " has too many elements for one Java array");
        }
        long dataOffset = start + hlen;
        long want = count * elem;
        if (size - dataOffset != want) {
            throw new FormatException(file, "shape " + p.shape + " of " + p.descr + " needs " + want + " data bytes but the file has "
                    + (size - dataOffset) + (size - dataOffset < want ? " (truncated)" : ""));
        }
        return new Header(p.descr, shape, (int) count, dataOffset);
    }

    /** Parses the Python-literal header dict: {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }. */
    private static final class DictParser {
        final Path file;
        final String s;
        int i;
        String descr;
        Boolean fortran;
        List<Long> shape;

        DictParser(Path file, String s) {
            this.file = file;
            this.s = s;
        }

        FormatException bad(String what) {
            return new FormatException(file, "malformed header (" + what + " at character " + i + "): " + s.strip());
        }

        void ws() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++;
        }

        boolean eat(char c) {
            ws();
            if (i < s.length() && s.charAt(i) == c) {
                i++;
                return true;
            }
            return false;
        }

        void expect(char c) throws FormatException {
            if (!eat(c)) throw bad("expected '" + c + "'");
        }

        String string() throws FormatException {
            ws();
            if (i >= s.length() || (s.charAt(i) != '\'' && s.charAt(i) != '"')) throw bad("expected a string");
            char q = s.charAt(i++);
            int end = s.indexOf(q, i);
            if (end < 0) throw bad("unterminated string");
            String r = s.substring(i, end);
            i = end + 1;
            return r;
        }

        void parse() throws FormatException {
            expect('{');
            while (!eat('}')) {
                String key = string();
                expect(':');
                ws();
                switch (key) {
                    case "descr" -> descr = string();
                    case "fortran_order" -> {
                        if (s.startsWith("True", i)) fortran = true;
                        else if (s.startsWith("False", i)) fortran = false;
                        else throw bad("expected True or False");
                        i += fortran ? 4 : 5;
                    }
                    case "shape" -> {
                        expect('(');
                        shape = new ArrayList<>();
                        while (!eat(')')) {
                            ws();
                            int b = i;
                            while (i < s.length() && Character.isDigit(s.charAt(i))) i++;
                            if (b == i || i - b > 18) throw bad("expected a dimension");
                            shape.add(Long.parseLong(s, b, i, 10));
                            if (shape.size() > 64) throw bad("too many dimensions");
                            if (!eat(',')) {
                                expect(')');
                                break;
                            }
                        }
                    }
                    default -> throw bad("unexpected key '" + key + "'");
                }
                if (!eat(',')) {
                    expect('}');
                    break;
                }
            }
        }
    }
}
