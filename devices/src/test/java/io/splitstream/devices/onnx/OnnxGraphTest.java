package io.splitstream.devices.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.model.OpClass;
import io.splitstream.devices.model.TensorSpec;
import io.splitstream.devices.onnx.gen.OnnxModelGenerator;
import io.splitstream.devices.onnx.proto.Onnx.GraphProto;
import io.splitstream.devices.onnx.proto.Onnx.ModelProto;
import io.splitstream.devices.onnx.proto.Onnx.NodeProto;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OnnxGraphTest {
  /** Every node reads only model inputs, constants and outputs of nodes before it. */
  static void assertTopological(OnnxGraph g) {
    Set<String> seen = new HashSet<>();
    g.inputs().forEach(t -> seen.add(t.name()));
    for (GraphNode n : g.nodes()) {
      for (String in : n.inputs()) {
        assertThat(seen.contains(in) || g.isConstant(in))
            .as("node %d %s reads %s before it is produced", n.index(), n.displayName(), in).isTrue();
      }
      seen.addAll(n.outputs());
    }
    for (int i = 0; i < g.size(); i++) {
      assertThat(g.nodes().get(i).index()).isEqualTo(i);
    }
  }

  @Test
  void ordersRealModelsTopologically() {
    assertTopological(TestModels.blazeface().graph());
    assertTopological(TestModels.ppocrDet().graph());
    assertTopological(TestModels.multiHead().graph());
  }

  @Test
  void keepsFileOrderWhenItIsAlreadyTopological() {
    OnnxModel m = TestModels.mobileNetSmall();
    List<String> fileOrder = m.proto().getGraph().getNodeList().stream()
        .filter(n -> !n.getOpType().equals("Constant")).map(NodeProto::getName).toList();
    assertThat(m.graph().nodes()).extracting(GraphNode::name).containsExactlyElementsOf(fileOrder);
  }

  @Test
  void sortsAShuffledFileIntoAStableValidOrder() {
    ModelProto m = OnnxModelGenerator.mobileNetV2(OnnxModelGenerator.mobileNetSmall());
    List<NodeProto> nodes = new ArrayList<>(m.getGraph().getNodeList());
    Collections.shuffle(nodes, new Random(7));
    GraphProto shuffled = m.getGraph().toBuilder().clearNode().addAllNode(nodes).build();
    byte[] bytes = m.toBuilder().setGraph(shuffled).build().toByteArray();
    OnnxGraph g1 = OnnxModel.parse("shuffled", bytes).graph();
    OnnxGraph g2 = OnnxModel.parse("shuffled", bytes).graph();
    assertTopological(g1);
    assertThat(g1.nodes()).extracting(GraphNode::name).containsExactlyElementsOf(
        g2.nodes().stream().map(GraphNode::name).toList());
    assertThat(g1.size()).isEqualTo(TestModels.mobileNetSmall().nodeCount());
  }

  @Test
  void anActivationIsFusableOnlyOnTheSoleUseOfAConvOutputInItsOwnSegment() {
    OnnxGraph g = TestModels.mobileNetSmall().graph();
    // the stem: Conv then Clip (ReLU6) on its only output
    GraphNode conv = g.nodes().stream().filter(n -> n.opType().equals("Conv")).findFirst().orElseThrow();
    GraphNode clip = g.nodes().get(conv.index() + 1);
    assertThat(clip.opType()).isEqualTo("Clip");
    assertThat(clip.inputs().get(0)).isEqualTo(conv.outputs().get(0));
    var whole = g.totalCost().nodes();
    assertThat(whole.get(clip.index()).fusable()).as("Clip after its Conv, same segment").isTrue();
    assertThat(whole.get(clip.index()).opType()).isEqualTo("Clip");
    assertThat(whole.get(conv.index()).fusable()).as("the conv itself").isFalse();
    // a residual Add reads two tensors: never fusable, and nothing but activations and batch norm is
    assertThat(whole).filteredOn(n -> n.fusable())
        .allSatisfy(n -> assertThat(n.opType()).isIn("Relu", "Clip", "LeakyRelu", "Sigmoid", "HardSigmoid", "Tanh",
            "BatchNormalization"))
        .isNotEmpty();
    assertThat(whole).filteredOn(n -> n.opType().equals("Add")).isNotEmpty().noneMatch(n -> n.fusable());
    // cut between them: the Clip's segment has no conv to fuse into
    var after = g.cost(clip.index(), g.size()).nodes();
    assertThat(after.get(0).opType()).isEqualTo("Clip");
    assertThat(after.get(0).fusable()).isFalse();
  }

  @Test
  void convFlopsFollowTheFormula() {
    OnnxGraph g = TestModels.mobileNetSmall().graph();
    // stem: 3x3 stride-2 conv, 3 -> 16 channels, 32x32 -> 16x16: 2 * N*Cout*Hout*Wout * Cin/group*kh*kw
    GraphNode stem = g.nodes().get(0);
    assertThat(stem.opType()).isEqualTo("Conv");
    assertThat(stem.opClass()).isEqualTo(OpClass.CONV);
    assertThat(stem.flops()).isEqualTo(2.0 * 16 * 16 * 16 * (3 * 3 * 3));
    assertThat(stem.paramBytes()).isEqualTo((16 * 3 * 3 * 3 + 16) * 4L);
    // block 1 depthwise: 16 channels, group 16, 3x3, 16x16 output
    GraphNode dw = g.nodes().get(2);
    assertThat(dw.opClass()).isEqualTo(OpClass.DEPTHWISE_CONV);
    assertThat(dw.flops()).isEqualTo(2.0 * 16 * 16 * 16 * 9);
    // ReLU6: one per output element, and its Constant bounds count as parameters
    GraphNode clip = g.nodes().get(1);
    assertThat(clip.opClass()).isEqualTo(OpClass.ELEMENTWISE);
    assertThat(clip.flops()).isEqualTo(16 * 16 * 16);
    assertThat(clip.paramBytes()).isEqualTo(8);
    // classifier Gemm: [1,640] x [640,10]
    GraphNode fc = g.nodes().get(g.size() - 1);
    assertThat(fc.opClass()).isEqualTo(OpClass.MATMUL);
    assertThat(fc.flops()).isEqualTo(2.0 * 640 * 10);
  }

  @Test
  void convTransposeAndDepthwiseInARealModel() {
    OnnxGraph g = TestModels.ppocrDet().graph();
    assertThat(g.nodes()).filteredOn(n -> n.opType().equals("ConvTranspose")).isNotEmpty()
        .allSatisfy(n -> assertThat(n.flops()).isPositive());
    assertThat(g.totalCost().flops(OpClass.DEPTHWISE_CONV)).isPositive();
    assertThat(g.totalCost().flops(OpClass.CONV)).isGreaterThan(g.totalCost().flops(OpClass.DEPTHWISE_CONV));
  }

  @Test
  void constantNodesAreParametersNotNodes() {
    OnnxModel m = TestModels.ppocrDet();
    long constantNodes = m.proto().getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("Constant")).count();
    assertThat(constantNodes).isEqualTo(342);
    assertThat(m.nodeCount()).isEqualTo(672 - 342);
    assertThat(m.graph().nodes()).noneMatch(n -> n.opType().equals("Constant"));
    assertThat(m.graph().totalCost().paramBytes()).isGreaterThan(4_000_000);
  }

  @Test
  void constantsNeverCross() {
    for (OnnxModel m : List.of(TestModels.mobileNetSmall(), TestModels.resNetSmall(), TestModels.blazeface(),
        TestModels.ppocrDet())) {
      OnnxGraph g = m.graph();
      for (CutPoint c : g.cutPoints()) {
        assertThat(c.crossing()).extracting(TensorSpec::name).noneMatch(g::isConstant);
      }
    }
    // the ReLU6 bounds are read by the last Clip, yet never cross
    OnnxGraph g = TestModels.mobileNetSmall().graph();
    assertThat(g.isConstant("relu6.min")).isTrue();
    assertThat(g.crossing(g.size() - 1)).doesNotContain("relu6.min", "relu6.max");
  }

  @Test
  void crossingBytesAreTheTensorSizes() {
    OnnxGraph mobile = TestModels.mobileNetSmall().graph();
    // after the stem's ReLU6 only its output [1,16,16,16] float crosses
    CutPoint afterStem = mobile.cutPoints().get(1);
    assertThat(afterStem.boundary()).isEqualTo(2);
    assertThat(afterStem.crossing()).extracting(TensorSpec::shape).containsExactly(List.of(1L, 16L, 16L, 16L));
    assertThat(afterStem.bytes()).isEqualTo(16 * 16 * 16 * 4);

    // multi-head after the mask head: meta [1,4] (read at the bottom), feat [1,8,16,16] (read by
    // both branches), mask [1,1,16,16] (a model output, carried to the end)
    OnnxGraph mh = TestModels.multiHead().graph();
    CutPoint c = mh.cutPoints().stream().filter(p -> p.boundary() == 4).findFirst().orElseThrow();
    assertThat(c.crossing()).extracting(TensorSpec::name).containsExactly("meta", "relu1.out", "mask");
    assertThat(c.bytes()).isEqualTo(4 * 4 + 8 * 16 * 16 * 4 + 16 * 16 * 4);
    // just before the last node: the concat result [1,16] and the mask still cross
    CutPoint last = mh.cutPoints().get(mh.cutPoints().size() - 1);
    assertThat(last.crossing()).extracting(TensorSpec::name).containsExactly("mask", "concat1.out");
    assertThat(last.bytes()).isEqualTo(16 * 16 * 4 + 16 * 4);
  }

  @Test
  void subgraphOuterReadsCountAsNodeInputs() {
    OnnxModel m = OnnxModel.parse("if-model", TinyGraphs.withIf().toByteArray());
    OnnxGraph g = m.graph();
    GraphNode iff = g.nodes().stream().filter(n -> n.opType().equals("If")).findFirst().orElseThrow();
    assertThat(iff.inputs()).containsExactly("cond", "r", "m");
    // r is made by node 0 and read only inside the If's branches, so it crosses every boundary up to the If
    for (int b = 1; b <= iff.index(); b++) {
      assertThat(g.crossing(b)).contains("r");
    }
    assertThat(g.crossing(iff.index() + 1)).doesNotContain("r", "m");
    var sample = SampleInputs.forModel(m, InputShapes.none(), 3);
    for (CutPoint c : g.cutPoints()) {
      assertThat(SplitCheck.maxAbsDiff(m, m.cut(c.boundary()), sample)).isZero();
    }
    assertThat(m.cut(iff.index()).get(1).opTypes()).contains("If", "Add", "Sub");
  }

  @Test
  void aBoundaryWhereAnUncarryableTensorCrossesIsNoCutPoint() {
    OnnxModel m = OnnxModel.parse("castme", TinyGraphs.withUint32().toByteArray());
    assertThat(m.cutPoints()).extracting(CutPoint::boundary).containsExactly(1, 3);
    assertThatThrownBy(() -> m.cut(2))
        .isInstanceOf(SplitstreamException.class)
        .hasMessageStartingWith("cut 2 is not valid for castme: tensor 'u' would cross it and its element type ")
        .hasMessageEndingWith("cannot be carried; list the valid cuts with ./splitstream profile --model castme");
    assertThat(SplitCheck.maxAbsDiff(m, m.cut(1, 3), SampleInputs.forModel(m, InputShapes.none(), 1))).isZero();
  }
}
