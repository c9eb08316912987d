package io.splitstream.pipeline.metrics;

import io.micrometer.core.instrument.Timer;
import io.splitstream.pipeline.frame.StageVisit;
import java.util.concurrent.TimeUnit;

/**
 * The meters of one stage running on one processor, obtained once from {@link
 * PipelineMetrics#stage(int, ProcessorLabels)} when the stage is assembled and then called for
 * every frame. Recording touches only meters held here: no registry lookup, no allocation.
 *
 * <p>Thread-safe: stages may record from any thread, concurrently.
 */
public final class StageMeters {
  private final int stage;
  private final ProcessorLabels processor;
  private final Timer queue;
  private final Timer service;
  private final BusyWindow busy;

  StageMeters(int stage, ProcessorLabels processor, Timer queue, Timer service, BusyWindow busy) {
    this.stage = stage;
    this.processor = processor;
    this.queue = queue;
    this.service = service;
    this.busy = busy;
  }

  public int stage() {
    return stage;
  }

  public ProcessorLabels processor() {
    return processor;
  }

  /**
   * Records one frame's passage: queue wait from {@code enqueuedNanos} to {@code startedNanos},
   * service from {@code startedNanos} to {@code endedNanos}, which also counts as busy time of the
   * processor. Times are the pipeline scheduler's clock in nanoseconds.
   *
   * @throws IllegalArgumentException when the times are out of order (a negative wait or service
   *     time would otherwise be dropped by the timers without a trace)
   */
  public void record(long enqueuedNanos, long startedNanos, long endedNanos) {
    if (startedNanos < enqueuedNanos || endedNanos < startedNanos) {
      throw new IllegalArgumentException(
          "stage "
              + stage
              + " on "
              + processor.id()
              + ": times out of order (enqueued "
              + enqueuedNanos
              + " ns, started "
              + startedNanos
              + " ns, ended "
              + endedNanos
              + " ns); take all three from the pipeline scheduler's clock");
    }
    queue.record(startedNanos - enqueuedNanos, TimeUnit.NANOSECONDS);
    service.record(endedNanos - startedNanos, TimeUnit.NANOSECONDS);
    busy.add(startedNanos, endedNanos);
  }

  /**
   * Records {@code visit}, which must belong to this stage and processor.
   *
   * @throws IllegalArgumentException when the visit names another stage or processor, or its times
   *     are out of order
   */
  public void record(StageVisit visit) {
    if (visit.stage() != stage || !visit.processorId().equals(processor.id())) {
      throw new IllegalArgumentException(
          "visit of stage "
              + visit.stage()
              + " on "
              + visit.processorId()
              + " recorded on the meters of stage "
              + stage
              + " on "
              + processor.id()
              + ": look the meters up with PipelineMetrics.stage(...) for that pair");
    }
    record(visit.enqueuedNanos(), visit.startedNanos(), visit.endedNanos());
  }
}
