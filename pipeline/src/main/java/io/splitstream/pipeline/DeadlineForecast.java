package io.splitstream.pipeline;

import io.splitstream.pipeline.plan.Plan;
import java.util.Arrays;

/**
 * When a frame let into one epoch's stages now would leave the last one, for the {@code deadline}
 * policy: a forward projection of the stages as a tandem of FIFO queues, one server per replica.
 * Each stage's service time starts at the plan's prediction (its slowest replica: transfer in +
 * compute + transfer out) and follows what the stage is measured to take (a moving average), so a
 * processor that slows down under contention moves the forecast with it.
 *
 * <p>{@link #reserve} projects a frame's path: at each stage it starts when both it has left the
 * stage before and a replica is free after the frames let in before it, and takes the stage's
 * service time. A frame that would leave within its budget is let in and holds its projected
 * place; a frame that would not is refused (and shed before it is computed), leaving the queues
 * as they were. Measured starts that come later than projected push the projection back, so it
 * does not stay optimistic. Thread-safe.
 */
final class DeadlineForecast {
  /** Weight of one measurement in the moving average of a stage's service time. */
  private static final double ALPHA = 1.0 / 8;

  private final double[] serviceNanos;
  /** Per stage, per replica: when that replica is projected to be free of the frames let in. */
  private final long[][] freeAt;

  DeadlineForecast(Plan plan) {
    int n = plan.stages().size();
    serviceNanos = new double[n];
    freeAt = new long[n][];
    for (int i = 0; i < n; i++) {
      Plan.Stage s = plan.stages().get(i);
      serviceNanos[i] = s.latencyMs() * 1e6;
      freeAt[i] = new long[s.replicas().size()];
      Arrays.fill(freeAt[i], Long.MIN_VALUE);
    }
  }

  /**
   * Lets a frame captured at {@code captureNanos} in at {@code nowNanos} if it is projected to
   * leave the last stage within {@code budgetNanos} of its capture; true if let in (its place is
   * then held).
   */
  synchronized boolean reserve(long captureNanos, long nowNanos, long budgetNanos) {
    int n = serviceNanos.length;
    int[] replica = new int[n];
    long[] end = new long[n];
    long t = nowNanos;
    for (int i = 0; i < n; i++) {
      int k = 0;
      for (int r = 1; r < freeAt[i].length; r++) {
        if (freeAt[i][r] < freeAt[i][k]) {
          k = r;
        }
      }
      long start = Math.max(t, freeAt[i][k]);
      t = start + Math.round(serviceNanos[i]);
      replica[i] = k;
      end[i] = t;
    }
    if (t - captureNanos > budgetNanos) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      freeAt[i][replica[i]] = end[i];
    }
    return true;
  }

  /** The least time a frame starting stage {@code stage} now takes to leave the last one: no waiting. */
  synchronized long remainingFrom(int stage) {
    double sum = 0;
    for (int i = stage; i < serviceNanos.length; i++) {
      sum += serviceNanos[i];
    }
    return Math.round(sum);
  }

  /**
   * A frame started stage {@code stage} at {@code startedNanos} and took {@code serviceNanos}
   * there: the moving average follows, and a single-replica stage's projection is moved back if
   * it expected that stage free earlier than this frame left it.
   */
  synchronized void measured(int stage, long startedNanos, long serviceNanos) {
    this.serviceNanos[stage] += ALPHA * (serviceNanos - this.serviceNanos[stage]);
    if (freeAt[stage].length == 1) {
      freeAt[stage][0] = Math.max(freeAt[stage][0], startedNanos + serviceNanos);
    }
  }
}
