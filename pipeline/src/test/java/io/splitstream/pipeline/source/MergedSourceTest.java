package io.splitstream.pipeline.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.splitstream.devices.tensor.TensorMap;
import io.splitstream.pipeline.frame.Frame;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

class MergedSourceTest {
  /** A stream of {@code n} frames, one every {@code gapMs}, with a settable rate. */
  private static FrameSource stream(String id, int n, long gapMs, double[] rate) {
    return new FrameSource() {
      @Override
      public Flux<Frame> frames() {
        return Flux.interval(Duration.ofMillis(gapMs)).take(n)
            .map(i -> Frame.of(id, i, i * gapMs, TensorMap.of(java.util.Map.of())));
      }

      @Override
      public String description() {
        return "test " + id;
      }

      @Override
      public boolean live() {
        return true;
      }

      @Override
      public Optional<RateControl> rateControl() {
        return Optional.of(new RateControl() {
          @Override
          public double rate() {
            return rate[0];
          }

          @Override
          public void setRate(double framesPerSecond) {
            rate[0] = framesPerSecond;
          }
        });
      }
    };
  }

  @Test
  void framesInterleaveByArrivalAndKeepTheirOrderPerStream() {
    MergedSource m = new MergedSource(List.of(stream("a", 4, 10, new double[] {100}), stream("b", 3, 15, new double[] {66})));
    StepVerifier.withVirtualTime(m::frames)
        .thenAwait(Duration.ofSeconds(1))
        .recordWith(java.util.ArrayList::new)
        .expectNextCount(7)
        .consumeRecordedWith(frames -> {
          assertThat(frames.stream().filter(f -> f.streamId().equals("a")).map(Frame::seq)).containsExactly(0L, 1L, 2L, 3L);
          assertThat(frames.stream().filter(f -> f.streamId().equals("b")).map(Frame::seq)).containsExactly(0L, 1L, 2L);
          assertThat(frames.stream().map(Frame::streamId).toList()).startsWith("a", "b");
        })
        .verifyComplete();
  }

  @Test
  void aTotalRateScalesEveryStreamByTheSameFactor() {
    double[] a = {10};
    double[] b = {30};
    MergedSource m = new MergedSource(List.of(stream("a", 1, 1, a), stream("b", 1, 1, b)));
    assertThat(m.nominalRate()).hasValue(40);
    m.rateControl().orElseThrow().setRate(80);
    assertThat(a[0]).isEqualTo(20);
    assertThat(b[0]).isEqualTo(60);
    assertThat(m.live()).isTrue();
  }
}
