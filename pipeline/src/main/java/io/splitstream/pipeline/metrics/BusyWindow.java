package io.splitstream.pipeline.metrics;

import java.util.Arrays;

/**
 * How busy one processor has been: total busy time, and the busy share over a sliding window of the
 * pipeline scheduler's clock.
 *
 * <p>Busy time is the union of the processor's execution intervals, so two executions that overlap
 * are not counted twice and the share stays within 0..1. The union is exact when executions are
 * recorded in the order they started (a processor that runs one segment at a time always is); an
 * execution recorded after a later-starting one contributes only what lies beyond the busy time
 * already recorded, so the total is then a lower bound, never an overcount.
 *
 * <p>The window is kept as {@code buckets} slots of {@code bucketNanos} each; the share at {@code
 * now} covers the current partial slot and the {@code buckets - 1} slots before it, or the time
 * since the processor was first seen when that is shorter. Thread-safe: every method holds this
 * object's lock, which only contends when two stages on one processor finish at once.
 */
final class BusyWindow {
  private final long bucketNanos;
  private final long[] slotIndex;
  private final long[] slotBusy;
  private final long firstSeenNanos;
  private long busyUntilNanos = Long.MIN_VALUE;
  private long totalBusyNanos;

  BusyWindow(long bucketNanos, int buckets, long firstSeenNanos) {
    if (bucketNanos <= 0 || buckets < 2) {
      throw new IllegalArgumentException(
          "busy window needs a positive bucket width and at least 2 buckets, got "
              + bucketNanos
              + " ns x "
              + buckets);
    }
    this.bucketNanos = bucketNanos;
    this.slotIndex = new long[buckets];
    this.slotBusy = new long[buckets];
    Arrays.fill(slotIndex, Long.MIN_VALUE);
    this.firstSeenNanos = firstSeenNanos;
  }

  /** Records that the processor executed from {@code startNanos} to {@code endNanos}. */
  synchronized void add(long startNanos, long endNanos) {
    long from = Math.max(startNanos, busyUntilNanos);
    if (endNanos <= from) {
      return; // already inside recorded busy time
    }
    busyUntilNanos = endNanos;
    totalBusyNanos += endNanos - from;
    long last = Math.floorDiv(endNanos - 1, bucketNanos);
    // Only the newest slots can still be in any window; older parts of a long execution are
    // counted in the total but not spread over slots they would immediately be evicted from.
    long first = Math.max(Math.floorDiv(from, bucketNanos), last - slotIndex.length + 1);
    for (long idx = first; idx <= last; idx++) {
      long lo = Math.max(from, idx * bucketNanos);
      long hi = Math.min(endNanos, (idx + 1) * bucketNanos);
      int slot = (int) Math.floorMod(idx, (long) slotIndex.length);
      // Credit only moves forward (from >= busyUntil), so a slot holds this bucket or an older one.
      if (slotIndex[slot] != idx) {
        slotIndex[slot] = idx;
        slotBusy[slot] = 0;
      }
      slotBusy[slot] += hi - lo;
    }
  }

  /** Busy time since the processor was first seen, in nanoseconds. */
  synchronized long totalBusyNanos() {
    return totalBusyNanos;
  }

  /** Busy share in 0..1 over the window ending at {@code nowNanos}; 0 before any time passed. */
  synchronized double share(long nowNanos) {
    long nowIdx = Math.floorDiv(nowNanos, bucketNanos);
    long oldestIdx = nowIdx - slotIndex.length + 1;
    long windowStart = Math.max(oldestIdx * bucketNanos, firstSeenNanos);
    long span = nowNanos - windowStart;
    if (span <= 0) {
      return 0.0;
    }
    long busy = 0;
    for (int slot = 0; slot < slotIndex.length; slot++) {
      if (slotIndex[slot] >= oldestIdx && slotIndex[slot] <= nowIdx) {
        busy += slotBusy[slot];
      }
    }
    return Math.min(1.0, (double) busy / span);
  }
}
