package io.splitstream.operators.tck;

import io.splitstream.operators.Outcome;
import io.splitstream.operators.ShedPolicy;
import org.reactivestreams.Publisher;
import org.reactivestreams.tck.PublisherVerification;
import reactor.core.publisher.Flux;

/**
 * The admission operator's output under {@code drop-oldest} is a well-behaved Publisher. A drop
 * policy asks its source for everything, so it is verified with finite sources that fit its buffer
 * (nothing shed); the TCK skips the rules that need an endless publisher.
 */
public class AdmissionDropOldestTckTest extends PublisherVerification<Outcome<Long>> {
  private static final int CAPACITY = 4096;

  public AdmissionDropOldestTckTest() {
    super(Sources.environment(), Sources.GC_TIMEOUT_MS);
  }

  @Override
  public Publisher<Outcome<Long>> createPublisher(long elements) {
    return Sources.admitted(elements, ShedPolicy.DROP_OLDEST, CAPACITY);
  }

  @Override
  public Publisher<Outcome<Long>> createFailedPublisher() {
    return Flux.<Long>error(new IllegalStateException("source failed"))
        .transform(Sources.admission(ShedPolicy.DROP_OLDEST, CAPACITY));
  }

  @Override
  public long maxElementsFromPublisher() {
    return CAPACITY;
  }
}
