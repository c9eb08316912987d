package io.splitstream.loadgen;

import static org.assertj.core.api.Assertions.assertThat;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.tensor.TensorMap;
import io.splitstream.pipeline.frame.Frame;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

class EmissionTest {
  /** Items due every 10 ms; {@code failAt} (if not negative) throws on that advance. */
  static final class Counting implements FrameCursor {
    final int items;
    final int failAt;
    final AtomicInteger closes;
    int advanced;

    Counting(int items, int failAt, AtomicInteger closes) {
      this.items = items;
      this.failAt = failAt;
      this.closes = closes;
    }

    @Override
    public OptionalLong advance() {
      if (advanced == failAt) {
        throw new SplitstreamException("broken at " + failAt);
      }
      return advanced < items ? OptionalLong.of(10_000_000L * advanced++) : OptionalLong.empty();
    }

    @Override
    public TensorMap tensors() {
      return TensorMap.empty();
    }

    @Override
    public void close() {
      closes.incrementAndGet();
    }
  }

  @Test
  void pacedClosesTheCursorOnceOnCompleteCancelAndError() {
    AtomicInteger closes = new AtomicInteger();
    // StepVerifier shuts its virtual scheduler down after each verification: one per scenario.
    VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    StepVerifier.withVirtualTime(() -> paced(vts, 3, -1, closes), () -> vts, Long.MAX_VALUE)
        .thenAwait(Duration.ofMillis(20))
        .expectNextCount(3)
        .verifyComplete();
    assertThat(closes).hasValue(1);

    VirtualTimeScheduler vts2 = VirtualTimeScheduler.create();
    StepVerifier.withVirtualTime(() -> paced(vts2, 100, -1, closes).take(2), () -> vts2, Long.MAX_VALUE)
        .thenAwait(Duration.ofMillis(10))
        .expectNextCount(2)
        .verifyComplete();
    assertThat(closes).hasValue(2);

    VirtualTimeScheduler vts3 = VirtualTimeScheduler.create();
    StepVerifier.withVirtualTime(() -> paced(vts3, 100, 2, closes), () -> vts3, Long.MAX_VALUE)
        .thenAwait(Duration.ofMillis(10))
        .expectNextCount(2)
        .verifyErrorMessage("broken at 2");
    assertThat(closes).hasValue(3);
  }

  @Test
  void onDemandClosesTheCursorOnceOnCompleteCancelAndError() {
    AtomicInteger closes = new AtomicInteger();
    StepVerifier.create(onDemand(3, -1, closes, Optional.empty())).expectNextCount(3).verifyComplete();
    StepVerifier.create(onDemand(100, -1, closes, Optional.empty()).take(2)).expectNextCount(2).verifyComplete();
    StepVerifier.create(onDemand(100, 1, closes, Optional.empty())).expectNextCount(1)
        .verifyErrorMessage("broken at 1");
    assertThat(closes).hasValue(3);
  }

  @Test
  void onDemandStopsAfterTheDurationOfSchedulerTime() {
    VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    Flux<Frame> frames = Emission.onDemand("s", vts, Optional.of(Duration.ofSeconds(1)),
        () -> new Counting(100, -1, new AtomicInteger()));
    StepVerifier.create(frames, 1)
        .expectNextMatches(f -> f.seq() == 0)
        .then(() -> vts.advanceTimeBy(Duration.ofMillis(999)))
        .thenRequest(1)
        .expectNextMatches(f -> f.seq() == 1 && f.captureNanos() == 999_000_000L)
        .then(() -> vts.advanceTimeBy(Duration.ofMillis(1)))
        .thenRequest(1)
        .verifyComplete();
  }

  @Test
  void openFailureIsTheStreamsError() {
    StepVerifier.create(Emission.paced("s", Schedulers.immediate(), Optional.empty(), () -> {
      throw new SplitstreamException("no such thing");
    })).verifyErrorMessage("no such thing");
  }

  private static Flux<Frame> paced(VirtualTimeScheduler vts, int items, int failAt, AtomicInteger closes) {
    return Emission.paced("s", vts, Optional.empty(), () -> new Counting(items, failAt, closes));
  }

  private static Flux<Frame> onDemand(int items, int failAt, AtomicInteger closes, Optional<Duration> d) {
    return Emission.onDemand("s", Schedulers.immediate(), d, () -> new Counting(items, failAt, closes));
  }
}
