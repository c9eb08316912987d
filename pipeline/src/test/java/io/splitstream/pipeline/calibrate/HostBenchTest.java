package io.splitstream.pipeline.calibrate;

import static org.assertj.core.api.Assertions.assertThat;

import io.splitstream.devices.catalog.ModelStore;
import io.splitstream.devices.ort.OnnxRuntimeProcessor;
import java.util.List;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

class HostBenchTest {
  @Test
  void everyRunIsScaledByItsRoundsReferenceToTheBaseSpeed() {
    double base = 7.5; // far from the reference's real time, so an unscaled or inverted figure shows
    HostBench.Measurement m;
    try (OnnxRuntimeProcessor cpu = OnnxRuntimeProcessor.cpu("cpu", 1)) {
      m = HostBench.measure(List.of(HostBench.open("mobilenet-small", ModelStore.defaultStore())), cpu,
          new HostBench.Options(1, 2, 0, 6, 3), OptionalDouble.of(base));
    }
    assertThat(m.rounds()).isEqualTo(3);
    assertThat(m.baseMs()).isEqualTo(base);
    assertThat(m.referenceLowMs()).isPositive().isLessThanOrEqualTo(m.referenceMs());
    assertThat(m.referenceHighMs()).isGreaterThanOrEqualTo(m.referenceMs());
    assertThat(m.slowdown()).isEqualTo(m.referenceMs() / base);
    assertThat(m.observations()).hasSize(3); // two blocks and the whole model
    for (HostBench.Observation o : m.observations()) {
      double factor = o.measuredMs() / o.rawMs();
      assertThat(factor).as(o.model() + " " + o.block())
          .isBetween(base / m.referenceHighMs() * 0.999, base / m.referenceLowMs() * 1.001);
    }
  }

  @Test
  void withoutABaseTheRunsAreScaledToThisRunsMedianReference() {
    HostBench.Measurement m;
    try (OnnxRuntimeProcessor cpu = OnnxRuntimeProcessor.cpu("cpu", 1)) {
      m = HostBench.measure(List.of(HostBench.open("resnet-small", ModelStore.defaultStore())), cpu,
          new HostBench.Options(1, 1, 0, 4, 8), OptionalDouble.empty());
    }
    assertThat(m.rounds()).as("never more rounds than runs").isEqualTo(4);
    assertThat(m.baseMs()).isEqualTo(m.referenceMs());
    assertThat(m.slowdown()).isEqualTo(1.0);
  }
}
