package io.splitstream.devices.onnx;

import io.splitstream.devices.model.TensorSpec;
import io.splitstream.devices.tensor.Tensor;
import io.splitstream.devices.tensor.TensorMap;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Deterministic inputs for a model: the same model, shapes and seed give the same bytes on every
 * machine. Floating-point inputs are uniform in {@code [0, 1)} (FLOAT16 takes quarters), integer
 * inputs are in {@code 0..3}, booleans are 0 or 1. Stateless and thread-safe.
 */
public final class SampleInputs {
  private static final short[] HALF_QUARTERS = {0x0000, 0x3400, 0x3800, 0x3A00};

  private SampleInputs() {}

  /**
   * One tensor per model input, in model order, with the shapes {@code shapes} resolves to.
   *
   * @throws io.splitstream.devices.SplitstreamException when {@code shapes} does not fit the model
   */
  public static TensorMap forModel(OnnxModel model, InputShapes shapes, long seed) {
    return forShapes(model.inputs(), shapes.resolve(model.name(), model.inputs()), seed);
  }

  static TensorMap forShapes(List<TensorSpec> inputs, Map<String, long[]> shapes, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (TensorSpec in : inputs) {
      long[] shape = shapes.get(in.name());
      long count = 1;
      for (long d : shape) {
        count = Math.multiplyExact(count, d);
      }
      ByteBuffer b = ByteBuffer.allocateDirect(Math.toIntExact(count * in.type().bytes()))
          .order(ByteOrder.nativeOrder());
      for (long i = 0; i < count; i++) {
        switch (in.type()) {
          case FLOAT32 -> b.putFloat((float) rnd.nextDouble());
          case DOUBLE -> b.putDouble(rnd.nextDouble());
          case FLOAT16 -> b.putShort(HALF_QUARTERS[rnd.nextInt(4)]);
          case BOOL -> b.put((byte) rnd.nextInt(2));
          case INT8, UINT8 -> b.put((byte) rnd.nextInt(4));
          case INT16, UINT16 -> b.putShort((short) rnd.nextInt(4));
          case INT32 -> b.putInt(rnd.nextInt(4));
          case INT64 -> b.putLong(rnd.nextInt(4));
        }
      }
      b.flip();
      out.put(in.name(), Tensor.of(in.type(), shape, b));
    }
    return TensorMap.of(out);
  }
}
