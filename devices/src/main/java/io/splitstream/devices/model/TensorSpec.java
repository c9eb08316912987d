package io.splitstream.devices.model;

import io.splitstream.devices.tensor.ElementType;
import java.util.List;

/**
 * A named tensor's declared type and shape. A dimension of {@code -1} is dynamic (a symbolic
 * {@code dim_param} or unknown); {@code shape} is empty for a scalar.
 */
public record TensorSpec(String name, ElementType type, List<Long> shape) {
  public TensorSpec {
    shape = List.copyOf(shape);
  }

  public boolean isStatic() {
    return shape.stream().allMatch(d -> d >= 0);
  }

  /** Bytes of one instance, or -1 when a dimension is dynamic. */
  public long bytes() {
    if (!isStatic()) {
      return -1;
    }
    return shape.stream().reduce(1L, Math::multiplyExact) * type.bytes();
  }

  public long[] shapeArray() {
    return shape.stream().mapToLong(Long::longValue).toArray();
  }
}
