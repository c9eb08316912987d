package io.splitstream.devices.onnx;

import io.splitstream.devices.model.SegmentCost;
import io.splitstream.devices.onnx.proto.Onnx.GraphProto;
import io.splitstream.devices.onnx.proto.Onnx.ModelProto;
import io.splitstream.devices.onnx.proto.Onnx.NodeProto;
import io.splitstream.devices.onnx.proto.Onnx.TensorProto;
import io.splitstream.devices.onnx.proto.Onnx.TensorShapeProto;
import io.splitstream.devices.onnx.proto.Onnx.ValueInfoProto;
import io.splitstream.devices.tensor.ElementType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A whole model's cost from the shapes it declares (value_info, inputs, outputs, initializer dims)
 * without running it: the same per-node estimates as a probed {@link OnnxGraph}, for models whose
 * initializers hold no data (timing-only architectures). With {@code fuseActivations}, a Relu or
 * Clip that directly follows a Conv, Gemm, MatMul or Add is left out, nodes and FLOPs, as TFLite
 * fuses it into that op: the phone profiles were calibrated on TFLite node counts. Each node's
 * bytes moved ({@link SegmentCost.Node}) are its activation inputs and outputs at their declared
 * element size plus the initializers it reads; a tensor without a declared shape counts 0.
 */
public final class StaticCost {
  private static final Set<String> FUSED = Set.of("Relu", "Clip");
  private static final Set<String> FUSES_INTO = Set.of("Conv", "Gemm", "MatMul", "Add");

  private StaticCost() {}

  public static SegmentCost of(ModelProto model, boolean fuseActivations) {
    GraphProto g = model.getGraph();
    Map<String, List<Long>> shapes = new HashMap<>();
    Map<String, Integer> elementBytes = new HashMap<>();
    for (List<ValueInfoProto> vs : List.of(g.getInputList(), g.getOutputList(), g.getValueInfoList())) {
      for (ValueInfoProto v : vs) {
        if (v.getType().hasTensorType() && v.getType().getTensorType().hasShape()) {
          List<TensorShapeProto.Dimension> dims = v.getType().getTensorType().getShape().getDimList();
          if (dims.stream().allMatch(TensorShapeProto.Dimension::hasDimValue)) {
            shapes.put(v.getName(), dims.stream().map(TensorShapeProto.Dimension::getDimValue).toList());
            elementBytes.put(v.getName(), elementBytes(v.getType().getTensorType().getElemType()));
          }
        }
      }
    }
    long params = 0;
    for (TensorProto t : g.getInitializerList()) {
      shapes.put(t.getName(), t.getDimsList());
      elementBytes.put(t.getName(), elementBytes(t.getDataType()));
      params += 4L * (long) Flops.count(t.getDimsList());
    }
    Map<String, String> producer = new HashMap<>();
    g.getNodeList().forEach(n -> n.getOutputList().forEach(o -> producer.put(o, n.getOpType())));
    List<SegmentCost.Node> nodes = new ArrayList<>();
    for (NodeProto n : g.getNodeList()) {
      if (n.getOpType().equals("Constant")) {
        continue;
      }
      if (fuseActivations && FUSED.contains(n.getOpType()) && n.getInputCount() > 0
          && FUSES_INTO.contains(producer.getOrDefault(n.getInput(0), ""))) {
        continue;
      }
      Flops.Estimate e = Flops.estimate(n, name -> Optional.ofNullable(shapes.get(name)));
      long bytes = 0;
      for (List<String> names : List.of(n.getInputList(), n.getOutputList())) {
        for (String t : names) {
          if (!t.isEmpty() && shapes.containsKey(t)) {
            bytes += (long) Flops.count(shapes.get(t)) * elementBytes.get(t);
          }
        }
      }
      nodes.add(new SegmentCost.Node(e.opClass(), e.flops(), bytes, n.getOpType(), false));
    }
    return SegmentCost.ofNodes(nodes, params);
  }

  private static int elementBytes(int onnxType) {
    try {
      return ElementType.fromOnnx(onnxType).bytes();
    } catch (IllegalArgumentException e) {
      return 4; // a type Splitstream cannot carry: counted as a float
    }
  }
}
