package io.splitstream.devices.onnx;

import io.splitstream.devices.model.OpClass;
import io.splitstream.devices.model.SegmentCost;
import io.splitstream.devices.onnx.proto.Onnx.GraphProto;
import io.splitstream.devices.onnx.proto.Onnx.ModelProto;
import io.splitstream.devices.onnx.proto.Onnx.NodeProto;
import io.splitstream.devices.onnx.proto.Onnx.TensorProto;
import io.splitstream.devices.onnx.proto.Onnx.TensorShapeProto;
import io.splitstream.devices.onnx.proto.Onnx.ValueInfoProto;
import java.util.EnumMap;
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
 * fuses it into that op: the phone profiles were calibrated on TFLite node counts.
 */
public final class StaticCost {
  private static final Set<String> FUSED = Set.of("Relu", "Clip");
  private static final Set<String> FUSES_INTO = Set.of("Conv", "Gemm", "MatMul", "Add");

  private StaticCost() {}

  public static SegmentCost of(ModelProto model, boolean fuseActivations) {
    GraphProto g = model.getGraph();
    Map<String, List<Long>> shapes = new HashMap<>();
    for (List<ValueInfoProto> vs : List.of(g.getInputList(), g.getOutputList(), g.getValueInfoList())) {
      for (ValueInfoProto v : vs) {
        if (v.getType().hasTensorType() && v.getType().getTensorType().hasShape()) {
          List<TensorShapeProto.Dimension> dims = v.getType().getTensorType().getShape().getDimList();
          if (dims.stream().allMatch(TensorShapeProto.Dimension::hasDimValue)) {
            shapes.put(v.getName(), dims.stream().map(TensorShapeProto.Dimension::getDimValue).toList());
          }
        }
      }
    }
    long params = 0;
    for (TensorProto t : g.getInitializerList()) {
      shapes.put(t.getName(), t.getDimsList());
      params += 4L * (long) Flops.count(t.getDimsList());
    }
    Map<String, String> producer = new HashMap<>();
    g.getNodeList().forEach(n -> n.getOutputList().forEach(o -> producer.put(o, n.getOpType())));
    EnumMap<OpClass, Double> flops = new EnumMap<>(OpClass.class);
    int nodes = 0;
    for (NodeProto n : g.getNodeList()) {
      if (n.getOpType().equals("Constant")) {
        continue;
      }
      if (fuseActivations && FUSED.contains(n.getOpType()) && n.getInputCount() > 0
          && FUSES_INTO.contains(producer.getOrDefault(n.getInput(0), ""))) {
        continue;
      }
      Flops.Estimate e = Flops.estimate(n, name -> Optional.ofNullable(shapes.get(name)));
      flops.merge(e.opClass(), e.flops(), Double::sum);
      nodes++;
    }
    return new SegmentCost(flops, params, nodes);
  }
}
