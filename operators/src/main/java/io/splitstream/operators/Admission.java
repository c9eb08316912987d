package io.splitstream.operators;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.ToLongFunction;
import java.util.function.UnaryOperator;
import reactor.core.Exceptions;
import reactor.core.publisher.BufferOverflowStrategy;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;

/**
 * The door of a pipeline: counts every item a source emits in the {@link Ledger} (exactly once)
 * and applies the {@link ShedPolicy}, turning {@code Flux<T>} into {@code Flux<Outcome<T>>} of
 * admitted items (all {@link Outcome.Ok}). Use it with {@code source.transform(admission)}.
 *
 * <p><b>Demand.</b> {@link ShedPolicy#BLOCK}: at most {@code capacity} items are requested from
 * the source ahead of downstream demand, so a slow pipeline slows the source and nothing is shed.
 * Other policies request everything from the source (a live source does not wait) and keep at most
 * {@code capacity} admitted items in a buffer; the policy sheds the excess. {@link
 * ShedPolicy.Deadline} serves the buffer oldest first and also sheds, when an item leaves the
 * buffer, any item its {@link DeadlineGate} says would miss the budget (by default: any item
 * already older than the budget; see {@link #gatedBy}).
 *
 * <p><b>Shed items</b> are settled in the ledger here (reason {@code drop-oldest}, {@code
 * drop-newest}; under a deadline {@code deadline} for late items and {@value
 * ShedPolicy.Deadline#OVERFLOW} for the oldest item of a full buffer) and handed to the {@code onShed} callback (to release their
 * resources); they never appear downstream. The callback runs on the thread that shed the item
 * and must not throw.
 *
 * <p><b>Drain.</b> {@link #drain()} stops admitting: the source is cancelled at this point, items
 * already admitted flow on, and the flow completes once they have; a sink then reports the ledger.
 *
 * <p><b>Cancellation</b> by the subscriber: every item admitted through this subscription and not
 * yet settled (queued, or in a stage) is settled as shed with reason {@value #CANCELLED} and handed
 * to {@code onShed}. A stage whose work is still running when cancelled may finish later; its
 * result is dropped and its settlement ignored, so the ledger stays balanced with no double count.
 *
 * <p><b>Errors</b> from the source are passed on after every admitted item, buffered ones
 * included, has been delivered downstream; nothing admitted is dropped on an error, so once the
 * stages have passed the error on too, the ledger has nothing in flight.
 *
 * <p><b>Threads:</b> items flow on the source's thread (or the requester's when buffered); the
 * clock is only read, never used to schedule.
 */
public final class Admission<T> implements Function<Flux<T>, Flux<Outcome<T>>> {
  /** The reason for items settled because the subscriber cancelled. */
  public static final String CANCELLED = "cancelled";

  /**
   * Decides, under {@link ShedPolicy.Deadline}, whether an item leaving the buffer goes on (true)
   * or is shed as late (false). It is called once per item, in order, on the thread that takes
   * the item; an implementation may reserve capacity for the items it lets through.
   */
  @FunctionalInterface
  public interface DeadlineGate<T> {
    boolean onTime(T item, long nowNanos);
  }

  private final ShedPolicy policy;
  private final int capacity;
  private final Ledger ledger;
  private final ToLongFunction<? super T> captureNanos;
  private final Scheduler clock;
  private final BiConsumer<? super T, String> onShed;
  private final UnaryOperator<T> onAdmit;
  private final DeadlineGate<? super T> gate;
  private final Sinks.Empty<Void> stop = Sinks.empty();
  private final AtomicLong queued = new AtomicLong();

  private Admission(
      ShedPolicy policy,
      int capacity,
      Ledger ledger,
      ToLongFunction<? super T> captureNanos,
      Scheduler clock,
      BiConsumer<? super T, String> onShed,
      UnaryOperator<T> onAdmit,
      DeadlineGate<? super T> gate) {
    if (capacity < 1) {
      throw new IllegalArgumentException(
          "admission capacity " + capacity + " is not positive: give at least 1");
    }
    this.policy = Objects.requireNonNull(policy, "policy");
    this.capacity = capacity;
    this.ledger = Objects.requireNonNull(ledger, "ledger");
    this.captureNanos = Objects.requireNonNull(captureNanos, "captureNanos");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.onShed = Objects.requireNonNull(onShed, "onShed");
    this.onAdmit = Objects.requireNonNull(onAdmit, "onAdmit");
    this.gate = gate != null ? gate : defaultGate(policy, captureNanos);
  }

  private static <T> DeadlineGate<T> defaultGate(ShedPolicy policy, ToLongFunction<? super T> captureNanos) {
    if (policy instanceof ShedPolicy.Deadline d) {
      return (item, now) -> !d.expired(captureNanos.applyAsLong(item), now);
    }
    return (item, now) -> true;
  }

  /**
   * An admission point.
   *
   * @param policy what to do with excess items
   * @param capacity buffer size (or request-ahead for {@code BLOCK}), at least 1
   * @param ledger where every emitted item is counted
   * @param captureNanos an item's capture time on {@code clock}, in nanoseconds (for deadlines)
   * @param clock the scheduler whose {@code now} is the pipeline's clock
   * @param onShed called with each item shed here and its reason, e.g. to release its buffers
   */
  public static <T> Admission<T> of(
      ShedPolicy policy,
      int capacity,
      Ledger ledger,
      ToLongFunction<? super T> captureNanos,
      Scheduler clock,
      BiConsumer<? super T, String> onShed) {
    return new Admission<>(policy, capacity, ledger, captureNanos, clock, onShed, UnaryOperator.identity(), null);
  }

  /**
   * A new admission point like this one whose {@link ShedPolicy.Deadline} lets an item leave the
   * buffer only when {@code gate} says it can still finish within the budget (e.g. its age plus
   * the predicted time of the stages and queues ahead of it); the others are shed with reason
   * {@code deadline}. Without a deadline policy the gate is not used. The new point has its own
   * {@link #drain()} and {@link #queued()}.
   */
  public Admission<T> gatedBy(DeadlineGate<? super T> gate) {
    return new Admission<>(policy, capacity, ledger, captureNanos, clock, onShed, onAdmit,
        Objects.requireNonNull(gate, "gate"));
  }

  /**
   * A new admission point like this one whose items are stamped by {@code onAdmit} as they are
   * admitted: exactly when an item is counted in the ledger, on the source's thread, in source
   * order and before any buffering or shedding, so what it stamps (e.g. {@code
   * epochSwitch.current().number()} for {@link EpochSwitch#routedBy}) is the state at admission.
   * The stamped item is what flows downstream and what {@code onShed} is given. After an earlier
   * {@code tagging}, the stamps apply in order. The new point has its own {@link #drain()} and
   * {@link #queued()}.
   *
   * <p>{@code onAdmit} must not throw or return null; if it does, that item is counted as failed
   * and the flow ends with the exception after the items admitted before it.
   */
  public Admission<T> tagging(UnaryOperator<T> onAdmit) {
    Objects.requireNonNull(onAdmit, "onAdmit");
    UnaryOperator<T> before = this.onAdmit;
    return new Admission<>(policy, capacity, ledger, captureNanos, clock, onShed,
        item -> onAdmit.apply(before.apply(item)), gate);
  }

  /** The policy this admission point applies. */
  public ShedPolicy policy() {
    return policy;
  }

  /**
   * Stops admitting for every subscription: the source is cancelled, admitted items go on, the
   * flow completes after them. Idempotent; callable from any thread.
   */
  public void drain() {
    stop.tryEmitEmpty();
  }

  /**
   * Items admitted and waiting here for downstream demand (summed over subscriptions), for a
   * queue-depth gauge.
   */
  public long queued() {
    return queued.get();
  }

  @Override
  public Flux<Outcome<T>> apply(Flux<T> source) {
    return Flux.defer(() -> {
      Map<Ledger.Ticket, T> open = new ConcurrentHashMap<>();
      AtomicLong mine = new AtomicLong();
      Flux<Outcome<T>> admitted = source
          .takeUntilOther(stop.asMono())
          .map(item -> admitOne(item, open))
          .doOnNext(o -> count(mine, 1));
      Flux<Outcome<T>> policed;
      if (policy instanceof ShedPolicy.Block) {
        policed = admitted.transform(HandOff.bounded(capacity));
      } else if (policy instanceof ShedPolicy.DropNewest) {
        policed = buffer(admitted, BufferOverflowStrategy.DROP_LATEST, policy.reason(), mine);
      } else if (policy instanceof ShedPolicy.DropOldest) {
        policed = buffer(admitted, BufferOverflowStrategy.DROP_OLDEST, policy.reason(), mine);
      } else {
        ShedPolicy.Deadline deadline = (ShedPolicy.Deadline) policy;
        policed = buffer(admitted, BufferOverflowStrategy.DROP_OLDEST, ShedPolicy.Deadline.OVERFLOW, mine)
            .handle((outcome, sink) -> {
              T item = ((Outcome.Ok<T>) outcome).value();
              if (!gate.onTime(item, clock.now(TimeUnit.NANOSECONDS))) {
                count(mine, -1);
                shedHere(outcome, deadline.reason());
              } else {
                sink.next(outcome);
              }
            });
      }
      return policed
          .doOnNext(o -> count(mine, -1))
          .doOnCancel(() -> abandonAll(open))
          .doFinally(signal -> queued.addAndGet(-mine.getAndSet(0)));
    });
  }

  private void count(AtomicLong mine, long delta) {
    mine.addAndGet(delta);
    queued.addAndGet(delta);
  }

  private Outcome<T> admitOne(T offered, Map<Ledger.Ticket, T> open) {
    Ledger.Ticket ticket = ledger.admit();
    T item;
    try {
      item = Objects.requireNonNull(onAdmit.apply(offered), "admission tagger returned null");
    } catch (Throwable e) {
      Exceptions.throwIfJvmFatal(e);
      ticket.fail(e);
      throw Exceptions.propagate(e);
    }
    open.put(ticket, item);
    ticket.onLeave(() -> open.remove(ticket));
    return new Outcome.Ok<>(item, ticket, clock.now(TimeUnit.NANOSECONDS));
  }

  private Flux<Outcome<T>> buffer(
      Flux<Outcome<T>> admitted, BufferOverflowStrategy strategy, String reason, AtomicLong mine) {
    // With an overflow callback, Reactor's strategy buffer delays a source error until the buffer
    // is empty: every buffered item is still delivered (and settled downstream) before the error.
    return admitted.onBackpressureBuffer(capacity, dropped -> {
      count(mine, -1);
      shedHere(dropped, reason);
    }, strategy);
  }

  private void shedHere(Outcome<T> outcome, String reason) {
    T item = ((Outcome.Ok<T>) outcome).value();
    outcome.ticket().shed(reason);
    onShed.accept(item, reason);
  }

  private void abandonAll(Map<Ledger.Ticket, T> open) {
    for (Map.Entry<Ledger.Ticket, T> e : open.entrySet()) {
      if (e.getKey().abandon(CANCELLED)) {
        onShed.accept(e.getValue(), CANCELLED);
      }
    }
  }
}
