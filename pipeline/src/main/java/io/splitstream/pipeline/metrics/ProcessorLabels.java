package io.splitstream.pipeline.metrics;

import io.splitstream.devices.processor.Processor;
import io.splitstream.devices.processor.ProcessorKind;
import java.util.Objects;

/**
 * How a processor appears in metric tags: {@code processor}, {@code kind} and {@code emulated}. A
 * processor id names one processor for the life of a {@link PipelineMetrics}; registering the same
 * id with another kind or emulation flag is refused.
 *
 * @param id the processor's id, e.g. {@code npu}
 * @param kind CPU, GPU or NPU; exported lower case
 * @param emulated true when its timing follows a SoC profile rather than this host's hardware
 */
public record ProcessorLabels(String id, ProcessorKind kind, boolean emulated) {
  public ProcessorLabels {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(kind, "kind");
    if (id.isBlank()) {
      throw new IllegalArgumentException("processor id is blank: give each processor a name");
    }
  }

  public static ProcessorLabels of(Processor processor) {
    return new ProcessorLabels(processor.id(), processor.kind(), processor.emulated());
  }

  String kindTag() {
    return kind.name().toLowerCase(java.util.Locale.ROOT);
  }
}
