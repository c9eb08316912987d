package io.splitstream.pipeline.adapt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.splitstream.devices.processor.ProcessorKind;
import io.splitstream.pipeline.plan.ProfileTable;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SpeedEstimatesTest {
  /** Two blocks on cpu and gpu: 2 ms + 3 ms on the gpu, plus 0.5 ms per invocation. */
  private static final ProfileTable TABLE = ProfileTable.builder("t")
      .processor(new ProfileTable.ProcessorInfo("cpu", ProcessorKind.CPU, true, "cpu", 0))
      .processor(new ProfileTable.ProcessorInfo("gpu", ProcessorKind.GPU, true, "gpu", 0.5))
      .block(10, Map.of("cpu", 4.0, "gpu", 2.0))
      .cut(1000)
      .block(20, Map.of("cpu", 6.0, "gpu", 3.0))
      .build();

  @Test
  void predictionCoversWholeBlocksPlusOneInvocation() {
    SpeedEstimates e = new SpeedEstimates(TABLE, 0.1);
    assertThat(e.predictedMs("gpu", 0, 20)).isEqualTo(5.5);
    assertThat(e.predictedMs("gpu", 10, 20)).isEqualTo(3.5);
    assertThat(e.predictedMs("gpu", 0, 15)).isEqualTo(-1); // not a block boundary
    assertThat(e.record("gpu", 0, 15, 1_000_000)).isFalse();
  }

  @Test
  void noiseOfTenPercentMovesTheAverageLittleAndNeverJumps() {
    SpeedEstimates e = new SpeedEstimates(TABLE, 0.1);
    SplittableRandom r = new SplittableRandom(3);
    double lowest = 1;
    double highest = 1;
    for (int i = 0; i < 20_000; i++) {
      double factor = 1 + (r.nextDouble() * 0.2 - 0.1);
      e.record("gpu", 0, 20, Math.round(5.5e6 * factor));
      lowest = Math.min(lowest, e.speed("gpu"));
      highest = Math.max(highest, e.speed("gpu"));
    }
    assertThat(lowest).isGreaterThan(0.93);
    assertThat(highest).isLessThan(1.07);
  }

  @Test
  void aStepIsFollowedAtItsTrueSizeWithinARunOfSamples() {
    SpeedEstimates e = new SpeedEstimates(TABLE, 0.1);
    for (int i = 0; i < 50; i++) {
      e.record("gpu", 0, 20, 5_500_000);
    }
    assertThat(e.speed("gpu")).isCloseTo(1.0, within(1e-9));
    for (int i = 0; i < SpeedEstimates.RUN; i++) {
      e.record("gpu", 10, 20, Math.round(3.5e6 / 0.3));
    }
    assertThat(e.speed("gpu")).isCloseTo(0.3, within(1e-6));
    assertThat(e.snapshot()).containsEntry("gpu", 0.3);
  }

  @Test
  void aLostProcessorIsOfflineUntilAMeasurementSaysOtherwise() {
    SpeedEstimates e = new SpeedEstimates(TABLE, 0.1);
    e.lost("gpu");
    assertThat(e.online("gpu")).isFalse();
    assertThat(e.snapshot()).containsEntry("gpu", 0.0);
    assertThat(e.plannerOptions().availabilityOf("gpu").online()).isFalse();
    e.record("gpu", 0, 20, 5_500_000, 0.5);
    assertThat(e.online("gpu")).isTrue();
    assertThat(e.plannerOptions().availabilityOf("gpu").speedFactor()).isCloseTo(1.0, within(1e-9));
  }
}
