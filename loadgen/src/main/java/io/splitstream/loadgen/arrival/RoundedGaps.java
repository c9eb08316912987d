package io.splitstream.loadgen.arrival;

/**
 * Turns absolute arrival times into gaps by rounding the absolute times to whole nanoseconds, so
 * rounding never accumulates into drift over a long run.
 */
abstract class RoundedGaps implements ArrivalProcess.Gaps {
  private long previousNanos;

  /** The next arrival's absolute time in seconds, or NaN when there are no more. */
  abstract double nextArrivalSeconds();

  @Override
  public final long nextNanos() {
    double next = nextArrivalSeconds();
    if (Double.isNaN(next)) {
      return END;
    }
    long at = Math.round(next * 1e9);
    long gap = Math.max(0, at - previousNanos);
    previousNanos = Math.max(previousNanos, at);
    return gap;
  }
}
