package io.splitstream.operators;

import java.util.Objects;
import java.util.function.Consumer;
import reactor.core.Exceptions;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The end of a pipeline: hands each outcome to the caller, settles its ledger ticket, and reports
 * the ledger when the flow ends.
 *
 * <p>For each outcome, in order, {@code consumer} runs first (deliver a result, release buffers,
 * record metrics), then the outcome is {@linkplain Outcome#settle() settled}. If the consumer
 * throws on an {@code Ok}, that item is settled as failed with that exception instead, and the
 * flow goes on. The returned {@code Mono} emits the {@link LedgerSnapshot} once the flow completes
 * (e.g. after {@link Admission#drain()}), or errors with the flow's error. Cancelling it cancels
 * the flow; the admission point then settles what was in flight as shed {@code cancelled}.
 *
 * <p>Demand: unbounded towards the flow (the stages bound what is in flight). Threads: the
 * consumer runs on the thread delivering each outcome, one at a time.
 */
public final class LedgerSink {
  private LedgerSink() {}

  /** Settles every outcome of {@code flow} into {@code ledger}; emits the report at the end. */
  public static <T> Mono<LedgerSnapshot> settle(
      Flux<Outcome<T>> flow, Ledger ledger, Consumer<? super Outcome<T>> consumer) {
    Objects.requireNonNull(ledger, "ledger");
    Objects.requireNonNull(consumer, "consumer");
    return flow.doOnNext(o -> settleOne(o, consumer)).then(Mono.fromSupplier(ledger::snapshot));
  }

  private static <T> void settleOne(Outcome<T> o, Consumer<? super Outcome<T>> consumer) {
    try {
      consumer.accept(o);
    } catch (Throwable e) {
      Exceptions.throwIfJvmFatal(e);
      if (o instanceof Outcome.Ok<T>) {
        o.ticket().fail(e);
        return;
      }
      // The item was already failed or shed; its own cause stays the one counted.
    }
    o.settle();
  }
}
