package io.splitstream.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.splitstream.devices.onnx.OnnxModel;
import io.splitstream.devices.processor.Platform;
import io.splitstream.operators.ShedPolicy;
import io.splitstream.operators.time.SimulatedTime;
import io.splitstream.pipeline.plan.Plan;
import io.splitstream.pipeline.plan.ProfileTable;
import io.splitstream.pipeline.plan.SplitSpec;
import java.time.Duration;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The {@code deadline} policy on a multi-stage plan under overload: frames that cannot finish
 * within the budget are shed before they are computed, and the rest keep the bottleneck busy, so
 * goodput (frames completed within the budget per second) stays near the plan's bound.
 */
class DeadlineGoodputTest {
  static Platform platform;
  static OnnxModel model;
  static ProfileTable table;

  @BeforeAll
  static void profile() {
    platform = PipelineFixture.sd855();
    model = PipelineFixture.mobileNetLarge();
    table = PipelineFixture.profileOnSd855(model, 12);
  }

  @AfterAll
  static void close() {
    platform.close();
  }

  private static RunReport overload(Plan plan, double overload, double budgetOverLatency) {
    SimulatedTime sim = new SimulatedTime();
    long periodNanos = Math.round(1e9 / (plan.throughputFps() * overload));
    Duration budget = Duration.ofNanos(Math.round(plan.latencyMs() * budgetOverLatency * 1e6));
    long frames = Math.round(2e9 / periodNanos); // two seconds of arrivals
    try (Pipeline p = PipelineFixture.pipeline(model, platform, plan,
        PipelineFixture.live(model, sim, Duration.ofNanos(periodNanos), frames), ShedPolicy.deadline(budget), sim)) {
      return PipelineFixture.simulate(p, sim);
    }
  }

  private static void assertGoodputNearBound(Plan plan, RunReport r, double minShare) {
    double goodput = r.withinBudget() / r.durationSeconds();
    double share = goodput / plan.throughputFps();
    System.out.printf(Locale.ROOT, "plan %s: bound %.1f fps, goodput %.1f fps (%.3f of bound), p99 %.3f ms, budget %.3f ms, shed %s%n",
        plan.label(), plan.throughputFps(), goodput, share, r.latency().p99Ms(), r.budgetMs(), r.ledger().shedByReason());
    assertThat(r.audit().passed()).as(r.audit().summary()).isTrue();
    assertThat(r.orderViolations()).isZero();
    assertThat(share).as("goodput as a share of the plan's bound").isGreaterThanOrEqualTo(minShare);
    assertThat(r.latency().p99Ms()).as("p99 against the budget").isLessThanOrEqualTo(r.budgetMs());
    assertThat(r.withinBudget()).as("completed frames within the budget").isEqualTo(r.ledger().completed());
  }

  @Test
  void aTwoStagePlanUnderOverloadKeepsGoodputNearItsBoundWithinTheBudget() {
    Plan plan = twoStage();
    RunReport r = overload(plan, 1.5, 1.8);
    assertGoodputNearBound(plan, r, 0.85);
  }

  @Test
  void aTightBudgetStillCompletesMostOfTheBound() {
    Plan plan = twoStage();
    RunReport r = overload(plan, 1.2, 1.15);
    assertGoodputNearBound(plan, r, 0.5);
  }

  @Test
  void framesShedBecauseTheBufferWasFullAreNamedForIt() {
    Plan plan = twoStage();
    SimulatedTime sim = new SimulatedTime();
    // arrivals far faster than the buffer (32 frames) drains, with a budget long enough that
    // frames are still fresh when the buffer overflows
    Duration period = Duration.ofNanos(Math.round(1e9 / (plan.throughputFps() * 20)));
    try (Pipeline p = PipelineFixture.pipeline(model, platform, plan,
        PipelineFixture.live(model, sim, period, 2000), ShedPolicy.deadline(Duration.ofSeconds(5)), sim)) {
      RunReport r = PipelineFixture.simulate(p, sim);
      assertThat(r.ledger().shedByReason()).containsKey(ShedPolicy.Deadline.OVERFLOW)
          .doesNotContainKey(ShedPolicy.DROP_OLDEST.reason());
    }
  }

  /** The first half of the nodes on the CPU, the rest on the NPU: two stages of similar cost. */
  private static Plan twoStage() {
    int cut = table.blocks().get(table.blocks().size() / 2).firstNode();
    return SplitSpec.parse("0:cpu," + cut + ":npu", table);
  }
}
