package io.splitstream.devices.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import io.splitstream.devices.model.Segment;
import io.splitstream.devices.onnx.gen.OnnxModelGenerator;
import io.splitstream.devices.onnx.gen.OnnxModelGenerator.Omitted;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Nodes whose optional inputs are omitted, by an empty name or by an empty tensor, must cut like any
 * other: every segment loads on its own and the segments together compute the whole model's output.
 */
class OptionalInputsCutTest {
  @ParameterizedTest
  @EnumSource(Omitted.class)
  void everyCutOfANodeWithOmittedOptionalInputsRunsAndAgrees(Omitted how) {
    OnnxModel m = OnnxModel.parse("optional", OnnxModelGenerator.optionalInputs(how, 5).toByteArray());
    var sample = SampleInputs.forModel(m, InputShapes.none(), 3);
    var reference = SplitCheck.reference(m, sample);
    assertThat(m.cutPoints()).hasSizeGreaterThanOrEqualTo(4);
    for (CutPoint c : m.cutPoints()) {
      List<Segment> segs = m.cut(c.boundary());
      for (Segment s : segs) {
        assertThat(s.inputs()).extracting(t -> t.name()).doesNotContain("");
        assertThat(s.outputs()).extracting(t -> t.name()).doesNotContain("");
      }
      assertThat(SplitCheck.check(m, segs, reference).maxAbsDiff()).as("cut at %d", c.boundary())
          .isLessThanOrEqualTo(1e-5);
    }
    // every pair of cuts too: the node alone in a middle segment
    List<CutPoint> cuts = m.cutPoints();
    for (int i = 0; i < cuts.size(); i++) {
      for (int j = i + 1; j < cuts.size(); j++) {
        List<Segment> segs = m.cut(cuts.get(i).boundary(), cuts.get(j).boundary());
        assertThat(SplitCheck.check(m, segs, reference).maxAbsDiff()).isLessThanOrEqualTo(1e-5);
      }
    }
  }

  /**
   * A Resize whose sizes the graph computes, cut between the two, in a model of dynamic size: the
   * segment used to declare sizes with an open length, and ONNX Runtime refused to load it ("Number
   * of elements of input 'sizes' (0) must be same as rank of input 'X' (4)"). Cut at one size, the
   * segments still run at another.
   */
  @Test
  void aComputedResizeSizeCrossingTheCutKeepsItsLength() {
    OnnxModel m = OnnxModel.parse("upsample", OnnxModelGenerator.dynamicUpsample(7).toByteArray())
        .withInputShapes(InputShapes.parse("x=1,3,8,8"));
    var reference = SplitCheck.reference(m, SampleInputs.forModel(m, InputShapes.parse("x=2,3,6,10"), 4));
    assertThat(reference.outputs().get("y").shape()).containsExactly(2, 4, 12, 20);
    int resizeAt = m.graph().nodes().stream().filter(n -> n.opType().equals("Resize")).findFirst().orElseThrow().index();
    assertThat(m.cutPoints()).extracting(CutPoint::boundary).contains(resizeAt);
    for (CutPoint c : m.cutPoints()) {
      List<Segment> segs = m.cut(c.boundary());
      assertThat(SplitCheck.check(m, segs, reference).maxAbsDiff()).as("cut at %d", c.boundary())
          .isLessThanOrEqualTo(1e-5);
    }
  }
}
