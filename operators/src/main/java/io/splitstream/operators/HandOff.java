package io.splitstream.operators;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import reactor.core.publisher.Flux;

/**
 * A bounded queue between two stages: Reactor's {@link Flux#limitRate(int)} (a {@code publishOn} on
 * the immediate scheduler with delayed errors) with a depth count. It asks upstream for {@code
 * capacity} items at first, then for more in batches of three quarters of it once downstream has
 * taken that many, so an upstream stage can work ahead of a slower one without memory growing
 * under a burst.
 *
 * <p><b>Order</b> is kept. <b>Demand:</b> upstream never has more than {@code capacity} items
 * requested and not yet taken by downstream.
 *
 * <p><b>Errors</b> and completion from upstream are delivered after every item queued before them
 * has been taken by downstream, so an error never strands an item that was handed over. The
 * terminal signal itself needs no demand: it follows the last queued item as soon as that is
 * taken, even if downstream requests nothing more.
 *
 * <p><b>Cancellation</b> clears the queue (queued items are discarded through Reactor's discard
 * hook; the admission point's cancellation sweep settles them in the ledger).
 *
 * <p><b>Threads:</b> no thread hop; items are delivered on the thread that produced them or the one
 * that requested them.
 *
 * <p>{@link #depth()} is the number of items queued now (summed over all subscriptions), for a
 * queue-depth gauge.
 */
public final class HandOff<T> implements Function<Flux<T>, Flux<T>> {
  private final int capacity;
  private final AtomicLong depth = new AtomicLong();

  private HandOff(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException(
          "hand-off capacity " + capacity + " is not positive: give at least 1");
    }
    this.capacity = capacity;
  }

  /** A hand-off holding at most {@code capacity} items (at least 1). */
  public static <T> HandOff<T> bounded(int capacity) {
    return new HandOff<>(capacity);
  }

  /** The most items this hand-off holds. */
  public int capacity() {
    return capacity;
  }

  /** Items received from upstream and not yet taken by downstream. */
  public long depth() {
    return depth.get();
  }

  @Override
  public Flux<T> apply(Flux<T> upstream) {
    return Flux.defer(() -> {
      AtomicLong mine = new AtomicLong();
      return upstream
          .doOnNext(t -> {
            mine.incrementAndGet();
            depth.incrementAndGet();
          })
          // Reactor's own bounded queue: publishOn(immediate, delayError = true, capacity), no
          // thread hop. delayError matters: an upstream error waits behind the queued items, which
          // would otherwise be dropped unsettled (no cancel reaches the admission point on an error).
          .limitRate(capacity)
          .doOnNext(t -> {
            mine.decrementAndGet();
            depth.decrementAndGet();
          })
          .doFinally(signal -> depth.addAndGet(-mine.getAndSet(0)));
    });
  }
}
