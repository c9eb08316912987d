package io.splitstream.devices.tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * An immutable dense tensor: element type, shape, and its bytes in a direct, native-order buffer.
 *
 * <p>The buffer is shared, never copied, when a tensor moves from one stage to the next: backends
 * wrap it as their input (ONNX Runtime and TFLite both accept direct buffers without a copy).
 * Nobody writes to it after construction; {@link #data()} hands out read-only views.
 */
public final class Tensor {
  private final ElementType type;
  private final long[] shape;
  private final ByteBuffer data;

  private Tensor(ElementType type, long[] shape, ByteBuffer data) {
    this.type = type;
    this.shape = shape;
    this.data = data;
  }

  /**
   * Wraps {@code data} (its remaining bytes) without copying when it is already direct and
   * native-order; copies otherwise.
   */
  public static Tensor of(ElementType type, long[] shape, ByteBuffer data) {
    long[] dims = shape.clone();
    long expected = elementCount(dims) * type.bytes();
    if (data.remaining() != expected) {
      throw new IllegalArgumentException(
          "tensor of " + type + Arrays.toString(dims) + " needs " + expected + " bytes, got " + data.remaining());
    }
    ByteBuffer buf = data;
    if (!data.isDirect() || data.order() != ByteOrder.nativeOrder()) {
      buf = ByteBuffer.allocateDirect(data.remaining()).order(ByteOrder.nativeOrder());
      buf.put(data.duplicate());
      buf.flip();
    } else {
      buf = data.slice().order(ByteOrder.nativeOrder());
    }
    return new Tensor(type, dims, buf.asReadOnlyBuffer().order(ByteOrder.nativeOrder()));
  }

  public static Tensor ofFloats(long[] shape, float[] values) {
    ByteBuffer buf = ByteBuffer.allocateDirect(values.length * 4).order(ByteOrder.nativeOrder());
    buf.asFloatBuffer().put(values);
    return of(ElementType.FLOAT32, shape, buf);
  }

  public static Tensor zeros(ElementType type, long[] shape) {
    ByteBuffer buf = ByteBuffer.allocateDirect(Math.toIntExact(elementCount(shape) * type.bytes()))
        .order(ByteOrder.nativeOrder());
    return of(type, shape, buf);
  }

  public ElementType type() {
    return type;
  }

  public long[] shape() {
    return shape.clone();
  }

  /** A read-only, native-order view of the bytes, positioned at 0. */
  public ByteBuffer data() {
    return data.duplicate().order(ByteOrder.nativeOrder());
  }

  public long elementCount() {
    return elementCount(shape);
  }

  public long byteSize() {
    return elementCount() * type.bytes();
  }

  /** The elements as floats (a copy); only for FLOAT32 tensors. */
  public float[] floats() {
    if (type != ElementType.FLOAT32) {
      throw new IllegalStateException("tensor is " + type + ", not FLOAT32");
    }
    FloatBuffer fb = data().asFloatBuffer();
    float[] out = new float[fb.remaining()];
    fb.get(out);
    return out;
  }

  /** Largest absolute element-wise difference to {@code other}; both FLOAT32 of the same shape. */
  public double maxAbsDiff(Tensor other) {
    if (!Arrays.equals(shape, other.shape)) {
      throw new IllegalArgumentException(
          "shapes differ: " + Arrays.toString(shape) + " vs " + Arrays.toString(other.shape));
    }
    FloatBuffer a = data().asFloatBuffer();
    FloatBuffer b = other.data().asFloatBuffer();
    double max = 0;
    for (int i = 0; i < a.remaining(); i++) {
      double d = Math.abs((double) a.get(i) - b.get(i));
      if (Double.isNaN(d)) {
        return Double.POSITIVE_INFINITY;
      }
      max = Math.max(max, d);
    }
    return max;
  }

  static long elementCount(long[] shape) {
    long n = 1;
    for (long d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("tensor shape has an unresolved dimension: " + Arrays.toString(shape));
      }
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  @Override
  public String toString() {
    return type + Arrays.toString(shape);
  }
}
