package io.splitstream.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.splitstream.devices.onnx.OnnxModel;
import io.splitstream.devices.processor.Platform;
import io.splitstream.operators.ShedPolicy;
import io.splitstream.operators.time.SimulatedTime;
import io.splitstream.pipeline.plan.Plan;
import io.splitstream.pipeline.plan.Planner;
import io.splitstream.pipeline.plan.PlannerOptions;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The shed and failed series exist, at 0, before the first such frame, so alerts see 0, not "no data". */
class KnownReasonsTest {
  @Test
  void shedAndFailedSeriesStartAtZeroForEachReasonThePipelineCanReport() {
    OnnxModel model = PipelineFixture.mobileNetSmall();
    Plan plan = Planner.plan(PipelineFixture.profileOnSd855(model, 4), Optional.empty(), PlannerOptions.defaults());
    SimulatedTime sim = new SimulatedTime();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (Platform platform = PipelineFixture.sd855()) {
      Assembly.Loaded loaded = Assembly.load(model, platform, plan);
      try (Pipeline p = Pipeline.builder().model(model.name()).platform(platform).plan(plan).stages(loaded.stages())
          .source(PipelineFixture.live(model, sim, Duration.ofMillis(10), 10))
          .policy(ShedPolicy.deadline(Duration.ofMillis(50))).clock(sim, true).registry(registry)
          .onClose(loaded.release()).build()) {
        for (String reason : new String[] {"deadline", ShedPolicy.Deadline.OVERFLOW, "cancelled"}) {
          assertThat(counter(registry, "splitstream.frames.shed", reason)).as("shed " + reason).isEqualTo(0.0);
        }
        for (String cause : new String[] {"ProcessorOfflineException", "SplitstreamException"}) {
          assertThat(counter(registry, "splitstream.frames.failed", cause)).as("failed " + cause).isEqualTo(0.0);
        }
      }
    }
  }

  private static Double counter(SimpleMeterRegistry registry, String name, String reason) {
    FunctionCounter c = registry.find(name).tag("reason", reason).functionCounter();
    return c == null ? null : c.count();
  }
}
