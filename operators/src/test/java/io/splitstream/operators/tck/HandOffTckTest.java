package io.splitstream.operators.tck;

import io.splitstream.operators.HandOff;
import org.reactivestreams.Publisher;
import org.reactivestreams.tck.PublisherVerification;
import reactor.core.publisher.Flux;

/** A bounded hand-off is a well-behaved Publisher. */
public class HandOffTckTest extends PublisherVerification<Long> {
  public HandOffTckTest() {
    super(Sources.environment(), Sources.GC_TIMEOUT_MS);
  }

  @Override
  public Publisher<Long> createPublisher(long elements) {
    return Sources.counting(elements).transform(HandOff.bounded(4));
  }

  @Override
  public Publisher<Long> createFailedPublisher() {
    return Flux.<Long>error(new IllegalStateException("upstream failed")).transform(HandOff.bounded(4));
  }
}
