package io.jamba4j.tensor;

import io.jamba4j.kernels.Dequantize;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A named n-dimensional tensor whose bytes live in a {@link MemorySegment}: a slice of a memory-mapped checkpoint
 * file, or a heap array for weights computed at load time. The type says how the bytes encode elements
 * ({@link GgmlType}); the kernels package knows how to compute with each type.
 *
 * <p>{@code shape} is in PyTorch order: {@code shape[0]} is the outermost (slowest) dimension and the last entry is
 * the contiguous one. An HF {@code nn.Linear} weight [out, in] therefore has {@code rows() == out} and
 * {@code cols() == in}; a GGUF tensor with ne = {in, out} reads as the same [out, in].
 */
public final class Tensor {
    public static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final String name;
    private final GgmlType type;
    private final long[] shape;
    private final MemorySegment data;
    private final boolean floatActivations;

    public Tensor(String name, GgmlType type, long[] shape, MemorySegment data) {
        this(name, type, shape, data, false);
    }

    private Tensor(String name, GgmlType type, long[] shape, MemorySegment data, boolean floatActivations) {
        this.floatActivations = floatActivations;
        this.name = name;
        this.type = type;
        this.shape = shape.clone();
        this.data = data;
        long n = numElements(shape);
        if (shape.length > 0 && shape[shape.length - 1] % type.blockSize != 0) {
            throw new IllegalArgumentException("tensor '" + name + "': row length " + shape[shape.length - 1]
                    + " is not a multiple of the " + type + " block size " + type.blockSize);
        }
        long want = type.bytesFor(n);
        if (data.byteSize() != want) {
            throw new IllegalArgumentException("tensor '" + name + "': " + type + " " + Arrays.toString(shape)
                    + " needs " + want + " bytes, got " + data.byteSize());
        }
    }

    /** A float32 tensor backed by a heap array (no copy). */
    public static Tensor ofFloats(String name, float[] values, long... shape) {
        if (numElements(shape) != values.length) {
            throw new IllegalArgumentException("tensor '" + name + "': " + values.length + " values for shape " + Arrays.toString(shape));
        }
        return new Tensor(name, GgmlType.F32, shape, MemorySegment.ofArray(values));
    }

    public static long numElements(long[] shape) {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    public String name() { return name; }
    public GgmlType type() { return type; }
    public long[] shape() { return shape.clone(); }
    public int rank() { return shape.length; }
    public long dim(int i) { return shape[i]; }
    public MemorySegment data() { return data; }
    public long numElements() { return numElements(shape); }
    public long byteSize() { return data.byteSize(); }

    /** Length of the contiguous last dimension. */
    public int cols() {
        return shape.length == 0 ? 1 : Math.toIntExact(shape[shape.length - 1]);
    }

    /** Number of rows: the product of every dimension but the last. */
    public long rows() {
        return shape.length == 0 ? 1 : numElements(shape) / shape[shape.length - 1];
    }

    /** Bytes of one row of {@link #cols()} elements. */
    public long rowBytes() {
        return type.bytesFor(cols());
    }

    /**
     * The type the activation operand is rounded to before a product with this weight (llama.cpp's "vec_dot_type"):
     * F16 for F16 weights, BF16 for BF16, Q8_0 for Q8_0/Q4_0, Q8_K for Q4_K/Q6_K, F32 otherwise — or F32 for an F16/BF16 weight marked with
     * {@link #withFloatActivations()} (Hugging Face semantics: half-precision weights upcast, activations in float32).
     */
    public GgmlType activationType() {
        return switch (type) {
            case F16, BF16 -> floatActivations ? GgmlType.F32 : type;
            case Q8_0, Q4_0 -> GgmlType.Q8_0;
            case Q4_K, Q6_K -> GgmlType.Q8_K;
            default -> GgmlType.F32;
        };
    }

    /** This tensor with float32 activations in products (for F16/BF16 weights from HF checkpoints). */
    public Tensor withFloatActivations() {
        return new Tensor(name, type, shape, data, true);
    }

    /** The same bytes under another name. */
    public Tensor renamed(String newName) {
        return new Tensor(newName, type, shape, data, floatActivations);
    }

    /** The same bytes viewed with another shape of equal element count (e.g. squeezing a size-1 dimension). */
    public Tensor reshaped(long... newShape) {
        if (numElements(newShape) != numElements()) {
            throw new IllegalArgumentException("tensor '" + name + "': cannot view " + Arrays.toString(shape) + " as " + Arrays.toString(newShape));
        }
        return new Tensor(name, type, newShape, data, floatActivations);
    }

    /** Sub-tensor {@code index} along the outermost dimension (e.g. expert e of a stacked [E, F, H] tensor), no copy. */
    public Tensor slice(int index) {
        if (shape.length < 2 || index < 0 || index >= shape[0]) {
            throw new IndexOutOfBoundsException("tensor '" + name + "' " + Arrays.toString(shape) + ": no slice " + index);
        }
        long[] sub = Arrays.copyOfRange(shape, 1, shape.length);
        long bytes = type.bytesFor(numElements(sub));
        return new Tensor(name + "[" + index + "]", type, sub, data.asSlice(bytes * index, bytes), floatActivations);
    }

    /** Rows [start, start+count) of a 2-D tensor as a [count, cols] view, no copy (e.g. the gate half of a fused gate_up). */
    public Tensor rowSlice(long start, long count) {
        if (shape.length != 2 || start < 0 || count <= 0 || start + count > shape[0]) {
            throw new IndexOutOfBoundsException("tensor '" + name + "' " + Arrays.toString(shape) + ": no rows [" + start + ", " + (start + count) + ")");
        }
        long rb = rowBytes();
        return new Tensor(name, type, new long[]{count, shape[1]}, data.asSlice(start * rb, count * rb), floatActivations);
    }

    /** Row {@code r} dequantized to float32 into {@code dst[off .. off+cols)}. */
    public void rowToFloats(long r, float[] dst, int off) {
        Dequantize.row(type, data, r * rowBytes(), cols(), dst, off);
    }

    /** The whole tensor dequantized to a new float32 array (row-major, PyTorch order). */
    public float[] toFloats() {
        long n = numElements();
        if (n > Integer.MAX_VALUE - 16) {
            throw new IllegalStateException("tensor '" + name + "' has " + n + " elements, too many for one float array");
        }
        float[] out = new float[(int) n];
        int c = cols();
        long rows = rows();
        for (long r = 0; r < rows; r++) rowToFloats(r, out, (int) (r * c));
        return out;
    }

    /** The float array behind this tensor when it is a whole float32 heap array ({@link #ofFloats}), else null. */
    public float[] heapFloats() {
        if (type != GgmlType.F32 || !(data.heapBase().orElse(null) instanceof float[] a)) return null;
        return data.address() == 0 && a.length == numElements() ? a : null;
    }

    /** The whole tensor as float32, sharing the bytes when it already is float32. */
    public Tensor asF32() {
        if (type == GgmlType.F32) return this;
        return ofFloats(name, toFloats(), shape);
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(shape);
    }
}
