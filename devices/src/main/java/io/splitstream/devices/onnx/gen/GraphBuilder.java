package io.splitstream.devices.onnx.gen;

import com.google.protobuf.ByteString;
import io.splitstream.devices.onnx.proto.Onnx.AttributeProto;
import io.splitstream.devices.onnx.proto.Onnx.GraphProto;
import io.splitstream.devices.onnx.proto.Onnx.ModelProto;
import io.splitstream.devices.onnx.proto.Onnx.NodeProto;
import io.splitstream.devices.onnx.proto.Onnx.OperatorSetIdProto;
import io.splitstream.devices.onnx.proto.Onnx.TensorProto;
import io.splitstream.devices.onnx.proto.Onnx.TensorShapeProto;
import io.splitstream.devices.onnx.proto.Onnx.TypeProto;
import io.splitstream.devices.onnx.proto.Onnx.ValueInfoProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Builds a float32 NCHW graph node by node, drawing weights from one seeded generator in call
 * order, and tracking static shapes where the inputs have them so every activation gets a
 * value_info entry. Not thread-safe; one builder makes one model.
 */
final class GraphBuilder {
  static final long IR_VERSION = 8;
  static final long OPSET = 13;

  private final String name;
  private final SplittableRandom rnd;
  private final GraphProto.Builder graph = GraphProto.newBuilder();
  /** Static shape of each tensor, absent where a dimension is dynamic. */
  private final Map<String, long[]> shapes = new HashMap<>();
  private final Map<String, Integer> counters = new HashMap<>();
  private final long opset;
  /** False for a shapes-only graph: initializers carry their dims but no data (cost, not compute). */
  private final boolean withWeights;

  GraphBuilder(String name, long seed) {
    this(name, seed, OPSET, true);
  }

  GraphBuilder(String name, long seed, boolean withWeights) {
    this(name, seed, OPSET, withWeights);
  }

  /** A builder whose model imports operator set {@code opset} of the default domain. */
  GraphBuilder(String name, long seed, long opset) {
    this(name, seed, opset, true);
  }

  private GraphBuilder(String name, long seed, long opset, boolean withWeights) {
    this.opset = opset;
    this.name = name;
    this.rnd = new SplittableRandom(seed);
    this.withWeights = withWeights;
    graph.setName(name.replace('-', '_'));
  }

  /** Declares a float input; a {@code null} entry in {@code dimParams} keeps that dimension fixed. */
  String input(String tensor, long[] dims, String[] dimParams) {
    graph.addInput(valueInfo(tensor, dims, dimParams));
    boolean isStatic = dimParams == null || Arrays.stream(dimParams).allMatch(p -> p == null);
    if (isStatic) {
      shapes.put(tensor, dims.clone());
    }
    return tensor;
  }

  void output(String tensor, long[] dims, String[] dimParams) {
    graph.addOutput(valueInfo(tensor, dims, dimParams));
  }

  /** Declares {@code tensor} as an output with its tracked static shape. */
  void output(String tensor) {
    graph.addOutput(valueInfo(tensor, shapes.get(tensor), null));
  }

  long[] shape(String tensor) {
    return shapes.get(tensor);
  }

  /** A Constant node holding a float scalar, placed where it is called. */
  String constantScalar(String tensor, float value) {
    TensorProto t = floats(tensor, new long[0], new float[] {value});
    graph.addNode(NodeProto.newBuilder().setName(tensor).setOpType("Constant").addOutput(tensor)
        .addAttribute(AttributeProto.newBuilder().setName("value")
            .setType(AttributeProto.AttributeType.TENSOR).setT(t)));
    return tensor;
  }

  /** A float scalar initializer. */
  String scalar(String tensor, float value) {
    graph.addInitializer(floats(tensor, new long[0], new float[] {value}));
    return tensor;
  }

  /**
   * Conv with padding that keeps {@code ceil(H / stride)}; weights uniform with variance
   * {@code gain / fan_in} (gain 2 suits a following ReLU), bias uniform in +-0.05.
   */
  String conv(String x, long cin, long cout, int k, int stride, long group, double gain) {
    return conv(x, cin, cout, k, k, stride, k / 2, k / 2, group, gain);
  }

  /**
   * Conv with a {@code kh} x {@code kw} kernel and padding {@code ph}, {@code pw} on each side (0
   * for TensorFlow's VALID); weights and bias as {@link #conv(String, long, long, int, int, long, double)}.
   */
  String conv(String x, long cin, long cout, int kh, int kw, int stride, int ph, int pw, long group, double gain) {
    String n = next("conv");
    long fanIn = cin / group * kh * kw;
    String w = weight(n + ".w", new long[] {cout, cin / group, kh, kw}, Math.sqrt(3 * gain / fanIn));
    String b = weight(n + ".b", new long[] {cout}, 0.05);
    String y = node("Conv", n, List.of(x, w, b), List.of(
        ints("kernel_shape", kh, kw), ints("strides", stride, stride), ints("pads", ph, pw, ph, pw),
        AttributeProto.newBuilder().setName("group").setType(AttributeProto.AttributeType.INT).setI(group).build()));
    long[] xs = shapes.get(x);
    if (xs != null) {
      track(y, xs[0], cout, (xs[2] + 2L * ph - kh) / stride + 1, (xs[3] + 2L * pw - kw) / stride + 1);
    }
    return y;
  }

  /**
   * 1-D Conv over [N, C, L] with padding that keeps {@code ceil(L / stride)}; weights as {@link
   * #conv}.
   */
  String conv1d(String x, long cin, long cout, int k, int stride, double gain) {
    String n = next("conv1d");
    long fanIn = cin * k;
    String w = weight(n + ".w", new long[] {cout, cin, k}, Math.sqrt(3 * gain / fanIn));
    String b = weight(n + ".b", new long[] {cout}, 0.05);
    int pad = k / 2;
    String y = node("Conv", n, List.of(x, w, b), List.of(
        ints("kernel_shape", k), ints("strides", stride), ints("pads", pad, pad)));
    long[] xs = shapes.get(x);
    if (xs != null) {
      track(y, xs[0], cout, (xs[2] + 2L * pad - k) / stride + 1);
    }
    return y;
  }

  /** Transpose with {@code perm}. */
  String transpose(String x, long... perm) {
    String y = node("Transpose", next("transpose"), List.of(x), List.of(ints("perm", perm)));
    long[] xs = shapes.get(x);
    if (xs != null) {
      long[] s = new long[perm.length];
      for (int i = 0; i < perm.length; i++) {
        s[i] = xs[(int) perm[i]];
      }
      track(y, s);
    }
    return y;
  }

  /** Reshape to the fixed {@code dims} (an int64 initializer holds them). */
  String reshape(String x, long... dims) {
    String n = next("reshape");
    TensorProto.Builder shape = TensorProto.newBuilder().setName(n + ".shape")
        .setDataType(TensorProto.DataType.INT64_VALUE).addDims(dims.length);
    ByteBuffer raw = ByteBuffer.allocate(dims.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    for (long d : dims) {
      raw.putLong(d);
    }
    graph.addInitializer(shape.setRawData(ByteString.copyFrom(raw.array())));
    String y = node("Reshape", n, List.of(x, n + ".shape"), List.of());
    track(y, dims.clone());
    return y;
  }

  String unary(String op, String x) {
    String y = node(op, next(op.toLowerCase(Locale.ROOT)), List.of(x), List.of());
    copyShape(x, y);
    return y;
  }

  String clip(String x, String min, String max) {
    String y = node("Clip", next("relu6"), List.of(x, min, max), List.of());
    copyShape(x, y);
    return y;
  }

  /** Element-wise op of two same-shaped tensors (or a tensor and a scalar). */
  String binary(String op, String a, String b) {
    String y = node(op, next(op.toLowerCase(Locale.ROOT)), List.of(a, b), List.of());
    copyShape(a, y);
    return y;
  }

  String maxPool(String x, int k, int stride) {
    return pool("MaxPool", x, k, stride, k / 2);
  }

  /** {@code MaxPool} or {@code AveragePool} (padding not counted), {@code pad} on each side. */
  String pool(String op, String x, int k, int stride, int pad) {
    return pool(op, x, k, stride, pad, false);
  }

  /**
   * A pool whose output size rounds up ({@code ceil_mode = 1}, as Caffe and torchvision pool) when
   * {@code ceil}: a window may then hang over the input's far edge.
   */
  String pool(String op, String x, int k, int stride, int pad, boolean ceil) {
    List<AttributeProto> attrs = new java.util.ArrayList<>(List.of(
        ints("kernel_shape", k, k), ints("strides", stride, stride), ints("pads", pad, pad, pad, pad)));
    if (ceil) {
      attrs.add(AttributeProto.newBuilder().setName("ceil_mode").setType(AttributeProto.AttributeType.INT).setI(1)
          .build());
    }
    String y = node(op, next(op.toLowerCase(Locale.ROOT)), List.of(x), attrs);
    long[] xs = shapes.get(x);
    if (xs != null) {
      track(y, xs[0], xs[1], pooled(xs[2], k, stride, pad, ceil), pooled(xs[3], k, stride, pad, ceil));
    }
    return y;
  }

  private static long pooled(long in, int k, int stride, int pad, boolean ceil) {
    long span = in + 2L * pad - k;
    return (ceil ? -Math.floorDiv(-span, stride) : span / stride) + 1;
  }

  /** GlobalAveragePool then Flatten: [N, C, H, W] (or [N, C, L]) to [N, C]. */
  String pooledVector(String x) {
    String p = node("GlobalAveragePool", next("gap"), List.of(x), List.of());
    String f = node("Flatten", next("flatten"), List.of(p), List.of(
        AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT).setI(1).build()));
    long[] xs = shapes.get(x);
    if (xs != null) {
      long[] pooled = new long[xs.length];
      java.util.Arrays.fill(pooled, 1);
      pooled[0] = xs[0];
      pooled[1] = xs[1];
      track(p, pooled);
      track(f, xs[0], xs[1]);
    }
    return f;
  }

  /** Gemm y = x W^T + b with W [out, in] of variance {@code gain / in}. */
  String dense(String x, long in, long out, double gain) {
    String n = next("fc");
    String w = weight(n + ".w", new long[] {out, in}, Math.sqrt(3 * gain / in));
    String b = weight(n + ".b", new long[] {out}, 0.05);
    String y = node("Gemm", n, List.of(x, w, b), List.of(
        AttributeProto.newBuilder().setName("transB").setType(AttributeProto.AttributeType.INT).setI(1).build()));
    long[] xs = shapes.get(x);
    if (xs != null) {
      track(y, xs[0], out);
    }
    return y;
  }

  String concat(int axis, String... xs) {
    String y = node("Concat", next("concat"), List.of(xs), List.of(
        AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT).setI(axis).build()));
    long[] first = shapes.get(xs[0]);
    if (first != null && Arrays.stream(xs).allMatch(shapes::containsKey)) {
      long[] s = first.clone();
      s[axis] = Arrays.stream(xs).mapToLong(t -> shapes.get(t)[axis]).sum();
      shapes.put(y, s);
      graph.addValueInfo(valueInfo(y, s, null));
    }
    return y;
  }

  /** An initializer with no elements (dims {@code [0]}), the form exporters give an unused optional input. */
  String emptyInitializer(String tensor, int dataType) {
    graph.addInitializer(TensorProto.newBuilder().setName(tensor).setDataType(dataType).addDims(0));
    return tensor;
  }

  /** A Constant node holding a tensor with no elements, placed where it is called. */
  String emptyConstant(String tensor, int dataType) {
    graph.addNode(NodeProto.newBuilder().setName(tensor).setOpType("Constant").addOutput(tensor)
        .addAttribute(AttributeProto.newBuilder().setName("value").setType(AttributeProto.AttributeType.TENSOR)
            .setT(TensorProto.newBuilder().setName(tensor).setDataType(dataType).addDims(0))));
    return tensor;
  }

  /** A 1-D float initializer. */
  String floatVector(String tensor, float... values) {
    graph.addInitializer(floats(tensor, new long[] {values.length}, values));
    return tensor;
  }

  /** A 1-D int64 initializer. */
  String longVector(String tensor, long... values) {
    TensorProto.Builder t = TensorProto.newBuilder().setName(tensor).setDataType(TensorProto.DataType.INT64_VALUE)
        .addDims(values.length);
    for (long v : values) {
      t.addInt64Data(v);
    }
    graph.addInitializer(t);
    return tensor;
  }

  /**
   * Resize (nearest) with its inputs as given: {@code ""} for an omitted optional input, and no
   * trailing entries past the last given one. {@code out} is the output's static shape.
   */
  String resize(List<String> inputs, long[] out) {
    String y = node("Resize", next("resize"), inputs, List.of(AttributeProto.newBuilder().setName("mode")
        .setType(AttributeProto.AttributeType.STRING).setS(com.google.protobuf.ByteString.copyFromUtf8("nearest"))
        .build()));
    if (out != null) {
      track(y, out);
    }
    return y;
  }

  /**
   * A node with no attributes whose output gets no value info (as many exporters leave tensors that
   * only hold shapes), e.g. Shape or an int64 Mul.
   */
  String untracked(String op, List<String> inputs) {
    return node(op, next(op.toLowerCase(java.util.Locale.ROOT)), inputs, List.of());
  }

  ModelProto build(String doc) {
    Set<String> io = new HashSet<>();
    graph.getInputList().forEach(v -> io.add(v.getName()));
    graph.getOutputList().forEach(v -> io.add(v.getName()));
    List<ValueInfoProto> inner = graph.getValueInfoList().stream().filter(v -> !io.contains(v.getName())).toList();
    graph.clearValueInfo().addAllValueInfo(inner);
    return ModelProto.newBuilder()
        .setIrVersion(IR_VERSION)
        .setProducerName("splitstream-generator")
        .setProducerVersion("1")
        .setDocString(doc)
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset))
        .setGraph(graph)
        .build();
  }

  private String node(String op, String nodeName, List<String> inputs, List<AttributeProto> attrs) {
    String y = nodeName + ".out";
    graph.addNode(NodeProto.newBuilder().setName(nodeName).setOpType(op).addAllInput(inputs).addOutput(y)
        .addAllAttribute(attrs));
    return y;
  }

  private String weight(String tensor, long[] dims, double bound) {
    if (!withWeights) {
      TensorProto.Builder t = TensorProto.newBuilder().setName(tensor).setDataType(TensorProto.DataType.FLOAT_VALUE);
      for (long d : dims) {
        t.addDims(d);
      }
      graph.addInitializer(t);
      return tensor;
    }
    int n = 1;
    for (long d : dims) {
      n = Math.multiplyExact(n, Math.toIntExact(d));
    }
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) ((rnd.nextDouble() * 2 - 1) * bound);
    }
    graph.addInitializer(floats(tensor, dims, v));
    return tensor;
  }

  private static TensorProto floats(String tensor, long[] dims, float[] values) {
    // raw_data is little-endian whatever the machine
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float f : values) {
      b.putFloat(f);
    }
    TensorProto.Builder t = TensorProto.newBuilder().setName(tensor).setDataType(TensorProto.DataType.FLOAT_VALUE)
        .setRawData(ByteString.copyFrom(b.array()));
    for (long d : dims) {
      t.addDims(d);
    }
    return t.build();
  }

  private void copyShape(String from, String to) {
    long[] s = shapes.get(from);
    if (s != null) {
      track(to, s);
    }
  }

  private void track(String tensor, long... dims) {
    shapes.put(tensor, dims);
    graph.addValueInfo(valueInfo(tensor, dims, null));
  }

  private String next(String prefix) {
    int i = counters.merge(prefix, 1, Integer::sum);
    return prefix + i;
  }

  private static AttributeProto ints(String attr, long... values) {
    AttributeProto.Builder a = AttributeProto.newBuilder().setName(attr).setType(AttributeProto.AttributeType.INTS);
    for (long v : values) {
      a.addInts(v);
    }
    return a.build();
  }

  static ValueInfoProto valueInfo(String tensor, long[] dims, String[] dimParams) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
    for (int i = 0; i < dims.length; i++) {
      String p = dimParams == null ? null : dimParams[i];
      shape.addDim(p != null ? TensorShapeProto.Dimension.newBuilder().setDimParam(p)
          : TensorShapeProto.Dimension.newBuilder().setDimValue(dims[i]));
    }
    return ValueInfoProto.newBuilder().setName(tensor).setType(TypeProto.newBuilder()
        .setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape)))
        .build();
  }

  String name() {
    return name;
  }
}
