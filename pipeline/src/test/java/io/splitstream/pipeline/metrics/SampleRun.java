package io.splitstream.pipeline.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.splitstream.devices.processor.ProcessorKind;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** A small two-stage run recorded on a registry, shared by the exposition tests. */
final class SampleRun {
  static final ProcessorLabels CPU = new ProcessorLabels("cpu", ProcessorKind.CPU, false);
  static final ProcessorLabels NPU = new ProcessorLabels("npu", ProcessorKind.NPU, true);

  final AtomicLong clock = new AtomicLong();
  final PipelineMetrics metrics;

  SampleRun(MeterRegistry registry) {
    FrameCounts counts =
        new FrameCounts(
            10, 7, Map.of("drop-oldest", 1L, "deadline", 1L), Map.of("processor-offline", 0L), 1);
    metrics = new PipelineMetrics(registry, "mobilenet-v2", () -> counts, clock::get);
    StageMeters first = metrics.stage(0, CPU);
    StageMeters second = metrics.stage(1, NPU);
    TransferMeter cut = metrics.transfer("cpu", "npu");
    metrics.bindQueueDepth(0, () -> 2);
    metrics.bindQueueDepth(1, () -> 0);
    metrics.planChanged("cpu[0-11]|npu[12-49]", 3, 118.5, Duration.ofMillis(21));
    for (int i = 0; i < 7; i++) {
      long t = i * 10_000_000L;
      first.record(t, t + 1_000_000L, t + 4_000_000L);
      cut.record(150_528);
      second.record(t + 4_000_000L, t + 5_000_000L, t + 9_000_000L);
      metrics.recordLatency(9_000_000L + i * 1_000_000L);
    }
    clock.set(70_000_000L);
  }
}
