package io.splitstream.operators.tck;

import io.splitstream.operators.Outcome;
import io.splitstream.operators.ShedPolicy;
import org.reactivestreams.Publisher;
import org.reactivestreams.tck.PublisherVerification;
import reactor.core.publisher.Flux;

/** The admission operator's output under {@code block} is a well-behaved Publisher. */
public class AdmissionBlockTckTest extends PublisherVerification<Outcome<Long>> {
  public AdmissionBlockTckTest() {
    super(Sources.environment(), Sources.GC_TIMEOUT_MS);
  }

  @Override
  public Publisher<Outcome<Long>> createPublisher(long elements) {
    return Sources.admitted(elements, ShedPolicy.BLOCK, 16);
  }

  @Override
  public Publisher<Outcome<Long>> createFailedPublisher() {
    return Flux.<Long>error(new IllegalStateException("source failed")).transform(Sources.admission(ShedPolicy.BLOCK, 16));
  }
}
