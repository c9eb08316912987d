package io.splitstream.devices.onnx.gen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.onnx.InputShapes;
import io.splitstream.devices.onnx.OnnxModel;
import io.splitstream.devices.onnx.SampleInputs;
import io.splitstream.devices.onnx.SplitCheck;
import io.splitstream.devices.onnx.proto.Onnx.ModelProto;
import io.splitstream.devices.onnx.proto.Onnx.NodeProto;
import io.splitstream.devices.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxModelGeneratorTest {
  @TempDir Path dir;

  @Test
  void sameSeedSameBytesOtherSeedOtherWeights() {
    var c = OnnxModelGenerator.mobileNetSmall();
    byte[] a = OnnxModelGenerator.mobileNetV2(c).toByteArray();
    assertThat(OnnxModelGenerator.mobileNetV2(c).toByteArray()).isEqualTo(a);
    var other = new OnnxModelGenerator.Config(c.name(), c.blocks(), c.width(), c.resolution(), c.classes(), c.seed() + 1);
    byte[] b = OnnxModelGenerator.mobileNetV2(other).toByteArray();
    assertThat(b).hasSameSizeAs(a).isNotEqualTo(a);
  }

  @Test
  void mobileNetHasInvertedResidualBlocks() {
    ModelProto m = OnnxModelGenerator.mobileNetV2(OnnxModelGenerator.mobileNetSmall());
    Map<String, Long> ops = m.getGraph().getNodeList().stream()
        .collect(Collectors.groupingBy(NodeProto::getOpType, Collectors.counting()));
    // stem + 4 depthwise + 3 expand + 4 project + head = 13 convs; one residual Add (block 3)
    assertThat(ops).containsEntry("Conv", 13L).containsEntry("Clip", 9L).containsEntry("Add", 1L)
        .containsEntry("GlobalAveragePool", 1L).containsEntry("Gemm", 1L).containsEntry("Constant", 2L);
    assertThat(m.getOpsetImport(0).getVersion()).isEqualTo(13);
  }

  @Test
  void resNetDownsamplesWithProjectionShortcuts() {
    ModelProto m = OnnxModelGenerator.resNet(OnnxModelGenerator.resNetSmall());
    // 4 blocks, one per stage: stem + 4*2 convs + 3 projections
    assertThat(m.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("Conv"))).hasSize(12);
    assertThat(m.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("Add"))).hasSize(4);
    OnnxModel big = OnnxModel.parse("rl", OnnxModelGenerator.resNet(OnnxModelGenerator.resNetLarge()).toByteArray());
    assertThat(big.graph().nodes()).anyMatch(n -> n.opType().equals("MaxPool"));
    assertThat(big.outputs().get(0).shape()).containsExactly(1L, 100L);
  }

  @Test
  void activationsStayOfOrderOneAndFollowTheInput() {
    for (ModelProto p : List.of(OnnxModelGenerator.mobileNetV2(OnnxModelGenerator.mobileNetLarge()),
        OnnxModelGenerator.resNet(OnnxModelGenerator.resNetLarge()), OnnxModelGenerator.multiHead(1),
        OnnxModelGenerator.unsupportedOp(1))) {
      OnnxModel m = OnnxModel.parse("g", p.toByteArray());
      Tensor y1 = SplitCheck.reference(m, SampleInputs.forModel(m, InputShapes.none(), 1)).outputs().get("logits");
      Tensor y2 = SplitCheck.reference(m, SampleInputs.forModel(m, InputShapes.none(), 2)).outputs().get("logits");
      double max = 0;
      for (float f : y1.floats()) {
        assertThat(Float.isFinite(f)).isTrue();
        max = Math.max(max, Math.abs(f));
      }
      assertThat(max).as("largest logit of %s", p.getGraph().getName()).isBetween(0.05, 20.0);
      assertThat(y1.maxAbsDiff(y2)).as("output change between inputs for %s", p.getGraph().getName())
          .isGreaterThan(1e-3);
    }
  }

  @Test
  void dynamicModelDeclaresSymbolicDimensions() {
    OnnxModel m = OnnxModel.parse("d", OnnxModelGenerator.dynamicDims(1).toByteArray());
    assertThat(m.inputs().get(0).shape()).containsExactly(-1L, 3L, -1L, -1L);
    assertThat(m.outputs().get(0).shape()).containsExactly(-1L, 4L, -1L, -1L);
    assertThat(m.graph(InputShapes.parse("x=2,3,24,40")).outputs().get(0).shape()).containsExactly(2L, 4L, 12L, 20L);
  }

  @Test
  void withOpPutsTheOpInTheMiddle() {
    OnnxModel m = OnnxModel.parse("s", OnnxModelGenerator.withOp("Sin", 1).toByteArray());
    int at = m.graph().nodes().stream().filter(n -> n.opType().equals("Sin")).findFirst().orElseThrow().index();
    assertThat(at).isBetween(2, m.nodeCount() - 3);
  }

  @Test
  void writeGivesALoadableFile() throws Exception {
    Path f = dir.resolve("sub/multi.onnx");
    OnnxModelGenerator.write(OnnxModelGenerator.multiHead(5), f);
    assertThat(Files.readAllBytes(f)).isEqualTo(OnnxModelGenerator.multiHead(5).toByteArray());
    assertThat(OnnxModel.load(f).name()).isEqualTo("multi");
    try (var s = Files.list(f.getParent())) {
      assertThat(s).containsExactly(f);
    }
  }

  @Test
  void badConfigsAreRefused() {
    assertThatThrownBy(() -> new OnnxModelGenerator.Config("x", 0, 1, 32, 10, 1))
        .isInstanceOf(SplitstreamException.class).hasMessageStartingWith("generator config x is not valid");
    assertThatThrownBy(() -> OnnxModelGenerator.mobileNetV2(new OnnxModelGenerator.Config("x", 18, 1, 32, 10, 1)))
        .hasMessage("generator config x asks for 18 MobileNetV2 blocks: at most 17");
  }
}
