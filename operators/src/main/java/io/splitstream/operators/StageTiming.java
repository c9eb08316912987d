package io.splitstream.operators;

/**
 * One item's passage through one stage, on the scheduler clock (nanoseconds).
 *
 * @param stage the stage's name
 * @param workerIndex which worker served it
 * @param enqueuedNanos when it became ready for the stage (admitted, or ended by the previous one)
 * @param startedNanos when a worker took it
 * @param endedNanos when its work ended (result or failure)
 * @param succeeded false if the work failed
 */
public record StageTiming(
    String stage, int workerIndex, long enqueuedNanos, long startedNanos, long endedNanos, boolean succeeded) {

  /** Time spent waiting for this stage: enqueued to started. */
  public long queueNanos() {
    return startedNanos - enqueuedNanos;
  }

  /** Time spent in service: started to ended. */
  public long serviceNanos() {
    return endedNanos - startedNanos;
  }
}
