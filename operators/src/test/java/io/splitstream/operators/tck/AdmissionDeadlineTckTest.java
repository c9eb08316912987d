package io.splitstream.operators.tck;

import io.splitstream.operators.Outcome;
import io.splitstream.operators.ShedPolicy;
import java.time.Duration;
import org.reactivestreams.Publisher;
import org.reactivestreams.tck.PublisherVerification;
import reactor.core.publisher.Flux;

/** The admission operator's output under {@code deadline} is a well-behaved Publisher (finite, as for drop). */
public class AdmissionDeadlineTckTest extends PublisherVerification<Outcome<Long>> {
  private static final int CAPACITY = 4096;
  private static final ShedPolicy POLICY = ShedPolicy.deadline(Duration.ofDays(1));

  public AdmissionDeadlineTckTest() {
    super(Sources.environment(), Sources.GC_TIMEOUT_MS);
  }

  @Override
  public Publisher<Outcome<Long>> createPublisher(long elements) {
    return Sources.admitted(elements, POLICY, CAPACITY);
  }

  @Override
  public Publisher<Outcome<Long>> createFailedPublisher() {
    return Flux.<Long>error(new IllegalStateException("source failed")).transform(Sources.admission(POLICY, CAPACITY));
  }

  @Override
  public long maxElementsFromPublisher() {
    return CAPACITY;
  }
}
