package io.splitstream.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.splitstream.devices.onnx.OnnxModel;
import io.splitstream.devices.processor.Platform;
import io.splitstream.operators.Admission;
import io.splitstream.operators.ShedPolicy;
import io.splitstream.operators.time.SimulatedTime;
import io.splitstream.pipeline.adapt.Controller;
import io.splitstream.pipeline.plan.ProfileTable;
import io.splitstream.pipeline.plan.SplitSpec;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The series a pipeline has from its first scrape, before anything was shed or failed: the ones
 * dashboards and alerts query with {@code rate()} and need to read 0 rather than nothing.
 */
class PipelineMeterSeriesTest {
  private static OnnxModel model;
  private static ProfileTable table;
  private static Platform platform;

  @BeforeAll
  static void setUp() {
    model = PipelineFixture.mobileNetSmall();
    table = PipelineFixture.profileOnSd855(model, 4);
    platform = PipelineFixture.sd855();
  }

  @AfterAll
  static void tearDown() {
    platform.close();
  }

  private static Pipeline build(ShedPolicy policy, Optional<Duration> budget, SimpleMeterRegistry registry) {
    SimulatedTime sim = new SimulatedTime();
    return PipelineFixture.pipeline(model, platform, SplitSpec.parse("0:npu", table),
        PipelineFixture.unpaced(model, sim, Duration.ofSeconds(1)), policy, budget, sim, registry);
  }

  @Test
  void theShedPolicysReasonAndTheOfflineCauseReadZeroFromTheStart() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (Pipeline p = build(ShedPolicy.parse("drop-oldest", Optional.empty()), Optional.empty(), registry)) {
      assertThat(registry.get("splitstream.frames.shed").tag("reason", "drop-oldest").functionCounter().count())
          .isZero();
      assertThat(registry.get("splitstream.frames.failed").tag("reason", "ProcessorOfflineException")
          .functionCounter().count()).isZero();
    }
  }

  @Test
  void everySwitchTriggerHasItsCounterAtZeroOnceTheControllerIsBound() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (Pipeline p = build(ShedPolicy.BLOCK, Optional.empty(), registry)) {
      new Controller(p, table, Optional.empty(), Controller.Settings.defaults(), Controller.Mode.ADAPTIVE, () -> -1)
          .bindTo(registry, model.name());

      assertThat(registry.find("splitstream.plan.switches").counters()).hasSize(Controller.TRIGGERS.size());
      for (String trigger : Controller.TRIGGERS) {
        assertThat(registry.get("splitstream.plan.switches").tag("trigger", trigger).counter().count())
            .as(trigger).isZero();
      }
    }
  }

  @Test
  void blockShedsOnlyWhatACancelledRunLeavesSoThatIsItsOnlyShedSeries() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (Pipeline p = build(ShedPolicy.BLOCK, Optional.empty(), registry)) {
      assertThat(registry.find("splitstream.frames.shed").meters())
          .singleElement()
          .satisfies(m -> assertThat(m.getId().getTag("reason")).isEqualTo(Admission.CANCELLED));
    }
  }

  @Test
  void everyEmulatedProcessorHasItsLagAndBusySeriesAndTheBudgetIsExported() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (Pipeline p = build(ShedPolicy.parse("drop-oldest", Optional.empty()), Optional.of(Duration.ofMillis(50)),
        registry)) {
      for (String id : new String[] {"cpu", "gpu", "npu"}) {
        assertThat(registry.get("splitstream.emulation.lag").tag("processor", id).functionCounter().count())
            .as(id).isZero();
        assertThat(registry.get("splitstream.processor.busy").tag("processor", id).gauge()).as(id).isNotNull();
      }
      assertThat(registry.get("splitstream.latency.budget").gauge().value()).isEqualTo(0.05);
    }
  }
}
