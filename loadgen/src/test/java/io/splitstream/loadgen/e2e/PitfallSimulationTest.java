package io.splitstream.loadgen.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.splitstream.loadgen.e2e.E2e.Cli;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code pitfall}'s simulated column (issue 11 item 5): each row's plan, run flat out in virtual
 * time on timing-only emulated processors, reaches the throughput bound the planner predicted.
 * (The planner table alone is tested in the pipeline module, which has no synthetic source.)
 */
class PitfallSimulationTest {
  @BeforeAll
  static void models() {
    E2e.useRepositoryModels();
  }

  @Test
  void theSimulatedPlanReachesItsPredictedBoundOnEverySoc() {
    Cli r = E2e.cli("pitfall", "--models", "resnet-small,mobilenet-small", "--socs", "kirin990-mate30,sd845-pixel3",
        "--duration", "3s");
    assertThat(r.exit()).as(r.err()).isZero();
    List<String[]> rows = r.out().lines().filter(l -> l.startsWith("resnet-small") || l.startsWith("mobilenet-small"))
        .map(l -> l.trim().split("\\s+")).toList();
    assertThat(rows).hasSize(4);
    for (String[] c : rows) {
      double predicted = Double.parseDouble(c[3]);
      double simulated = Double.parseDouble(c[7]);
      double ratio = Double.parseDouble(c[8]);
      assertThat(ratio).as(String.join(" ", c)).isCloseTo(simulated / predicted, org.assertj.core.data.Offset.offset(1e-3));
      // queues of 32 frames fill within the first few ms: over 3 s the stages run flat out
      assertThat(ratio).as(String.join(" ", c)).isBetween(0.98, 1.02);
    }
    assertThat(r.out()).contains("emulated: predicted and simulated figures follow the SoC profiles");
  }
}
