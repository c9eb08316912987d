package io.splitstream.devices.tensor;

import java.util.Arrays;

/** Element types that cross segment boundaries, with their ONNX {@code TensorProto.DataType} codes. */
public enum ElementType {
  FLOAT32(1, 4),
  UINT8(2, 1),
  INT8(3, 1),
  UINT16(4, 2),
  INT16(5, 2),
  INT32(6, 4),
  INT64(7, 8),
  BOOL(9, 1),
  FLOAT16(10, 2),
  DOUBLE(11, 8);

  private final int onnxCode;
  private final int bytes;

  ElementType(int onnxCode, int bytes) {
    this.onnxCode = onnxCode;
    this.bytes = bytes;
  }

  public int onnxCode() {
    return onnxCode;
  }

  /** Size of one element in bytes. */
  public int bytes() {
    return bytes;
  }

  /** @throws IllegalArgumentException naming the code when Splitstream cannot carry that type */
  public static ElementType fromOnnx(int code) {
    return Arrays.stream(values())
        .filter(t -> t.onnxCode == code)
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("ONNX element type " + code + " is not supported"));
  }
}
