package io.splitstream.operators;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * Accumulates {@link StageTiming}s of one stage: counts, total and maximum queue wait and service
 * time, so a pipeline can tell a saturated stage (long queue) from a slow one (long service)
 * without a metrics library. Pass it to {@link OrderedStage#withTiming(Consumer)}; it forwards
 * every timing to an optional listener (e.g. one that records Micrometer timers).
 *
 * <p>Thread-safe; {@link #snapshot()} is consistent (taken under the same lock as updates). The
 * listener runs on the thread that ended the item's work, outside the lock, and must not throw.
 */
public final class TimingTap implements Consumer<StageTiming> {
  private final Consumer<? super StageTiming> listener;
  private long count;
  private long failed;
  private long queueNanos;
  private long serviceNanos;
  private long maxQueueNanos;
  private long maxServiceNanos;

  /** A tap that only accumulates. */
  public TimingTap() {
    this(t -> {});
  }

  /** A tap that accumulates and forwards each timing to {@code listener}. */
  public TimingTap(Consumer<? super StageTiming> listener) {
    this.listener = Objects.requireNonNull(listener, "listener");
  }

  @Override
  public void accept(StageTiming t) {
    synchronized (this) {
      count++;
      if (!t.succeeded()) {
        failed++;
      }
      queueNanos += t.queueNanos();
      serviceNanos += t.serviceNanos();
      maxQueueNanos = Math.max(maxQueueNanos, t.queueNanos());
      maxServiceNanos = Math.max(maxServiceNanos, t.serviceNanos());
    }
    listener.accept(t);
  }

  public synchronized Stats snapshot() {
    return new Stats(count, failed, queueNanos, serviceNanos, maxQueueNanos, maxServiceNanos);
  }

  /**
   * Totals so far.
   *
   * @param count items whose work ended
   * @param failed of which failed
   * @param queueNanos summed queue wait
   * @param serviceNanos summed service time
   * @param maxQueueNanos longest queue wait
   * @param maxServiceNanos longest service time
   */
  public record Stats(
      long count, long failed, long queueNanos, long serviceNanos, long maxQueueNanos, long maxServiceNanos) {

    /** Mean queue wait in nanoseconds (0 before the first item). */
    public double meanQueueNanos() {
      return count == 0 ? 0 : (double) queueNanos / count;
    }

    /** Mean service time in nanoseconds (0 before the first item). */
    public double meanServiceNanos() {
      return count == 0 ? 0 : (double) serviceNanos / count;
    }
  }
}
