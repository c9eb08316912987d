package io.splitstream.pipeline.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.processor.Availability;
import io.splitstream.devices.processor.ProcessorKind;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PlanTest {
  /**
   * cpu (host) and gpu; moving to the gpu costs 1 ms + 1 ms per 1000 bytes, back 0.5 ms + 1 ms per
   * 2000 bytes. 2000 bytes in, 4000 across the cut at node 5, 1000 out.
   */
  private static ProfileTable table() {
    return ProfileTable.builder("pair")
        .inputBytes(2000).outputBytes(1000)
        .processor("cpu", ProcessorKind.CPU, false, "host")
        .processor("gpu", ProcessorKind.GPU, true, "emulated gpu")
        .block(5, Map.of("cpu", 3.0, "gpu", 2.0)).cut(4000)
        .block(9, Map.of("cpu", 6.0, "gpu", 4.0))
        .link("cpu", "gpu", 1.0, 1000.0)
        .link("gpu", "cpu", 0.5, 2000.0)
        .build();
  }

  @Test
  void chargesTransfersInAndTheOutputBackToTheHost() {
    Plan plan = Plan.of(table(), List.of(Plan.Placement.of(0, 1, "cpu"),
        Plan.Placement.of(1, 2, "gpu")));
    Plan.Stage first = plan.stages().get(0);
    Plan.Stage second = plan.stages().get(1);
    // The input already sits on the host: no transfer for the cpu.
    assertThat(first.replicas().get(0)).isEqualTo(new Plan.Replica("cpu", 0, 3, 0));
    // 1 + 4000/1000 ms in, 4 ms compute, 0.5 + 1000/2000 ms out.
    assertThat(second.replicas().get(0)).isEqualTo(new Plan.Replica("gpu", 5, 4, 1));
    assertThat(second.ms()).isEqualTo(10.0);
    assertThat(plan.bottleneck()).isEqualTo(second);
    assertThat(plan.bottleneckMs()).isEqualTo(10.0);
    assertThat(plan.throughputFps()).isEqualTo(100.0);
    assertThat(plan.latencyMs()).isEqualTo(13.0);
    assertThat(plan.label()).isEqualTo("0:cpu,5:gpu");
    assertThat(plan.processors()).containsExactly("cpu", "gpu");
  }

  @Test
  void replicasAddTheirRatesButLatencyTakesTheSlowest() {
    Plan plan = SplitSpec.parse("0:gpu+cpu", table());
    Plan.Stage stage = plan.stages().get(0);
    // gpu: 1 + 2 ms in, 6 ms compute, 1 ms out = 10; cpu: 9 ms compute.
    assertThat(stage.replicas()).extracting(Plan.Replica::totalMs).containsExactly(10.0, 9.0);
    assertThat(stage.ms()).isCloseTo(1 / (1 / 10.0 + 1 / 9.0), within(1e-12));
    assertThat(stage.latencyMs()).isEqualTo(10.0);
    assertThat(plan.latencyMs()).isEqualTo(10.0);
    assertThat(plan.throughputFps()).isCloseTo(1000 * (1 / 10.0 + 1 / 9.0), within(1e-9));
  }

  /** The plan and the run summary write a stage's replicas one way, whatever order they came in. */
  @Test
  void replicasReadTheSameInAnyOrder() {
    assertThat(SplitSpec.parse("0:gpu+cpu", table()).label()).isEqualTo("0:cpu+gpu");
    assertThat(SplitSpec.parse("0:cpu+gpu", table()).label()).isEqualTo("0:cpu+gpu");
    assertThat(Plan.replicasLabel(List.of("npu", "cpu", "gpu"))).isEqualTo("cpu+gpu+npu");
  }

  @Test
  void availabilitySlowsComputeButNotTransfers() {
    Plan plan = SplitSpec.parse("0:cpu,5:gpu", table(),
        PlannerOptions.defaults().withAvailability("gpu", new Availability.State(0.5, 1, true)));
    assertThat(plan.stages().get(1).replicas().get(0)).isEqualTo(new Plan.Replica("gpu", 5, 8, 1));
  }

  @Test
  void describesEveryStageAndTheTotals() {
    String text = SplitSpec.parse("0:cpu,5:gpu", table()).withEpoch(7).describe();
    assertThat(text.lines()).containsExactly(
        "plan epoch 7 for pair: 0:cpu,5:gpu",
        "stage  nodes          processor   compute ms  transfer ms  stage ms",
        "0      [0,5)          cpu              3.000        0.000     3.000",
        "1      [5,9)          gpu              4.000        6.000    10.000",
        "throughput 100.0 frames/s (bottleneck: stage 1, 10.000 ms per frame); latency 13.000 ms"
            + " without queueing");
    String replicated = SplitSpec.parse("0:gpu+cpu", table()).describe();
    assertThat(replicated).contains("2 replicas: 4.737 ms per frame, 10.000 ms latency");
  }

  @Test
  void aNewEpochKeepsTheStages() {
    Plan plan = SplitSpec.parse("0:cpu,5:gpu", table());
    Plan next = plan.withEpoch(3);
    assertThat(next.epoch()).isEqualTo(3);
    assertThat(next.stages()).isEqualTo(plan.stages());
    assertThat(next).isNotEqualTo(plan);
    assertThat(next.toString()).isEqualTo("Plan[epoch 3, pair: 0:cpu,5:gpu, 100.0 frames/s, 13.000 ms]");
  }

  @Test
  void refusesPlacementsThatDoNotCoverTheModelOnce() {
    ProfileTable t = table();
    assertThatThrownBy(() -> Plan.of(t, List.of(Plan.Placement.of(0, 1, "cpu"))))
        .isInstanceOf(SplitstreamException.class)
        .hasMessage("plan for pair: the stages end at block 1 but the model has 2 blocks; the last"
            + " stage must reach the end");
    assertThatThrownBy(() -> Plan.of(t, List.of(Plan.Placement.of(0, 1, "cpu"),
        Plan.Placement.of(0, 2, "gpu"))))
        .hasMessage("plan for pair: stage 1 covers blocks [0,2) but must start at block 1 and end"
            + " after it, by block 2 at the latest");
    assertThatThrownBy(() -> Plan.of(t, List.of(Plan.Placement.of(0, 1, "cpu"),
        Plan.Placement.of(1, 2, "cpu"))))
        .hasMessage("plan for pair: processor 'cpu' hosts more than one stage; each processor runs"
            + " one stage");
    assertThatThrownBy(() -> Plan.of(t, List.of(Plan.Placement.of(0, 2))))
        .hasMessage("plan for pair: stage 0 names no processor");
    assertThatThrownBy(() -> Plan.of(t, List.of()))
        .hasMessage("plan for pair: no stages; give at least one");
  }
}
