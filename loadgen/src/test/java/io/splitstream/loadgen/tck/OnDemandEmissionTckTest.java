package io.splitstream.loadgen.tck;

import io.splitstream.loadgen.Emission;
import io.splitstream.pipeline.frame.Frame;
import java.util.Optional;
import org.reactivestreams.Publisher;
import org.reactivestreams.tck.PublisherVerification;
import reactor.core.scheduler.Schedulers;

/** On-demand emission (replay as fast as the pipeline takes frames) is a well-behaved Publisher. */
public class OnDemandEmissionTckTest extends PublisherVerification<Frame> {
  public OnDemandEmissionTckTest() {
    super(EmissionTck.environment(), EmissionTck.GC_TIMEOUT_MS);
  }

  @Override
  public Publisher<Frame> createPublisher(long elements) {
    return Emission.onDemand("tck", Schedulers.parallel(), Optional.empty(), () -> EmissionTck.cursor(elements, 0));
  }

  @Override
  public Publisher<Frame> createFailedPublisher() {
    return Emission.onDemand("tck", Schedulers.parallel(), Optional.empty(), () -> EmissionTck.cursor(-1, 0));
  }
}
