package io.splitstream.devices.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.model.OpClass;
import io.splitstream.devices.model.Segment;
import io.splitstream.devices.model.SegmentCost;
import io.splitstream.devices.model.TensorSpec;
import io.splitstream.devices.onnx.proto.Onnx.GraphProto;
import io.splitstream.devices.onnx.proto.Onnx.ModelProto;
import io.splitstream.devices.onnx.proto.Onnx.NodeProto;
import io.splitstream.devices.onnx.proto.Onnx.TensorProto;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OnnxCutTest {
  private static final String BLAZE_RULE =
      " is not valid for blazeface: cuts must be increasing node boundaries in 1..103; list them with "
          + "./splitstream profile --model blazeface";

  @Test
  void invalidCutsAreRefusedInOneLine() {
    OnnxModel m = TestModels.blazeface();
    assertThatThrownBy(() -> m.cut(12, 12)).isInstanceOf(SplitstreamException.class)
        .hasMessage("cut 12 is given twice: give each cut once, e.g. 12");
    // the order is at fault, not the cut: 12 is valid, and the remedy says what would be
    assertThatThrownBy(() -> m.cut(40, 12))
        .hasMessage("cuts 40,12 are not increasing: give each cut once, in increasing order, e.g. 12,40");
    assertThatThrownBy(() -> m.cut("5,,40")).hasMessage("cuts '5,,40' have an empty entry: write node boundaries"
        + " separated by single commas, e.g. 12,40");
    assertThatThrownBy(() -> m.cut("5,40,")).hasMessageContaining("empty entry");
    assertThatThrownBy(() -> m.cut(0)).hasMessage("cut 0" + BLAZE_RULE);
    assertThatThrownBy(() -> m.cut(104)).hasMessage("cut 104" + BLAZE_RULE);
    assertThatThrownBy(() -> m.cut(-3)).hasMessage("cut -3" + BLAZE_RULE);
    assertThatThrownBy(() -> m.cut("5,x")).hasMessage("cut 'x'" + BLAZE_RULE);
    assertThat(m.cut("5, 40")).extracting(Segment::label)
        .containsExactly("blazeface[0:5]", "blazeface[5:40]", "blazeface[40:104]");
  }

  @Test
  void segmentsTakeWhatCrossesBeforeThemAndGiveWhatCrossesAfter() {
    OnnxModel m = TestModels.multiHead();
    OnnxGraph g = m.graph();
    List<Segment> s = m.cut(4, 9);
    assertThat(s).extracting(Segment::label).containsExactly("multi-head[0:4]", "multi-head[4:9]", "multi-head[9:15]");
    assertThat(s).extracting(Segment::index).containsExactly(0, 1, 2);
    assertThat(s).allSatisfy(x -> assertThat(x.count()).isEqualTo(3));
    assertThat(names(s.get(0).inputs())).containsExactly("image", "meta");
    assertThat(names(s.get(0).outputs())).containsExactlyElementsOf(g.crossing(4));
    assertThat(names(s.get(1).inputs())).containsExactlyElementsOf(g.crossing(4));
    assertThat(names(s.get(1).outputs())).containsExactlyElementsOf(g.crossing(9));
    assertThat(names(s.get(2).inputs())).containsExactlyElementsOf(g.crossing(9));
    assertThat(names(s.get(2).outputs())).containsExactly("logits", "mask");
    // meta and mask pass straight through the middle segment
    assertThat(names(s.get(1).inputs())).contains("meta", "mask");
    assertThat(names(s.get(1).outputs())).contains("meta", "mask");
    // static shapes survive from the generator's value_info
    assertThat(s.get(1).inputs()).allMatch(TensorSpec::isStatic);
    assertThat(s.get(1).inputs().stream().mapToLong(TensorSpec::bytes).sum())
        .isEqualTo(g.cutPoints().stream().filter(c -> c.boundary() == 4).findFirst().orElseThrow().bytes());
  }

  @Test
  void segmentCostsAddUpToTheWholeModel() {
    OnnxModel m = TestModels.mobileNetSmall();
    List<Segment> s = m.cut(3, 11, 20);
    SegmentCost sum = s.stream().map(Segment::cost).reduce(SegmentCost.zero(), SegmentCost::plus);
    SegmentCost whole = m.graph().totalCost();
    for (OpClass c : OpClass.values()) {
      assertThat(sum.flops(c)).isEqualTo(whole.flops(c));
    }
    assertThat(sum.nodeCount()).isEqualTo(whole.nodeCount()).isEqualTo(26);
    // the ReLU6 bounds are copied into every segment with a Clip, so parameters add up to a bit more
    assertThat(sum.paramBytes()).isEqualTo(whole.paramBytes() + 3 * 8);
    assertThat(s.get(0).opTypes()).containsExactlyInAnyOrder("Conv", "Clip", "Constant");
    assertThat(s.get(3).opTypes()).contains("GlobalAveragePool", "Flatten", "Gemm").doesNotContain("Add");
  }

  @Test
  void segmentFilesAreSelfContainedModels() throws Exception {
    OnnxModel m = TestModels.mobileNetSmall();
    for (Segment seg : m.cut(2, 9, 16, 24)) {
      ModelProto p = ModelProto.parseFrom(seg.bytes());
      assertThat(p.getIrVersion()).isEqualTo(m.proto().getIrVersion());
      assertThat(p.getOpsetImportList()).isEqualTo(m.proto().getOpsetImportList());
      GraphProto g = p.getGraph();
      Set<String> read = new HashSet<>();
      g.getNodeList().forEach(n -> read.addAll(n.getInputList()));
      // only the weights its nodes read, and the ReLU6 bounds as Constant nodes where a Clip needs them
      assertThat(g.getInitializerList()).extracting(TensorProto::getName).allMatch(read::contains);
      boolean hasClip = g.getNodeList().stream().anyMatch(n -> n.getOpType().equals("Clip"));
      assertThat(g.getNodeList().stream().filter(n -> n.getOpType().equals("Constant")).map(n -> n.getOutput(0)))
          .containsExactlyInAnyOrderElementsOf(hasClip ? List.of("relu6.min", "relu6.max") : List.of());
      assertThat(g.getInputList()).extracting(v -> v.getName()).doesNotContain("relu6.min", "relu6.max");
      assertThat(g.getNodeCount() - (hasClip ? 2 : 0)).isEqualTo(seg.endNode() - seg.firstNode());
      // and it loads on its own
      OnnxModel again = OnnxModel.parse(seg.label(), seg.bytes());
      assertThat(names(again.inputs())).containsExactlyElementsOf(names(seg.inputs()));
    }
  }

  @Test
  void dynamicDimensionsStayDynamicInSegments() {
    OnnxModel ocr = TestModels.ppocrDet();
    List<Segment> s = ocr.cut(100, 200);
    for (Segment seg : s.subList(1, 3)) {
      assertThat(seg.inputs()).allSatisfy(t -> {
        assertThat(t.shape()).hasSize(4);
        assertThat(t.isStatic()).isFalse();
      });
    }
    assertThat(s.get(0).inputs().get(0).shape()).containsExactly(-1L, 3L, -1L, -1L);
  }

  @Test
  void segmentsCutAtOneSizeRunAtAnother() {
    OnnxModel m = TestModels.dynamicDims().withInputShapes(InputShapes.parse("x=1,3,32,32"));
    var other = InputShapes.parse("x=2,3,24,40");
    var sample = SampleInputs.forModel(m, other, 9);
    var reference = SplitCheck.reference(m, sample);
    assertThat(reference.outputs().get("y").shape()).containsExactly(2, 4, 12, 20);
    for (CutPoint c : m.cutPoints()) {
      assertThat(SplitCheck.check(m, m.cut(c.boundary()), reference).maxAbsDiff()).isLessThanOrEqualTo(1e-5);
    }
  }

  @Test
  void crossingBytesScaleWithTheInputShapes() {
    OnnxModel m = TestModels.dynamicDims();
    CutPoint small = m.cutPoints(InputShapes.parse("x=1,3,32,32")).get(0);
    CutPoint big = m.cutPoints(InputShapes.parse("x=2,3,64,64")).get(0);
    assertThat(small.bytes()).isEqualTo(1L * 8 * 32 * 32 * 4);
    assertThat(big.bytes()).isEqualTo(small.bytes() * 8);
  }

  @Test
  void anOpTypeAProcessorMayLackShowsUpOnlyInItsSegment() {
    OnnxModel m = TestModels.withErf();
    int erfAt = m.graph().nodes().stream().filter(n -> n.opType().equals("Erf")).findFirst().orElseThrow().index();
    List<Segment> s = m.cut(erfAt, erfAt + 1);
    assertThat(s.get(0).opTypes()).doesNotContain("Erf");
    assertThat(s.get(1).opTypes()).containsExactly("Erf");
    assertThat(s.get(2).opTypes()).doesNotContain("Erf");
    assertThat(SplitCheck.maxAbsDiff(m, s, SampleInputs.forModel(m, InputShapes.none(), 2))).isLessThanOrEqualTo(1e-5);
  }

  @Test
  void splitCheckRefusesSegmentsThatDoNotChain() {
    OnnxModel m = TestModels.multiHead();
    List<Segment> s = m.cut(4, 9);
    var sample = SampleInputs.forModel(m, InputShapes.none(), 1);
    assertThatThrownBy(() -> SplitCheck.check(m, List.of(s.get(0), s.get(2)), sample))
        .isInstanceOf(SplitstreamException.class)
        .hasMessageStartingWith("segment multi-head[9:15] needs tensor '")
        .hasMessageEndingWith("' that no earlier segment produced: pass the segments of one cut, in order");
    assertThatThrownBy(() -> SplitCheck.check(m, s.subList(0, 2), sample))
        .hasMessage("model output 'logits' of multi-head was produced by no segment: pass all segments of one cut");
  }

  @Test
  void constantNodesFollowTheirReadersIntoSegments() throws Exception {
    OnnxModel ocr = TestModels.ppocrDet();
    List<Segment> s = ocr.cut(150);
    for (Segment seg : s) {
      GraphProto g = ModelProto.parseFrom(seg.bytes()).getGraph();
      Set<String> read = new HashSet<>();
      g.getNodeList().forEach(n -> read.addAll(n.getInputList()));
      assertThat(g.getNodeList().stream().filter(n -> n.getOpType().equals("Constant")).map(n -> n.getOutput(0)))
          .isNotEmpty().allMatch(read::contains);
      assertThat(g.getNodeList()).filteredOn(n -> !n.getOpType().equals("Constant")).extracting(NodeProto::getOpType)
          .hasSize(seg.endNode() - seg.firstNode());
    }
  }

  private static List<String> names(List<TensorSpec> specs) {
    return specs.stream().map(TensorSpec::name).toList();
  }
}
