package io.splitstream.devices.processor;

import io.splitstream.devices.model.ModelFormat;
import io.splitstream.devices.model.OpClass;
import io.splitstream.devices.model.Segment;
import io.splitstream.devices.model.SegmentCost;
import io.splitstream.devices.model.TensorSpec;
import io.splitstream.devices.onnx.proto.Onnx;
import io.splitstream.devices.tensor.ElementType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Builds tiny ONNX models in memory (float32 only) and wraps them as segments, so processor tests
 * need no model files. Costs are given by the caller; op types are collected from the nodes.
 */
public final class TinyOnnx {
  private final String name;
  private final Onnx.GraphProto.Builder graph = Onnx.GraphProto.newBuilder().setName("g");
  private final List<TensorSpec> inputs = new ArrayList<>();
  private final List<TensorSpec> outputs = new ArrayList<>();
  private final Set<String> opTypes = new LinkedHashSet<>();
  private final Set<String> customDomains = new LinkedHashSet<>();
  private final Map<OpClass, Double> flops = new EnumMap<>(OpClass.class);
  private final Random random = new Random(42);
  private long paramBytes;
  private int nodes;

  private TinyOnnx(String name) {
    this.name = name;
  }

  public static TinyOnnx named(String name) {
    return new TinyOnnx(name);
  }

  public TinyOnnx input(String n, long... shape) {
    graph.addInput(valueInfo(n, shape));
    inputs.add(new TensorSpec(n, ElementType.FLOAT32, Arrays.stream(shape).boxed().toList()));
    return this;
  }

  public TinyOnnx output(String n, long... shape) {
    graph.addOutput(valueInfo(n, shape));
    outputs.add(new TensorSpec(n, ElementType.FLOAT32, Arrays.stream(shape).boxed().toList()));
    return this;
  }

  /** A constant of random values in [-1, 1). */
  public TinyOnnx weight(String n, long... shape) {
    int count = Math.toIntExact(Arrays.stream(shape).reduce(1, Math::multiplyExact));
    Onnx.TensorProto.Builder t = Onnx.TensorProto.newBuilder().setName(n).setDataType(1);
    for (long d : shape) {
      t.addDims(d);
    }
    for (int i = 0; i < count; i++) {
      t.addFloatData(random.nextFloat() * 2 - 1);
    }
    graph.addInitializer(t);
    paramBytes += count * 4L;
    return this;
  }

  public TinyOnnx node(String opType, List<String> in, List<String> out, Onnx.AttributeProto... attrs) {
    return node("", opType, in, out, attrs);
  }

  public TinyOnnx node(String domain, String opType, List<String> in, List<String> out, Onnx.AttributeProto... attrs) {
    Onnx.NodeProto.Builder n = Onnx.NodeProto.newBuilder().setOpType(opType).setName(opType + "_" + nodes)
        .addAllInput(in).addAllOutput(out).addAllAttribute(List.of(attrs));
    if (!domain.isEmpty()) {
      n.setDomain(domain);
      customDomains.add(domain);
    }
    graph.addNode(n);
    opTypes.add(opType);
    nodes++;
    return this;
  }

  public TinyOnnx flops(OpClass c, double f) {
    flops.merge(c, f, Double::sum);
    return this;
  }

  public static Onnx.AttributeProto ints(String n, long... v) {
    Onnx.AttributeProto.Builder a = Onnx.AttributeProto.newBuilder().setName(n)
        .setType(Onnx.AttributeProto.AttributeType.INTS);
    for (long x : v) {
      a.addInts(x);
    }
    return a.build();
  }

  public static Onnx.AttributeProto integer(String n, long v) {
    return Onnx.AttributeProto.newBuilder().setName(n).setType(Onnx.AttributeProto.AttributeType.INT).setI(v).build();
  }

  public byte[] bytes() {
    Onnx.ModelProto.Builder m = Onnx.ModelProto.newBuilder().setIrVersion(8).setProducerName("splitstream-tests")
        .addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setDomain("").setVersion(13))
        .setGraph(graph);
    customDomains.forEach(d -> m.addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setDomain(d).setVersion(1)));
    return m.build().toByteArray();
  }

  public Segment segment() {
    return new Segment(name, 0, 1, 0, nodes, ModelFormat.ONNX, bytes(), inputs, outputs, opTypes,
        new SegmentCost(flops, paramBytes, nodes));
  }

  private static Onnx.ValueInfoProto valueInfo(String n, long... shape) {
    Onnx.TensorShapeProto.Builder s = Onnx.TensorShapeProto.newBuilder();
    for (long d : shape) {
      s.addDim(Onnx.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
    }
    return Onnx.ValueInfoProto.newBuilder().setName(n)
        .setType(Onnx.TypeProto.newBuilder().setTensorType(Onnx.TypeProto.Tensor.newBuilder().setElemType(1).setShape(s)))
        .build();
  }

  // ---- the models processor tests share ----

  /** x[1,3,16,16] → Conv(8 filters, 3×3, pad 1) → Relu → Add(bias[1,8,1,1]) → y[1,8,16,16]. */
  public static Segment convReluAdd() {
    return named("conv-relu-add")
        .input("x", 1, 3, 16, 16)
        .weight("w", 8, 3, 3, 3)
        .weight("b", 8)
        .weight("c", 1, 8, 1, 1)
        .node("Conv", List.of("x", "w", "b"), List.of("h"), ints("pads", 1, 1, 1, 1), ints("kernel_shape", 3, 3))
        .node("Relu", List.of("h"), List.of("r"))
        .node("Add", List.of("r", "c"), List.of("y"))
        .output("y", 1, 8, 16, 16)
        .flops(OpClass.CONV, 2.0 * 8 * 16 * 16 * 27)
        .flops(OpClass.ELEMENTWISE, 2.0 * 8 * 16 * 16)
        .segment();
  }

  /** x[1,4] → Sin → y[1,4]: an op that GPU and NPU delegates commonly lack. */
  public static Segment sin() {
    return named("sin")
        .input("x", 1, 4)
        .node("Sin", List.of("x"), List.of("y"))
        .output("y", 1, 4)
        .flops(OpClass.ELEMENTWISE, 4)
        .segment();
  }

  /** x[1,4] → SplitstreamNoSuchOp (default domain, no such op exists) → y[1,4]. */
  public static Segment noSuchOp() {
    return named("no-such-op")
        .input("x", 1, 4)
        .node("SplitstreamNoSuchOp", List.of("x"), List.of("y"))
        .output("y", 1, 4)
        .flops(OpClass.OTHER, 4)
        .segment();
  }
}
