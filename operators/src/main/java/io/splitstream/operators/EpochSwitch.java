package io.splitstream.operators;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import reactor.core.publisher.Flux;

/**
 * The seam for live re-planning: routes each arriving item to the chain of stages of the epoch
 * current when it arrives, and emits all outcomes in arrival order, so switching from one plan
 * epoch to the next loses and reorders nothing. Use it with {@code admitted.transform(epochSwitch)}
 * and call {@link #switchTo} from the controller.
 *
 * <p>A chain is any {@code Flux<Outcome<T>> -> Flux<Outcome<R>>} (e.g. stages composed with
 * {@code Function.andThen}). Each run of consecutive items of one epoch is a separate subscription
 * to that epoch's chain: it completes when the run ends and its last item has left the chain, so a
 * chain must not hold state that outlives a subscription (stage workers are per subscription).
 *
 * <p>Two modes. {@link #draining}: the new epoch's chain starts only when the old one has finished
 * its items (a brief bubble; never two epochs' work at once, e.g. when both plans use the same
 * processor). {@link #overlapping}: the new chain starts at once while the old one finishes; its
 * outputs wait (at most {@code BUFFER} of them) until the old epoch's last item has left.
 *
 * <p>Demand: upstream is asked for a bounded number of items ahead. Errors from upstream are
 * delivered after the items in flight; cancellation cancels the chains in use. Threads: whatever
 * thread the chains emit on; {@link #switchTo} may be called from any thread.
 */
public final class EpochSwitch<T, R> implements Function<Flux<Outcome<T>>, Flux<Outcome<R>>> {
  /** Outputs of a newer epoch held back while an older one finishes (overlapping mode). */
  public static final int BUFFER = 64;

  private final AtomicReference<Epoch<T, R>> current;
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

  private EpochSwitch(Function<Flux<Outcome<T>>, Flux<Outcome<R>>> first, int concurrentEpochs) {
    this.current = new AtomicReference<>(new Epoch<>(0, first));
    this.concurrentEpochs = concurrentEpochs;
  }

  /** A switch whose epochs never run at the same time. */
  public static <T, R> EpochSwitch<T, R> draining(Function<Flux<Outcome<T>>, Flux<Outcome<R>>> first) {
    return new EpochSwitch<>(first, 1);
  }

  /** A switch whose next epoch starts while the previous one finishes its items. */
  public static <T, R> EpochSwitch<T, R> overlapping(Function<Flux<Outcome<T>>, Flux<Outcome<R>>> first) {
    return new EpochSwitch<>(first, 2);
  }

  /** The epoch items arriving now go to. */
  public Epoch<T, R> current() {
    return current.get();
  }

  /**
   * Makes {@code chain} the current epoch: items arriving from now on go through it; items already
   * routed to an older epoch finish there.
   *
   * @return the new epoch
   */
  public Epoch<T, R> switchTo(Function<Flux<Outcome<T>>, Flux<Outcome<R>>> chain) {
    Objects.requireNonNull(chain, "chain");
    return current.updateAndGet(e -> new Epoch<>(e.number() + 1, chain));
  }

  @Override
  public Flux<Outcome<R>> apply(Flux<Outcome<T>> upstream) {
    return upstream
        .map(o -> new Routed<>(current.get(), o))
        .windowUntilChanged(r -> r.epoch().number())
        .flatMapSequentialDelayError(
            run -> run.switchOnFirst((first, items) -> {
              Flux<Outcome<T>> outcomes = items.map(Routed::outcome);
              return first.hasValue()
                  ? first.get().epoch().chain().apply(outcomes)
                  : outcomes.thenMany(Flux.<Outcome<R>>empty());
            }),
            concurrentEpochs,
            BUFFER);
  }

  private record Routed<T, R>(Epoch<T, R> epoch, Outcome<T> outcome) {}
}
