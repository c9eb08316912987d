package io.splitstream.operators.tck;

import io.splitstream.operators.EpochSwitch;
import io.splitstream.operators.OrderedStage;
import io.splitstream.operators.Outcome;
import io.splitstream.operators.ShedPolicy;
import io.splitstream.operators.Work;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.reactivestreams.Publisher;
import org.reactivestreams.tck.PublisherVerification;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/** An epoch switch that changes epoch every few items is a well-behaved Publisher. */
public class EpochSwitchTckTest extends PublisherVerification<Outcome<Long>> {
  public EpochSwitchTckTest() {
    super(Sources.environment(), Sources.GC_TIMEOUT_MS);
  }

  private static OrderedStage<Long, Long> stage() {
    return OrderedStage.async("tck", List.of(0, 1),
        (Work<Integer, Long> w) -> Mono.just(w.item()).publishOn(Schedulers.parallel()), Schedulers.parallel());
  }

  private static Flux<Outcome<Long>> switching(Flux<Outcome<Long>> admitted) {
    EpochSwitch<Long, Long> epochs = EpochSwitch.overlapping(stage());
    AtomicLong seen = new AtomicLong();
    return admitted
        .doOnNext(o -> {
          if (seen.incrementAndGet() % 3 == 0) {
            epochs.switchTo(stage());
          }
        })
        .transform(epochs);
  }

  @Override
  public Publisher<Outcome<Long>> createPublisher(long elements) {
    return Flux.defer(() -> switching(Sources.admitted(elements, ShedPolicy.BLOCK, 8)));
  }

  @Override
  public Publisher<Outcome<Long>> createFailedPublisher() {
    return switching(Flux.<Long>error(new IllegalStateException("source failed"))
        .transform(Sources.admission(ShedPolicy.BLOCK, 8)));
  }
}
