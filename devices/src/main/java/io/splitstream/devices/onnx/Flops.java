package io.splitstream.devices.onnx;

import io.splitstream.devices.model.OpClass;
import io.splitstream.devices.onnx.proto.Onnx.AttributeProto;
import io.splitstream.devices.onnx.proto.Onnx.NodeProto;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Per-node cost estimates from concrete shapes: one multiply-add counts as two operations, bias
 * additions are left out. Convolutions, transposed convolutions and matrix products are exact
 * multiply-add counts; element-wise ops count one per output element; the rest are rough (one per
 * output element, or per input element for reductions and global pooling).
 */
final class Flops {
  /** The op class and operation count of one node. */
  record Estimate(OpClass opClass, double flops) {}

  private static final Set<String> ELEMENTWISE = Set.of(
      "Add", "Sub", "Mul", "Div", "Pow", "Mod", "Max", "Min", "Sum", "Mean", "Where",
      "Relu", "LeakyRelu", "PRelu", "Elu", "Selu", "Celu", "Gelu", "Mish", "Clip", "Sigmoid", "HardSigmoid",
      "HardSwish", "Tanh", "Softplus", "Softsign", "ThresholdedRelu", "Erf", "Exp", "Log", "Sqrt", "Reciprocal",
      "Abs", "Neg", "Sign", "Floor", "Ceil", "Round", "Sin", "Cos", "Tan", "Asin", "Acos", "Atan", "Sinh", "Cosh",
      "Not", "And", "Or", "Xor", "Equal", "Greater", "GreaterOrEqual", "Less", "LessOrEqual", "IsNaN", "IsInf",
      "Cast", "BatchNormalization", "InstanceNormalization", "LayerNormalization", "QuantizeLinear",
      "DequantizeLinear", "BitShift");
  /** Ops that only relabel their input's shape: no arithmetic, no data movement worth counting. */
  private static final Set<String> VIEWS = Set.of(
      "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity", "Shape", "Size", "Dropout");
  private static final Set<String> REDUCING = Set.of(
      "GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool", "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin",
      "ReduceProd", "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare", "ArgMax", "ArgMin");

  private Flops() {}

  /**
   * @param shapeOf concrete shape of a tensor (activation or constant), empty when unknown
   */
  static Estimate estimate(NodeProto n, Function<String, Optional<List<Long>>> shapeOf) {
    String op = n.getOpType();
    boolean onnxDomain = n.getDomain().isEmpty() || n.getDomain().equals("ai.onnx");
    double outElements = n.getOutputList().stream().filter(o -> !o.isEmpty())
        .mapToDouble(o -> shapeOf.apply(o).map(Flops::count).orElse(0.0)).sum();
    if (!onnxDomain) {
      return new Estimate(OpClass.OTHER, outElements);
    }
    switch (op) {
      case "Conv" -> {
        return conv(n, shapeOf, outElements);
      }
      case "ConvTranspose" -> {
        return convTranspose(n, shapeOf);
      }
      case "MatMul", "Gemm", "MatMulInteger" -> {
        Optional<List<Long>> a = input(n, 0, shapeOf);
        if (a.isEmpty() || a.get().isEmpty()) {
          return new Estimate(OpClass.MATMUL, 0);
        }
        List<Long> s = a.get();
        long k = op.equals("Gemm") && intAttr(n, "transA", 0) == 1 ? s.get(0) : s.get(s.size() - 1);
        return new Estimate(OpClass.MATMUL, 2.0 * outElements * k);
      }
      default -> {
        if (ELEMENTWISE.contains(op)) {
          return new Estimate(OpClass.ELEMENTWISE, outElements);
        }
        if (VIEWS.contains(op)) {
          return new Estimate(OpClass.OTHER, 0);
        }
        if (REDUCING.contains(op)) {
          return new Estimate(OpClass.OTHER, input(n, 0, shapeOf).map(Flops::count).orElse(outElements));
        }
        if (op.equals("MaxPool") || op.equals("AveragePool") || op.equals("LpPool")) {
          return new Estimate(OpClass.OTHER, outElements * product(intsAttr(n, "kernel_shape")));
        }
        return new Estimate(OpClass.OTHER, outElements);
      }
    }
  }

  private static Estimate conv(NodeProto n, Function<String, Optional<List<Long>>> shapeOf, double outElements) {
    long group = intAttr(n, "group", 1);
    Optional<List<Long>> w = input(n, 1, shapeOf);
    if (w.isEmpty() || w.get().size() < 2) {
      return new Estimate(OpClass.CONV, 0);
    }
    List<Long> ws = w.get();
    // W is [M, C/group, k1, k2, ...]: each output element takes C/group * k1 * k2 ... multiply-adds
    double perOutput = count(ws.subList(1, ws.size()));
    long inChannels = ws.get(1) * group;
    OpClass c = group > 1 && group == inChannels ? OpClass.DEPTHWISE_CONV : OpClass.CONV;
    return new Estimate(c, 2.0 * outElements * perOutput);
  }

  private static Estimate convTranspose(NodeProto n, Function<String, Optional<List<Long>>> shapeOf) {
    long group = intAttr(n, "group", 1);
    Optional<List<Long>> w = input(n, 1, shapeOf);
    Optional<List<Long>> x = input(n, 0, shapeOf);
    if (w.isEmpty() || x.isEmpty() || w.get().size() < 2) {
      return new Estimate(OpClass.CONV, 0);
    }
    List<Long> ws = w.get();
    // W is [C, M/group, k1, ...]: every input element scatters into M/group * k1 * ... outputs
    double perInput = count(ws.subList(1, ws.size()));
    long inChannels = ws.get(0);
    OpClass c = group > 1 && group == inChannels ? OpClass.DEPTHWISE_CONV : OpClass.CONV;
    return new Estimate(c, 2.0 * count(x.get()) * perInput);
  }

  private static Optional<List<Long>> input(NodeProto n, int i, Function<String, Optional<List<Long>>> shapeOf) {
    if (n.getInputCount() <= i || n.getInput(i).isEmpty()) {
      return Optional.empty();
    }
    return shapeOf.apply(n.getInput(i));
  }

  static double count(List<Long> shape) {
    double c = 1;
    for (long d : shape) {
      c *= d;
    }
    return c;
  }

  private static double product(List<Long> xs) {
    return xs.isEmpty() ? 1 : count(xs);
  }

  static long intAttr(NodeProto n, String name, long dflt) {
    for (AttributeProto a : n.getAttributeList()) {
      if (a.getName().equals(name)) {
        return a.getI();
      }
    }
    return dflt;
  }

  private static List<Long> intsAttr(NodeProto n, String name) {
    for (AttributeProto a : n.getAttributeList()) {
      if (a.getName().equals(name)) {
        return a.getIntsList();
      }
    }
    return List.of();
  }
}
