package io.splitstream.devices.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import io.splitstream.devices.model.Segment;
import io.splitstream.devices.onnx.SplitCheck.Optimization;
import io.splitstream.devices.onnx.SplitCheck.Reference;
import io.splitstream.devices.onnx.SplitCheck.Report;
import io.splitstream.devices.tensor.TensorMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Running the segments of a cut one after another equals running the whole model, within 1e-5 on
 * every output (without graph optimisations; with them, within 1e-5 of the outputs' magnitude): at
 * every valid cut of the small models, and at seeded random multi-cut splits of the large ones.
 * Each test prints its measured largest difference (see docs/models.md).
 */
class SplitEqualityTest {
  private static final double TOLERANCE = 1e-5;

  @Test
  void mobileNetSmallAtEveryCut() {
    assertEveryCut(TestModels.mobileNetSmall(), InputShapes.none());
  }

  @Test
  void resNetSmallAtEveryCut() {
    assertEveryCut(TestModels.resNetSmall(), InputShapes.none());
  }

  @Test
  void multiHeadAtEveryCut() {
    assertEveryCut(TestModels.multiHead(), InputShapes.none());
  }

  @Test
  void unsupportedOpModelAtEveryCut() {
    assertEveryCut(TestModels.withErf(), InputShapes.none());
  }

  @Test
  void dynamicDimsAtEveryCutAtTwoSizes() {
    assertEveryCut(TestModels.dynamicDims(), InputShapes.parse("x=1,3,32,32"));
    assertEveryCut(TestModels.dynamicDims(), InputShapes.parse("x=2,3,24,40"));
  }

  /** Without optimisations only: both modes at 103 cuts cost 20 s on a 2-core box. */
  @Test
  void blazefaceAtEveryCut() {
    assertEveryCut(TestModels.blazeface(), InputShapes.none(), Optimization.NONE);
  }

  @Test
  void mobileNetLargeAtRandomSplits() {
    assertRandomSplits(TestModels.mobileNetLarge(), InputShapes.none(), 12, 101, Optimization.values());
  }

  @Test
  void blazefaceAtRandomSplits() {
    assertRandomSplits(TestModels.blazeface(), InputShapes.none(), 12, 102, Optimization.values());
  }

  @Test
  void ppocrDetAtRandomSplits() {
    assertRandomSplits(TestModels.ppocrDet(), InputShapes.parse("x=1,3,320,320"), 10, 103, Optimization.NONE);
  }

  private static void assertEveryCut(OnnxModel model, InputShapes shapes) {
    assertEveryCut(model, shapes, Optimization.values());
  }

  private static void assertEveryCut(OnnxModel model, InputShapes shapes, Optimization... modes) {
    OnnxModel m = model.withInputShapes(shapes);
    TensorMap sample = SampleInputs.forModel(m, shapes, 1);
    List<CutPoint> cuts = m.cutPoints();
    assertThat(cuts).hasSize(m.nodeCount() - 1);
    for (Optimization o : modes) {
      Reference reference = SplitCheck.reference(m, sample, o);
      List<Report> reports = new ArrayList<>();
      for (CutPoint c : cuts) {
        reports.add(assertClose(m, m.cut(c.boundary()), reference));
      }
      report(m, shapes, "every cut", reports);
    }
  }

  private static void assertRandomSplits(OnnxModel model, InputShapes shapes, int splits, long seed,
      Optimization... modes) {
    OnnxModel m = model.withInputShapes(shapes);
    TensorMap sample = SampleInputs.forModel(m, shapes, seed);
    List<CutPoint> valid = m.cutPoints();
    SplittableRandom rnd = new SplittableRandom(seed);
    List<int[]> chosenCuts = new ArrayList<>();
    for (int i = 0; i < splits; i++) {
      int segments = 2 + rnd.nextInt(4);
      TreeSet<Integer> chosen = new TreeSet<>();
      while (chosen.size() < segments - 1) {
        chosen.add(valid.get(rnd.nextInt(valid.size())).boundary());
      }
      chosenCuts.add(chosen.stream().mapToInt(Integer::intValue).toArray());
    }
    for (Optimization o : modes) {
      Reference reference = SplitCheck.reference(m, sample, o);
      List<Report> reports = new ArrayList<>();
      for (int[] cuts : chosenCuts) {
        reports.add(assertClose(m, m.cut(cuts), reference));
      }
      report(m, shapes, "random 2-5 segment splits", reports);
    }
  }

  /**
   * Without optimisations the split must agree to 1e-5; with them, fusion across a cut may change
   * rounding, so the bound is 1e-5 of the outputs' magnitude.
   */
  private static Report assertClose(OnnxModel m, List<Segment> segments, Reference reference) {
    Report r = SplitCheck.check(m, segments, reference);
    if (r.optimization() == Optimization.NONE) {
      assertThat(r.maxAbsDiff()).as(r.summary()).isLessThanOrEqualTo(TOLERANCE);
      assertThat(r.maxCrossingDiff()).as(r.summary()).isLessThanOrEqualTo(TOLERANCE);
    } else {
      assertThat(r.relativeDiff()).as(r.summary()).isLessThanOrEqualTo(TOLERANCE);
    }
    return r;
  }

  private static void report(OnnxModel m, InputShapes shapes, String what, List<Report> reports) {
    double abs = reports.stream().mapToDouble(Report::maxAbsDiff).max().orElse(0);
    double rel = reports.stream().mapToDouble(Report::relativeDiff).max().orElse(0);
    double scale = reports.stream().mapToDouble(Report::maxAbsReference).max().orElse(0);
    double crossing = reports.stream().mapToDouble(Report::maxCrossingDiff).max().orElse(0);
    System.out.println(String.format(Locale.ROOT,
        "split-equality %s %s, %s: %d %s, max |diff| %.3g, outputs up to %.3g, relative %.3g, crossing tensors %.3g",
        m.name(), shapes.isEmpty() ? "(declared shapes)" : shapes, reports.get(0).optimization(), reports.size(), what,
        abs, scale, rel, crossing));
  }
}
