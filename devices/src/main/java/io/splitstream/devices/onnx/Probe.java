package io.splitstream.devices.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.model.TensorSpec;
import io.splitstream.devices.onnx.proto.Onnx.GraphProto;
import io.splitstream.devices.onnx.proto.Onnx.ModelProto;
import io.splitstream.devices.onnx.proto.Onnx.ValueInfoProto;
import io.splitstream.devices.tensor.ElementType;
import io.splitstream.devices.tensor.TensorMap;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Learns the concrete type and shape of every activation by running the model once in ONNX
 * Runtime, with every node output made a graph output. Static shape inference would need every
 * op's shape function; the runtime already has them.
 */
final class Probe {
  /**
   * @param specs concrete spec of every carryable activation (model inputs and node outputs)
   * @param problems why an activation cannot be carried (not a tensor, or an element type
   *     Splitstream lacks), by name
   * @param inferred the shape of each node output as the runtime's own shape inference gives it
   *     when it loads the model at its declared inputs, before any run: {@code -1} where a
   *     dimension is known only at run time (it follows a dynamic input dimension, or data). A
   *     dimension given here holds at every input size the model accepts.
   */
  record Result(Map<String, TensorSpec> specs, Map<String, String> problems, Map<String, List<Long>> inferred) {}

  private Probe() {}

  /** The model with every node output also a graph output, so one run reveals them all. */
  static byte[] withAllOutputs(ModelProto model, Structure s) {
    GraphProto.Builder g = model.getGraph().toBuilder();
    Set<String> already = new HashSet<>();
    g.getOutputList().forEach(v -> already.add(v.getName()));
    for (Structure.Node n : s.nodes) {
      for (String out : n.proto().getOutputList()) {
        if (!out.isEmpty() && already.add(out)) {
          // name only: the runtime infers the type, and a wrong guess here would be an error
          g.addOutput(ValueInfoProto.newBuilder().setName(out));
        }
      }
    }
    return model.toBuilder().setGraph(g).build().toByteArray();
  }

  static Result run(String modelName, ModelProto model, Structure s, Map<String, long[]> shapes, boolean defaulted) {
    byte[] probeModel = withAllOutputs(model, s);
    TensorMap sample = SampleInputs.forShapes(s.inputs, shapes, 0x5eed);
    Map<String, TensorSpec> specs = new LinkedHashMap<>();
    Map<String, String> problems = new HashMap<>();
    for (TensorSpec in : s.inputs) {
      specs.put(in.name(), new TensorSpec(in.name(), in.type(), boxed(shapes.get(in.name()))));
    }
    Map<String, List<Long>> inferred = new HashMap<>();
    try (OrtSession session = Ort.session(probeModel, false)) {
      for (Map.Entry<String, ai.onnxruntime.NodeInfo> e : session.getOutputInfo().entrySet()) {
        if (e.getValue().getInfo() instanceof TensorInfo info) {
          inferred.put(e.getKey(), boxed(info.getShape()));
        }
      }
      Map<String, OnnxTensor> feed = new LinkedHashMap<>();
      try {
        for (String name : session.getInputNames()) {
          feed.put(name, Ort.toOrt(sample.get(name)));
        }
        try (OrtSession.Result r = session.run(feed)) {
          for (Map.Entry<String, OnnxValue> e : r) {
            String name = e.getKey();
            if (!(e.getValue() instanceof OnnxTensor t)) {
              problems.put(name, "it is a " + e.getValue().getType() + ", not a tensor");
              continue;
            }
            TensorInfo info = t.getInfo();
            Optional<ElementType> type = Ort.elementType(info);
            if (type.isEmpty()) {
              problems.put(name, "its element type " + info.onnxType + " cannot be carried");
              continue;
            }
            specs.put(name, new TensorSpec(name, type.get(), boxed(info.getShape())));
          }
        }
      } finally {
        feed.values().forEach(OnnxTensor::close);
      }
    } catch (OrtException | RuntimeException e) {
      String given = InputShapes.format(shapes);
      throw new SplitstreamException(modelName + " could not run in ONNX Runtime with input shapes " + given
          + (defaulted ? " (dynamic dimensions taken as 1)" : "") + ": " + Ort.oneLine(e, 300)
          + "; give concrete input shapes such as --input-shape " + example(s.inputs), e);
    }
    return new Result(Map.copyOf(specs), Map.copyOf(problems), Map.copyOf(inferred));
  }

  private static String example(List<TensorSpec> inputs) {
    TensorSpec first = inputs.isEmpty() ? null : inputs.get(0);
    if (first == null) {
      return "name=1,3,224,224";
    }
    StringBuilder sb = new StringBuilder(first.name()).append('=');
    for (int i = 0; i < first.shape().size(); i++) {
      long d = first.shape().get(i);
      sb.append(i > 0 ? "," : "").append(d >= 0 ? d : (i == 0 ? 1 : 224));
    }
    return sb.toString();
  }

  static List<Long> boxed(long[] dims) {
    return Arrays.stream(dims).boxed().toList();
  }
}
