package io.splitstream.operators;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.ToLongFunction;
import reactor.core.Exceptions;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * The seam for live re-planning: sends each item through the chain of stages of its plan epoch
 * and emits all outcomes in arrival order, so switching from one plan epoch to the next loses and
 * reorders nothing. Use it with {@code admitted.transform(epochSwitch)} and call {@link #switchTo}
 * from the controller.
 *
 * <p><b>Routing.</b> {@link #routedBy} routes each item by the epoch number it carries, stamped
 * when it was admitted (see {@link Admission#tagging}: stamp {@code current().number()}), so an
 * item admitted after {@link #switchTo} goes to the new chain however many items still wait ahead
 * of it. {@link #draining} and {@link #overlapping} route an item to the epoch current when this
 * switch takes it from upstream (which, with the prefetch described under Demand, can be up to
 * {@value #BUFFER} + 2 items after admission). Epoch numbers of consecutive {@code Ok} items must not decrease. An {@code Ok} item
 * whose epoch number is below the run in progress, or that this switch does not have (never
 * returned by {@code switchTo}, or retired), becomes {@link Outcome.Failed} (cause {@link
 * IllegalStateException}, where {@value #WHERE}) in the run in progress. {@code Failed} and {@code
 * Shed} items need no work: they join the run in progress (the oldest live epoch if none has
 * started), so they never open a run of their own.
 *
 * <p><b>Runs and chains.</b> A chain is any {@code Flux<Outcome<T>> -> Flux<Outcome<R>>} (e.g.
 * stages composed with {@code Function.andThen}) that passes {@code Failed} and {@code Shed} items
 * through in order. Each run of consecutive items of one epoch is a separate subscription to that
 * epoch's chain: it completes when the run ends and its last item has left the chain, so a chain
 * must not hold state that outlives a subscription (stage workers are per subscription).
 *
 * <p><b>Modes.</b> {@link #draining}: a run starts only when the previous one has finished its
 * items (a brief bubble; never two epochs' work at once, e.g. when both plans use the same
 * processor). {@link #overlapping}: up to 2 runs at once; {@link #routedBy}: up to {@value
 * #MAX_OVERLAP}. A later run starts at once while earlier ones finish; its outputs wait (at most
 * {@value #BUFFER} of them, then its chain is backpressured) until the earlier runs' last items
 * have left.
 *
 * <p><b>Order.</b> Outputs come in arrival order across epochs.
 *
 * <p><b>Demand.</b> The switch prefetches up to {@value #BUFFER} outputs of every run it works on,
 * the current one included, whether or not downstream has asked for them, so each chain is pulled
 * up to {@value #BUFFER} items ahead of downstream demand; on top of that it takes one item ahead
 * from upstream and holds one at the boundary between runs. With no downstream demand at all it
 * has taken {@value #BUFFER} + 2 items (EpochSwitchDemandTest).
 *
 * <p><b>Retirement.</b> Listeners added with {@link #onRetired} are told once per epoch, on the
 * thread emitting downstream, after the epoch's last output has been delivered downstream and once
 * a newer epoch has been switched to (an epoch that got no items retires when a later epoch's run
 * reaches the head of the order). The epoch current when the flow ends does not retire; nor does
 * any epoch on cancellation. Retirement assumes one subscription at a time.
 *
 * <p><b>Errors</b> from upstream are delivered after every item that arrived before them has left
 * its chain and been emitted, whichever epochs those items are in.
 *
 * <p><b>Cancellation</b> cancels every chain in use.
 *
 * <p><b>Threads.</b> Outputs are emitted on whatever thread the chains emit on; {@link #switchTo}
 * and {@link #current} may be called from any thread.
 */
public final class EpochSwitch<T, R> implements Function<Flux<Outcome<T>>, Flux<Outcome<R>>> {
  /** Finished outputs of a later run held back, per run, while an earlier run finishes. */
  public static final int BUFFER = 8;

  /** Runs of different epochs a {@link #routedBy} switch works on at once. */
  public static final int MAX_OVERLAP = 4;

  /** The {@code where} of items this switch fails for carrying a bad epoch number. */
  public static final String WHERE = "epoch-switch";

  /** Items the switch takes from upstream ahead of its chains' demand. */
  private static final int REQUEST_AHEAD = 1;

  private final Object switching = new Object();
  private final AtomicReference<Epoch<T, R>> current;
  private final ConcurrentSkipListMap<Long, Epoch<T, R>> live = new ConcurrentSkipListMap<>();
  private final List<Consumer<? super Epoch<T, R>>> retiredListeners = new CopyOnWriteArrayList<>();
  /** The epoch number an Ok item's value carries; null to route to the current epoch on arrival. */
  private final ToLongFunction<? super T> epochOf;
  private final int concurrentEpochs;

  /**
   * One plan's chain, numbered from 0 in switch order.
   *
   * @param number the epoch number
   * @param chain the stages items of this epoch go through
   */
  public record Epoch<T, R>(long number, Function<Flux<Outcome<T>>, Flux<Outcome<R>>> chain) {
    public Epoch {
      Objects.requireNonNull(chain, "chain");
    }
  }

  private EpochSwitch(
      Function<Flux<Outcome<T>>, Flux<Outcome<R>>> first, ToLongFunction<? super T> epochOf, int concurrentEpochs) {
    Epoch<T, R> zero = new Epoch<>(0, first);
    this.current = new AtomicReference<>(zero);
    this.live.put(0L, zero);
    this.epochOf = epochOf;
    this.concurrentEpochs = concurrentEpochs;
  }

  /** A switch routing on arrival whose epochs never run at the same time. */
  public static <T, R> EpochSwitch<T, R> draining(Function<Flux<Outcome<T>>, Flux<Outcome<R>>> first) {
    return new EpochSwitch<>(first, null, 1);
  }

  /** A switch routing on arrival whose next epoch starts while the previous one finishes its items. */
  public static <T, R> EpochSwitch<T, R> overlapping(Function<Flux<Outcome<T>>, Flux<Outcome<R>>> first) {
    return new EpochSwitch<>(first, null, 2);
  }

  /**
   * A switch routing each item by the epoch number it carries (stamped at admission), with up to
   * {@value #MAX_OVERLAP} epochs' chains working at once.
   *
   * @param epochOf the epoch number an {@code Ok} item's value carries; must not throw
   * @param first the chain of epoch 0
   */
  public static <T, R> EpochSwitch<T, R> routedBy(
      ToLongFunction<? super T> epochOf, Function<Flux<Outcome<T>>, Flux<Outcome<R>>> first) {
    return new EpochSwitch<>(first, Objects.requireNonNull(epochOf, "epochOf"), MAX_OVERLAP);
  }

  /** The newest epoch: the number to stamp on items admitted now, and the chain they will go to. */
  public Epoch<T, R> current() {
    return current.get();
  }

  /**
   * Makes {@code chain} the current epoch: items arriving (or, for {@link #routedBy}, stamped)
   * from now on go through it; items already routed to an older epoch finish there.
   *
   * @return the new epoch, numbered one above the previous current epoch
   */
  public Epoch<T, R> switchTo(Function<Flux<Outcome<T>>, Flux<Outcome<R>>> chain) {
    Objects.requireNonNull(chain, "chain");
    synchronized (switching) {
      Epoch<T, R> next = new Epoch<>(current.get().number() + 1, chain);
      // Known before it is current: a router that reads the new number always finds its chain.
      live.put(next.number(), next);
      current.set(next);
      return next;
    }
  }

  /**
   * Adds a listener told once per retired epoch (see the class description), e.g. to release the
   * old plan's resources. The listener must not throw; what it throws goes to Reactor's {@code
   * onErrorDropped} hook.
   *
   * @return this switch
   */
  public EpochSwitch<T, R> onRetired(Consumer<? super Epoch<T, R>> listener) {
    retiredListeners.add(Objects.requireNonNull(listener, "listener"));
    return this;
  }

  @Override
  public Flux<Outcome<R>> apply(Flux<Outcome<T>> upstream) {
    return Flux.defer(() -> {
      Router router = new Router();
      return upstream
          .map(router::route)
          // An upstream error travels in band, behind the items, so no window or queue drops them.
          .onErrorResume(e -> Mono.just(new Failure<>(e)))
          .windowUntil(Signal::cut, true, REQUEST_AHEAD)
          .flatMapSequentialDelayError(this::runOf, concurrentEpochs, BUFFER)
          .handle((emitted, sink) -> {
            if (emitted instanceof Output<R> out) {
              sink.next(out.outcome());
            } else {
              retire(((RunEnd<R>) emitted).number());
            }
          });
    });
  }

  /** One run: its chain's outputs, then the ends of the epochs it closes, then any upstream error. */
  private Flux<Emitted<R>> runOf(Flux<Signal<T, R>> run) {
    return run.switchOnFirst((first, signals) -> {
      if (!first.hasValue()) {
        return signals.thenMany(Flux.<Emitted<R>>empty());
      }
      AtomicReference<Throwable> error = new AtomicReference<>();
      Flux<Outcome<T>> items = signals.handle((signal, sink) -> {
        if (signal instanceof Routed<T, R> routed) {
          sink.next(routed.outcome());
        } else {
          error.set(((Failure<T, R>) signal).cause());
        }
      });
      Flux<Emitted<R>> body = first.get() instanceof Routed<T, R> head
          ? Flux.concat(
              Flux.fromIterable(head.skipped()).map(e -> new RunEnd<R>(e.number())),
              head.epoch().chain().apply(items).map(Output::new),
              Mono.just(new RunEnd<>(head.epoch().number())))
          : items.thenMany(Flux.empty());
      return body.concatWith(Flux.defer(() -> error.get() == null ? Flux.empty() : Flux.error(error.get())));
    });
  }

  private void retire(long number) {
    if (number >= current.get().number()) {
      return; // still current: more items may come to it
    }
    Epoch<T, R> retired = live.remove(number);
    if (retired == null) {
      return;
    }
    for (Consumer<? super Epoch<T, R>> listener : retiredListeners) {
      try {
        listener.accept(retired);
      } catch (Throwable e) {
        Exceptions.throwIfJvmFatal(e);
        Operators.onErrorDropped(e, Context.empty());
      }
    }
  }

  /** Assigns each item of one subscription its run, in arrival order. */
  private final class Router {
    private Epoch<T, R> run;

    Signal<T, R> route(Outcome<T> outcome) {
      Outcome<T> item = outcome;
      Epoch<T, R> to = run;
      if (outcome instanceof Outcome.Ok<T> ok) {
        long tag = epochOf == null ? current.get().number() : epochOf.applyAsLong(ok.value());
        Epoch<T, R> tagged = live.get(tag);
        if (run != null && tag < run.number()) {
          item = fail(ok, "epoch " + tag + " came after epoch " + run.number()
              + ": epoch numbers must not decrease; stamp current().number() when admitting");
        } else if (tagged == null) {
          item = fail(ok, "epoch " + tag + " is not a live epoch of this switch"
              + ": stamp current().number() when admitting");
        } else {
          to = tagged;
        }
      }
      if (to == null) {
        to = live.firstEntry().getValue();
      }
      boolean opens = run == null || to.number() != run.number();
      List<Epoch<T, R>> skipped = opens
          ? List.copyOf(live.subMap(run == null ? Long.MIN_VALUE : run.number(), run == null, to.number(), false).values())
          : List.of();
      boolean cut = opens && run != null;
      run = to;
      return new Routed<>(item, to, cut, skipped);
    }

    private Outcome<T> fail(Outcome.Ok<T> ok, String why) {
      return new Outcome.Failed<>(ok.value(), new IllegalStateException(why), WHERE, ok.ticket(), ok.readyNanos());
    }
  }

  /** What enters the runs: a routed item, or the upstream error. */
  private sealed interface Signal<T, R> permits Routed, Failure {
    /** True if this signal starts a new run. */
    boolean cut();
  }

  /** An item and its epoch; the first of a run also names the empty epochs the run skips over. */
  private record Routed<T, R>(Outcome<T> outcome, Epoch<T, R> epoch, boolean cut, List<Epoch<T, R>> skipped)
      implements Signal<T, R> {}

  /** The upstream error, joining the run in progress. */
  private record Failure<T, R>(Throwable cause) implements Signal<T, R> {
    @Override
    public boolean cut() {
      return false;
    }
  }

  /** What leaves the runs: an output, or the end of an epoch's items. */
  private sealed interface Emitted<R> permits Output, RunEnd {}

  private record Output<R>(Outcome<R> outcome) implements Emitted<R> {}

  private record RunEnd<R>(long number) implements Emitted<R> {}
}
