package io.splitstream.operators.tck;

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
 * An ordered stage with replicas and a wide window, whose work completes on another thread, is a
 * well-behaved Publisher.
 */
public class OrderedStageTckTest extends PublisherVerification<Outcome<Long>> {
  private final OrderedStage<Long, Long> stage = OrderedStage.async(
      "tck", List.of("a", "b", "c"),
      (Work<String, Long> w) -> Mono.just(w.item() + 1).publishOn(Schedulers.parallel()),
      Schedulers.parallel())
      // A window above the worker count exercises items waiting for a worker across threads.
      .withWindow(6);

  public OrderedStageTckTest() {
    super(Sources.environment(), Sources.GC_TIMEOUT_MS);
  }

  @Override
  public Publisher<Outcome<Long>> createPublisher(long elements) {
    return Sources.admitted(elements, ShedPolicy.BLOCK, 8).transform(stage);
  }

  @Override
  public Publisher<Outcome<Long>> createFailedPublisher() {
    return Flux.<Long>error(new IllegalStateException("source failed"))
        .transform(Sources.admission(ShedPolicy.BLOCK, 8))
        .transform(stage);
  }
}
