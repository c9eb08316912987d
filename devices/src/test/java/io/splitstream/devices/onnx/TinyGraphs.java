package io.splitstream.devices.onnx;

import io.splitstream.devices.onnx.proto.Onnx.AttributeProto;
import io.splitstream.devices.onnx.proto.Onnx.GraphProto;
import io.splitstream.devices.onnx.proto.Onnx.ModelProto;
import io.splitstream.devices.onnx.proto.Onnx.NodeProto;
import io.splitstream.devices.onnx.proto.Onnx.OperatorSetIdProto;
import io.splitstream.devices.onnx.proto.Onnx.TensorProto;
import io.splitstream.devices.onnx.proto.Onnx.TensorShapeProto;
import io.splitstream.devices.onnx.proto.Onnx.TypeProto;
import io.splitstream.devices.onnx.proto.Onnx.ValueInfoProto;

/** Hand-written graphs for cases the generator does not make: subgraphs, uncarryable types. */
final class TinyGraphs {
  private TinyGraphs() {}

  static ValueInfoProto tensor(String name, int elemType, long... dims) {
    TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
    for (long d : dims) {
      s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
    }
    return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
        .setTensorType(TypeProto.Tensor.newBuilder().setElemType(elemType).setShape(s))).build();
  }

  static NodeProto node(String op, String name, String[] in, String... out) {
    return NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(java.util.List.of(in))
        .addAllOutput(java.util.List.of(out)).build();
  }

  static TensorProto scalar(String name, float v) {
    return TensorProto.newBuilder().setName(name).setDataType(1).addFloatData(v).build();
  }

  static ModelProto model(GraphProto g) {
    return ModelProto.newBuilder().setIrVersion(8)
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(13)).setGraph(g).build();
  }

  /**
   * x[1,4] -> Relu r; ReduceSum(x) > 0 -> cond; Mul(r, 2) -> m; If(cond) then r + m else r - m
   * (both branches read r and m from the outer scope) -> Sigmoid -> y.
   */
  static ModelProto withIf() {
    GraphProto thenG = GraphProto.newBuilder().setName("then")
        .addNode(node("Add", "then_add", new String[] {"r", "m"}, "t_out"))
        .addOutput(tensor("t_out", 1, 1, 4)).build();
    GraphProto elseG = GraphProto.newBuilder().setName("else")
        .addNode(node("Sub", "else_sub", new String[] {"r", "m"}, "e_out"))
        .addOutput(tensor("e_out", 1, 1, 4)).build();
    NodeProto iff = node("If", "branch", new String[] {"cond"}, "if_out").toBuilder()
        .addAttribute(AttributeProto.newBuilder().setName("then_branch").setType(AttributeProto.AttributeType.GRAPH).setG(thenG))
        .addAttribute(AttributeProto.newBuilder().setName("else_branch").setType(AttributeProto.AttributeType.GRAPH).setG(elseG))
        .build();
    NodeProto sum = node("ReduceSum", "sum", new String[] {"x"}, "s").toBuilder()
        .addAttribute(AttributeProto.newBuilder().setName("keepdims").setType(AttributeProto.AttributeType.INT).setI(0))
        .build();
    GraphProto g = GraphProto.newBuilder().setName("if_graph")
        .addInput(tensor("x", 1, 1, 4))
        .addInitializer(scalar("zero", 0f))
        .addInitializer(scalar("two", 2f))
        .addNode(node("Relu", "relu", new String[] {"x"}, "r"))
        .addNode(sum)
        .addNode(node("Greater", "greater", new String[] {"s", "zero"}, "cond"))
        .addNode(node("Mul", "mul", new String[] {"r", "two"}, "m"))
        .addNode(iff)
        .addNode(node("Sigmoid", "sigmoid", new String[] {"if_out"}, "y"))
        .addOutput(tensor("y", 1, 1, 4))
        .build();
    return model(g);
  }

  /** x[1,4] -> Relu r -> Cast to UINT32 u -> Cast to float f; y = f + r. Nothing can carry u. */
  static ModelProto withUint32() {
    AttributeProto toU32 = AttributeProto.newBuilder().setName("to").setType(AttributeProto.AttributeType.INT)
        .setI(TensorProto.DataType.UINT32_VALUE).build();
    AttributeProto toF = AttributeProto.newBuilder().setName("to").setType(AttributeProto.AttributeType.INT)
        .setI(TensorProto.DataType.FLOAT_VALUE).build();
    GraphProto g = GraphProto.newBuilder().setName("cast_graph")
        .addInput(tensor("x", 1, 1, 4))
        .addNode(node("Relu", "relu", new String[] {"x"}, "r"))
        .addNode(node("Cast", "to_u32", new String[] {"r"}, "u").toBuilder().addAttribute(toU32))
        .addNode(node("Cast", "to_f", new String[] {"u"}, "f").toBuilder().addAttribute(toF))
        .addNode(node("Add", "add", new String[] {"f", "r"}, "y"))
        .addOutput(tensor("y", 1, 1, 4))
        .build();
    return model(g);
  }
}
