package io.splitstream.loadgen.tck;

import io.splitstream.loadgen.Emission;
import io.splitstream.pipeline.frame.Frame;
import java.time.Duration;
import java.util.Optional;
import org.reactivestreams.Publisher;
import org.reactivestreams.tck.PublisherVerification;
import reactor.core.scheduler.Schedulers;

/** Paced emission (video replay and synthetic arrivals at their rate) is a well-behaved Publisher. */
public class PacedEmissionTckTest extends PublisherVerification<Frame> {
  public PacedEmissionTckTest() {
    super(EmissionTck.environment(), EmissionTck.GC_TIMEOUT_MS);
  }

  @Override
  public Publisher<Frame> createPublisher(long elements) {
    // frames 10 µs apart on a real scheduler: both the "already due" and the "wait" paths run
    return Emission.paced("tck", Schedulers.parallel(), Optional.empty(), () -> EmissionTck.cursor(elements, 10_000));
  }

  @Override
  public Publisher<Frame> createFailedPublisher() {
    return Emission.paced("tck", Schedulers.parallel(), Optional.of(Duration.ofSeconds(1)),
        () -> EmissionTck.cursor(-1, 0));
  }

  @Override
  public long maxElementsFromPublisher() {
    return 1_000;
  }
}
