package io.splitstream.pipeline.frame;

/**
 * One frame's passage through one stage: when it was handed to the stage, when the processor
 * started and ended it, on which processor, and what the host really spent. Times are the
 * pipeline scheduler's clock in nanoseconds (virtual in simulation mode).
 */
public record StageVisit(
    int stage,
    String processorId,
    long enqueuedNanos,
    long startedNanos,
    long endedNanos,
    long hostNanos,
    boolean emulated) {

  public long queueNanos() {
    return startedNanos - enqueuedNanos;
  }

  public long serviceNanos() {
    return endedNanos - startedNanos;
  }
}
