package io.splitstream.operators;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/**
 * A bounded queue between two stages: it asks upstream for at most {@code capacity} items ahead of
 * downstream demand (replenishing as downstream takes them), so an upstream stage can work ahead
 * of a slower one without memory growing under a burst.
 *
 * <p><b>Order</b> is kept. <b>Demand:</b> upstream sees requests of at most {@code capacity}
 * outstanding items, replenished as downstream takes them.
 *
 * <p><b>Errors</b> and completion from upstream are delivered after every queued item has been
 * taken by downstream, so an error never strands an item that was handed over (the error waits for
 * downstream demand like the items before it).
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
          // publishOn on the immediate scheduler is a plain prefetching queue without a thread hop.
          // delayError: an upstream error waits behind the queued items, which would otherwise be
          // dropped unsettled (no cancel reaches the admission point on an error).
          .publishOn(Schedulers.immediate(), true, capacity)
          .doOnNext(t -> {
            mine.decrementAndGet();
            depth.decrementAndGet();
          })
          .doFinally(signal -> depth.addAndGet(-mine.getAndSet(0)));
    });
  }
}
