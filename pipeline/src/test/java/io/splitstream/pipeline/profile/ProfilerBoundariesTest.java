package io.splitstream.pipeline.profile;

import static org.assertj.core.api.Assertions.assertThat;

import io.splitstream.devices.onnx.OnnxModel;
import io.splitstream.devices.onnx.gen.OnnxModelGenerator;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Where the profiler puts block boundaries when FLOPs are concentrated in one node. */
class ProfilerBoundariesTest {
  private static final OnnxModel HEAVY = OnnxModel.parse("one-heavy-gemm",
      OnnxModelGenerator.oneHeavyGemm(25, 7).toByteArray());

  @Test
  void theModelHasOneGemmWithNearlyAllTheFlops() {
    double total = HEAVY.graph().nodes().stream().mapToDouble(n -> n.flops()).sum();
    double gemm = HEAVY.graph().nodes().stream().filter(n -> n.opType().equals("Gemm")).mapToDouble(n -> n.flops()).sum();
    assertThat(HEAVY.graph().nodes()).hasSize(25);
    assertThat(gemm / total).isGreaterThan(0.98);
    assertThat(HEAVY.cutPoints()).hasSize(24);
  }

  @Test
  void boundariesSpreadOverTheGraphNotOnlyOverFlops() {
    int n = HEAVY.graph().nodes().size();
    for (int maxBlocks = 2; maxBlocks < 25; maxBlocks++) {
      List<Integer> b = Profiler.chooseBoundaries(HEAVY, maxBlocks);
      assertThat(b).as("boundaries at --max-blocks %d", maxBlocks).hasSize(maxBlocks - 1).isSorted().doesNotHaveDuplicates();
      List<Integer> edges = new ArrayList<>(b);
      edges.add(0, 0);
      edges.add(n);
      int longest = 0;
      for (int i = 1; i < edges.size(); i++) {
        longest = Math.max(longest, edges.get(i) - edges.get(i - 1));
      }
      assertThat(longest).as("longest block at --max-blocks %d: %s", maxBlocks, b)
          .isLessThanOrEqualTo(2 * n / maxBlocks + 1);
    }
  }

  @Test
  void aModelWhoseFlopTargetsCollideStillGetsEveryBlock() {
    OnnxModel mobile = OnnxModel.parse("mobilenet-large",
        OnnxModelGenerator.mobileNetV2(OnnxModelGenerator.mobileNetLarge()).toByteArray());
    List<Integer> b = Profiler.chooseBoundaries(mobile, 12);
    // FLOP targets alone gave 10 boundaries (two fell on one cut); the FLOP-based ones stay
    assertThat(b).hasSize(11).containsAll(List.of(5, 10, 16, 21, 27, 38, 50, 61, 67, 70));
  }
}
