package io.splitstream.devices.onnx.gen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.model.OpClass;
import io.splitstream.devices.model.SegmentCost;
import io.splitstream.devices.onnx.OnnxModel;
import io.splitstream.devices.onnx.StaticCost;
import org.junit.jupiter.api.Test;

class ArchitecturesTest {
  private static SegmentCost cost(String name) {
    return StaticCost.of(Architectures.build(name, false, 1), true);
  }

  @Test
  void mobileNetV1HasThePublishedOpMix() {
    SegmentCost c = cost("mobilenetv1");
    // docs/profiles.md: 1.101 GFLOP dense conv + 0.0348 depthwise + 0.002 FC (0.569 G multiply-adds)
    assertThat(c.flops(OpClass.CONV) / 1e9).isCloseTo(1.101, within(0.001));
    assertThat(c.flops(OpClass.DEPTHWISE_CONV) / 1e9).isCloseTo(0.0348, within(0.0001));
    assertThat(c.flops(OpClass.MATMUL) / 1e9).isCloseTo(0.002, within(0.0001));
  }

  @Test
  void theLargerNetworksHaveThePublishedMultiplyAdds() {
    assertThat(cost("mobilenetv2").flops() / 2e9).isCloseTo(0.30, within(0.01));
    assertThat(cost("resnet50").flops() / 2e9).isCloseTo(4.09, within(0.02));
    assertThat(cost("inceptionv4").flops() / 2e9).isCloseTo(12.3, within(0.1));
    assertThat(cost("resnet50").paramBytes() / 4e6).as("ResNet50 parameters, millions").isCloseTo(25.5, within(0.5));
  }

  @Test
  void squeezeNetPoolsRoundUpSoItsLaterFiresRunAtThePublishedSizes() {
    SegmentCost c = cost("squeezenet");
    // torchvision's squeezenet1_0 at 224: 0.82 G multiply-adds (rounding down would give 0.777)
    assertThat(c.flops(OpClass.CONV) / 2e9).isCloseTo(0.819, within(0.001));
    // conv10, 1x1 512 to 1000, at Table 1's 13x13 (12x12 when the pools round down)
    SegmentCost.Node conv10 = c.nodes().stream().filter(n -> n.opClass() == OpClass.CONV)
        .reduce((a, b) -> b).orElseThrow();
    assertThat(conv10.flops()).isEqualTo(2.0 * 512 * 1000 * 13 * 13);
  }

  @Test
  void shapesOnlyCostMatchesTheCostOfTheRunnableModel() {
    // the shapes-only model must cost what ONNX Runtime's probed graph of the model with weights costs
    OnnxModel real = OnnxModel.parse("squeezenet", Architectures.build("squeezenet", true, 1).toByteArray());
    SegmentCost probed = real.whole().cost();
    SegmentCost declared = StaticCost.of(Architectures.build("squeezenet", false, 1), false);
    for (OpClass c : OpClass.values()) {
      assertThat(declared.flops(c)).as(c.name()).isCloseTo(probed.flops(c), within(1e-6 * probed.flops() + 1));
    }
    assertThat(declared.nodeCount()).isEqualTo(probed.nodeCount());
    // and each node moves the same bytes, whether counted from declared or from probed shapes
    assertThat(declared.nodes()).hasSize(probed.nodeCount());
    for (int i = 0; i < probed.nodeCount(); i++) {
      assertThat(declared.nodes().get(i).bytes()).as("node " + i).isEqualTo(probed.nodes().get(i).bytes());
    }
  }

  @Test
  void aNodeMovesItsInputsItsWeightsAndItsOutputs() {
    SegmentCost.Node conv1 = cost("squeezenet").nodes().get(0);
    long image = 3L * 224 * 224, weights = 96L * 3 * 7 * 7 + 96, out = 96L * 109 * 109;
    assertThat(conv1.opClass()).isEqualTo(OpClass.CONV);
    assertThat(conv1.bytes()).isEqualTo(4 * (image + weights + out));
    assertThat(cost("squeezenet").bytesMoved()).isEqualTo(
        cost("squeezenet").nodes().stream().mapToLong(SegmentCost.Node::bytes).sum()).isGreaterThan(50_000_000L);
  }

  @Test
  void fusingActivationsDropsTheReluAfterEachConv() {
    SegmentCost fused = cost("squeezenet");
    SegmentCost unfused = StaticCost.of(Architectures.build("squeezenet", false, 1), false);
    // 26 convs, each followed by a ReLU
    assertThat(unfused.nodeCount() - fused.nodeCount()).isEqualTo(26);
    assertThat(fused.flops(OpClass.ELEMENTWISE)).isZero();
  }

  @Test
  void anUnknownNameListsTheKnownOnes() {
    assertThatThrownBy(() -> Architectures.build("vgg16", false, 1)).isInstanceOf(SplitstreamException.class)
        .hasMessageContaining("mobilenetv1, mobilenetv2, squeezenet, resnet50, inceptionv4");
  }
}
