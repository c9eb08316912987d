package io.splitstream.operators.tck;

import io.splitstream.operators.Admission;
import io.splitstream.operators.EpochSwitch;
import io.splitstream.operators.Ledger;
import io.splitstream.operators.OrderedStage;
import io.splitstream.operators.Outcome;
import io.splitstream.operators.ShedPolicy;
import io.splitstream.operators.Work;
import java.util.List;
import org.reactivestreams.Publisher;
import org.reactivestreams.tck.PublisherVerification;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * A switch routing by the epoch stamped at admission, switched every few admitted items (so up to
 * its maximum of chains overlap, their work completing on other threads), is a well-behaved
 * Publisher.
 */
public class EpochSwitchRoutedTckTest extends PublisherVerification<Outcome<Long>> {
  public EpochSwitchRoutedTckTest() {
    super(Sources.environment(), Sources.GC_TIMEOUT_MS);
  }

  /** A counted item and the epoch it was admitted in. */
  record Stamped(long value, long epoch) {}

  private static OrderedStage<Stamped, Long> stage() {
    return OrderedStage.async("tck", List.of(0, 1),
        (Work<Integer, Stamped> w) -> Mono.just(w.item().value()).publishOn(Schedulers.parallel()),
        Schedulers.parallel());
  }

  private static Flux<Outcome<Long>> switching(Flux<Long> source) {
    EpochSwitch<Stamped, Long> epochs = EpochSwitch.routedBy(Stamped::epoch, stage());
    Admission<Stamped> admission = Admission.of(ShedPolicy.BLOCK, 8, new Ledger(), s -> 0L, Schedulers.immediate(),
            (Stamped s, String reason) -> {})
        .tagging(s -> {
          if (s.value() % 3 == 2) {
            epochs.switchTo(stage());
          }
          return new Stamped(s.value(), epochs.current().number());
        });
    return source.map(i -> new Stamped(i, 0)).transform(admission).transform(epochs);
  }

  @Override
  public Publisher<Outcome<Long>> createPublisher(long elements) {
    return Flux.defer(() -> switching(Sources.counting(elements)));
  }

  @Override
  public Publisher<Outcome<Long>> createFailedPublisher() {
    return Flux.defer(() -> switching(Flux.error(new IllegalStateException("source failed"))));
  }
}
