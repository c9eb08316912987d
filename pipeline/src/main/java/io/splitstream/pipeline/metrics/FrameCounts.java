package io.splitstream.pipeline.metrics;

import java.util.Map;
import java.util.Objects;

/**
 * One consistent reading of a pipeline's frame ledger: what {@link PipelineMetrics} exposes as the
 * {@code splitstream.frames.*} meters. The pipeline adapts its ledger to a {@code
 * Supplier<FrameCounts>}; every count is cumulative since the pipeline started, so the counters
 * built from it only ever grow.
 *
 * <p>Reason keys are the low-cardinality names of the policy that shed a frame ({@code
 * drop-oldest}, {@code deadline}, ...) or the class of failure ({@code processor-offline}, {@code
 * error}, ...); never an error message or a frame id, since each key becomes a metric series.
 *
 * @param offered frames admitted into the pipeline
 * @param completed frames that reached the sink
 * @param shedByReason frames dropped by an overload policy, by the policy's name
 * @param failedByReason frames that failed, by the class of failure
 * @param inFlight frames admitted that have not yet left
 */
public record FrameCounts(
    long offered,
    long completed,
    Map<String, Long> shedByReason,
    Map<String, Long> failedByReason,
    long inFlight) {

  public FrameCounts {
    shedByReason = Map.copyOf(Objects.requireNonNull(shedByReason, "shedByReason"));
    failedByReason = Map.copyOf(Objects.requireNonNull(failedByReason, "failedByReason"));
  }

  /** Nothing offered yet. */
  public static FrameCounts empty() {
    return new FrameCounts(0, 0, Map.of(), Map.of(), 0);
  }

  /** Frames shed under {@code reason}, 0 when none were. */
  public long shed(String reason) {
    return shedByReason.getOrDefault(reason, 0L);
  }

  /** Frames that failed with {@code reason}, 0 when none did. */
  public long failed(String reason) {
    return failedByReason.getOrDefault(reason, 0L);
  }
}
