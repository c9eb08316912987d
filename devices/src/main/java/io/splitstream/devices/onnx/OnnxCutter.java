package io.splitstream.devices.onnx;

import io.splitstream.devices.model.ModelFormat;
import io.splitstream.devices.model.Segment;
import io.splitstream.devices.model.TensorSpec;
import io.splitstream.devices.onnx.proto.Onnx.AttributeProto;
import io.splitstream.devices.onnx.proto.Onnx.GraphProto;
import io.splitstream.devices.onnx.proto.Onnx.ModelProto;
import io.splitstream.devices.onnx.proto.Onnx.NodeProto;
import io.splitstream.devices.onnx.proto.Onnx.TensorProto;
import io.splitstream.devices.onnx.proto.Onnx.TensorShapeProto;
import io.splitstream.devices.onnx.proto.Onnx.TypeProto;
import io.splitstream.devices.onnx.proto.Onnx.ValueInfoProto;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Writes nodes {@code [from, to)} of a graph as a model file of its own. The segment keeps the
 * source's IR version, operator set imports, functions and metadata; it gets the weights and
 * Constant nodes its nodes read, the activations crossing the cut in front of it as inputs and
 * those crossing the cut behind it as outputs (a tensor may be both: it passes straight through).
 * Input and output types come from the source's declarations where they agree with the probe,
 * otherwise from the probe with the rank fixed and every dimension left open that the runtime's
 * shape inference of the whole model leaves open, so the segment runs at any input size the whole
 * model runs at and its own shape inference knows what the whole model's knew (a Resize whose
 * {@code sizes} crosses the cut needs that tensor's length, or ONNX Runtime fails to load the
 * segment: "Number of elements of input 'sizes' (0) must be same as rank of input 'X' (4)").
 */
final class OnnxCutter {
  private OnnxCutter() {}

  static Segment segment(ModelProto model, OnnxGraph g, int from, int to, int index, int count) {
    Structure s = g.structure();
    int n = g.size();
    List<String> inputs = from == 0 ? s.inputs.stream().map(TensorSpec::name).toList() : g.crossing(from);
    List<String> outputs = to == n ? s.outputs.stream().map(TensorSpec::name).toList() : g.crossing(to);

    Set<String> constantsRead = new LinkedHashSet<>();
    Set<String> opTypes = new TreeSet<>();
    Set<String> produced = new HashSet<>();
    for (int i = from; i < to; i++) {
      Structure.Node node = s.nodes.get(i);
      node.inputs().stream().filter(s.constants::containsKey).forEach(constantsRead::add);
      collectOpTypes(node.proto(), opTypes);
      produced.addAll(node.proto().getOutputList());
    }
    outputs.stream().filter(s.constants::containsKey).forEach(constantsRead::add);

    GraphProto src = model.getGraph();
    GraphProto.Builder gb = GraphProto.newBuilder()
        .setName((src.getName().isEmpty() ? "graph" : src.getName()) + "_" + from + "_" + to);
    List<TensorProto> initializers = new ArrayList<>();
    for (String c : constantsRead) {
      Structure.TensorSource t = s.constants.get(c);
      if (t.initializer().isPresent()) {
        initializers.add(t.initializer().get());
      } else {
        gb.addNode(t.constantNode().orElseThrow());
        opTypes.add("Constant");
      }
    }
    for (int i = from; i < to; i++) {
      gb.addNode(s.nodes.get(i).proto());
    }
    gb.addAllInitializer(initializers);
    List<TensorSpec> inSpecs = new ArrayList<>();
    for (String in : inputs) {
      ValueInfoProto v = valueInfo(g, s, in);
      gb.addInput(v);
      inSpecs.add(Structure.spec(g.modelName(), "input", v));
    }
    if (model.getIrVersion() < 4) {
      // before IR 4 a runtime expects every initializer among the graph inputs
      for (TensorProto t : initializers) {
        gb.addInput(ValueInfoProto.newBuilder().setName(t.getName()).setType(TypeProto.newBuilder()
            .setTensorType(TypeProto.Tensor.newBuilder().setElemType(t.getDataType())
                .setShape(staticShape(t.getDimsList())))));
      }
    }
    List<TensorSpec> outSpecs = new ArrayList<>();
    for (String out : outputs) {
      ValueInfoProto v = valueInfo(g, s, out);
      gb.addOutput(v);
      outSpecs.add(Structure.spec(g.modelName(), "output", v));
    }
    Set<String> io = new HashSet<>(inputs);
    io.addAll(outputs);
    for (ValueInfoProto v : src.getValueInfoList()) {
      if (produced.contains(v.getName()) && !io.contains(v.getName())) {
        gb.addValueInfo(v);
      }
    }
    byte[] bytes = model.toBuilder().setGraph(gb).build().toByteArray();
    return new Segment(g.modelName(), index, count, from, to, ModelFormat.ONNX, bytes, inSpecs, outSpecs, opTypes,
        g.cost(from, to));
  }

  /**
   * The declared value info when it agrees with the probe, else the probed type with the dims the
   * runtime inferred for the whole model (where they agree with the probe) and the others open.
   */
  private static ValueInfoProto valueInfo(OnnxGraph g, Structure s, String name) {
    TensorSpec probed = g.tensor(name).orElseThrow(() -> new IllegalStateException("no spec for " + name));
    ValueInfoProto declared = s.declared.get(name);
    if (declared != null && agrees(declared, probed)) {
      return declared;
    }
    List<Long> inferred = g.inferredShape(name).filter(d -> d.size() == probed.shape().size()).orElse(List.of());
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
    for (int i = 0; i < probed.shape().size(); i++) {
      boolean fixed = !inferred.isEmpty() && inferred.get(i).equals(probed.shape().get(i));
      shape.addDim(fixed ? TensorShapeProto.Dimension.newBuilder().setDimValue(probed.shape().get(i)).build()
          : TensorShapeProto.Dimension.getDefaultInstance());
    }
    return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
        .setTensorType(TypeProto.Tensor.newBuilder().setElemType(probed.type().onnxCode()).setShape(shape))).build();
  }

  private static boolean agrees(ValueInfoProto v, TensorSpec probed) {
    if (!v.getType().hasTensorType() || !v.getType().getTensorType().hasShape()
        || v.getType().getTensorType().getElemType() != probed.type().onnxCode()) {
      return false;
    }
    List<TensorShapeProto.Dimension> dims = v.getType().getTensorType().getShape().getDimList();
    if (dims.size() != probed.shape().size()) {
      return false;
    }
    for (int i = 0; i < dims.size(); i++) {
      if (dims.get(i).hasDimValue() && dims.get(i).getDimValue() != probed.shape().get(i)) {
        return false;
      }
    }
    return true;
  }

  private static TensorShapeProto staticShape(List<Long> dims) {
    TensorShapeProto.Builder b = TensorShapeProto.newBuilder();
    dims.forEach(d -> b.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d)));
    return b.build();
  }

  static void collectOpTypes(NodeProto n, Set<String> into) {
    into.add(n.getOpType());
    for (AttributeProto a : n.getAttributeList()) {
      List<GraphProto> subs = new ArrayList<>(a.getGraphsList());
      if (a.hasG()) {
        subs.add(a.getG());
      }
      for (GraphProto sub : subs) {
        sub.getNodeList().forEach(inner -> collectOpTypes(inner, into));
      }
    }
  }
}
