package io.splitstream.devices.tflite;

import io.splitstream.devices.model.Segment;
import io.splitstream.devices.model.TensorSpec;
import io.splitstream.devices.tensor.Tensor;
import io.splitstream.devices.tensor.TensorMap;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.lite.Interpreter;

/** Runs a TFLite segment with the plain interpreter (XNNPACK on), for reference outputs. */
public final class TfliteReference {
  private TfliteReference() {}

  public static TensorMap run(Segment segment, TensorMap inputs, int threads) {
    TfliteNative.ensureLoaded();
    byte[] bytes = segment.bytes();
    ByteBuffer model = ByteBuffer.allocateDirect(bytes.length).order(ByteOrder.nativeOrder());
    model.put(bytes).flip();
    Interpreter.Options o = new Interpreter.Options();
    o.setNumThreads(threads);
    o.setUseXNNPACK(true);
    try (Interpreter interpreter = new Interpreter(model, o)) {
      Object[] in = new Object[interpreter.getInputTensorCount()];
      for (int i = 0; i < in.length; i++) {
        float[] v = inputs.get(interpreter.getInputTensor(i).name()).floats();
        ByteBuffer b = ByteBuffer.allocateDirect(v.length * 4).order(ByteOrder.nativeOrder());
        b.asFloatBuffer().put(v);
        in[i] = b;
      }
      Map<Integer, Object> out = new HashMap<>();
      for (int i = 0; i < interpreter.getOutputTensorCount(); i++) {
        out.put(i, ByteBuffer.allocateDirect(interpreter.getOutputTensor(i).numBytes()).order(ByteOrder.nativeOrder()));
      }
      interpreter.runForMultipleInputsOutputs(in, out);
      Map<String, Tensor> result = new LinkedHashMap<>();
      List<TensorSpec> specs = segment.outputs();
      for (int i = 0; i < specs.size(); i++) {
        ByteBuffer b = (ByteBuffer) out.get(i);
        b.rewind();
        result.put(interpreter.getOutputTensor(i).name(),
            Tensor.of(specs.get(i).type(), interpreter.getOutputTensor(i).shape().length == 0 ? new long[0]
                : java.util.Arrays.stream(interpreter.getOutputTensor(i).shape()).asLongStream().toArray(), b));
      }
      return TensorMap.of(result);
    }
  }
}
