package io.splitstream.loadgen.synthetic;

import static io.splitstream.loadgen.Contexts.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.tensor.ElementType;
import io.splitstream.devices.tensor.Tensor;
import io.splitstream.loadgen.Contexts;
import io.splitstream.loadgen.arrival.ArrivalProcess;
import io.splitstream.operators.time.SimulatedTime;
import io.splitstream.pipeline.frame.Frame;
import io.splitstream.pipeline.source.RateControl;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

class SyntheticSourceTest {

  @Test
  void emitsAtArrivalTimesWithGapFreeSequenceAndSchedulerTimestamps() {
    VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    vts.advanceTimeBy(Duration.ofSeconds(5)); // capture times come from the scheduler, not from zero
    SyntheticSource source = new SyntheticSource(new ArrivalProcess.Constant(10),
        Contexts.paced(spec(ElementType.FLOAT32, 1, 3, 8, 8), vts, Duration.ofSeconds(1)));
    long t0 = vts.now(TimeUnit.NANOSECONDS);
    List<Frame> seen = new ArrayList<>();
    StepVerifier.withVirtualTime(source::frames, () -> vts, Long.MAX_VALUE)
        .recordWith(() -> seen)
        .expectNextMatches(f -> f.seq() == 0 && f.captureNanos() == t0)
        .expectNoEvent(Duration.ofMillis(100).minusNanos(1))
        .thenAwait(Duration.ofNanos(1))
        .expectNextMatches(f -> f.seq() == 1 && f.captureNanos() == t0 + 100_000_000L)
        .thenAwait(Duration.ofMillis(800))
        .expectNextCount(8)
        .expectNoEvent(Duration.ofMillis(100).minusNanos(1))
        .thenAwait(Duration.ofNanos(1))
        .verifyComplete();
    for (int i = 0; i < seen.size(); i++) {
      assertThat(seen.get(i).seq()).isEqualTo(i);
      assertThat(seen.get(i).captureNanos()).isEqualTo(t0 + i * 100_000_000L);
      assertThat(seen.get(i).streamId()).isEqualTo("cam0");
    }
    assertThat(seen).hasSize(10);
  }

  @Test
  void pacedSourceWaitsForDemandThenKeepsItsSchedule() {
    VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    SyntheticSource source = new SyntheticSource(new ArrivalProcess.Constant(10),
        Contexts.paced(spec(ElementType.FLOAT32, 1, 3, 8, 8), vts, null));
    assertThat(source.live()).isTrue();
    List<Frame> seen = new ArrayList<>();
    BaseSubscriber<Frame> late = new BaseSubscriber<>() {
      @Override
      protected void hookOnSubscribe(Subscription s) {}

      @Override
      protected void hookOnNext(Frame f) {
        seen.add(f);
      }
    };
    source.frames().subscribe(late);
    vts.advanceTimeBy(Duration.ofMillis(450));
    assertThat(seen).as("no demand, no frames: backpressure reaches the source").isEmpty();
    late.request(7);
    vts.advanceTimeBy(Duration.ofMillis(450));
    late.cancel();
    // frames overdue when asked for go out at once; the rest keep the original 100 ms schedule
    assertThat(seen).extracting(Frame::captureNanos).containsExactly(
        450_000_000L, 450_000_000L, 450_000_000L, 450_000_000L, 450_000_000L, 500_000_000L, 600_000_000L);
    assertThat(seen).extracting(Frame::seq).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L);
  }

  @Test
  void setRateChangesAConstantRateFromTheNextArrivalOn() {
    SimulatedTime clock = new SimulatedTime();
    SyntheticSource source = new SyntheticSource(new ArrivalProcess.Constant(100),
        Contexts.paced(spec(ElementType.FLOAT32, 1, 3, 8, 8), clock, Duration.ofSeconds(3)));
    RateControl control = source.rateControl().orElseThrow();
    List<Long> times = new ArrayList<>();
    source.frames().subscribe(f -> times.add(f.captureNanos()));
    clock.runFor(Duration.ofSeconds(1));
    assertThat(control.rate()).isEqualTo(100);
    control.setRate(300);
    assertThat(control.rate()).isEqualTo(300);
    clock.run();
    assertThat(arrivalsIn(times, 0, 1)).isEqualTo(100);
    // at the change (t = 1 s) the arrivals at 1.00 s (out), 1.01 s and 1.02 s were already drawn
    assertThat(times.stream().filter(t -> t >= 1_000_000_000L && t <= 1_020_000_000L))
        .containsExactly(1_000_000_000L, 1_010_000_000L, 1_020_000_000L);
    long after = times.indexOf(1_020_000_000L);
    for (int i = (int) after + 1; i < times.size(); i++) {
      assertThat(times.get(i) - times.get(i - 1)).isBetween(3_333_333L, 3_333_334L);
    }
    // 1.00, 1.01, 1.02, then 1.02 + k/300 s for k = 1..293 (k = 294 is at 2.00 s)
    assertThat(arrivalsIn(times, 1, 2)).isEqualTo(3 + 293);
    assertThat(arrivalsIn(times, 2, 3)).isEqualTo(300);
  }

  @Test
  void setRateChangesAPoissonRate() {
    SimulatedTime clock = new SimulatedTime();
    SyntheticSource source = new SyntheticSource(new ArrivalProcess.Poisson(100, 7),
        Contexts.paced(spec(ElementType.FLOAT32, 1, 3, 8, 8), clock, Duration.ofSeconds(40)));
    List<Long> times = new ArrayList<>();
    source.frames().subscribe(f -> times.add(f.captureNanos()));
    clock.runFor(Duration.ofSeconds(20));
    source.rateControl().orElseThrow().setRate(300);
    clock.run();
    // counts of a Poisson process: mean 2000 and 6000, standard deviation about 45 and 77
    assertThat(arrivalsIn(times, 0, 20)).isBetween(1800, 2200);
    assertThat(arrivalsIn(times, 20, 40)).isBetween(5650, 6350);
  }

  @Test
  void rateControlRefusesNonPositiveRatesAndUnpacedSourcesHaveNone() {
    SyntheticSource paced = new SyntheticSource(new ArrivalProcess.Constant(10),
        Contexts.paced(spec(ElementType.FLOAT32, 1, 3, 8, 8), new SimulatedTime(), null));
    RateControl control = paced.rateControl().orElseThrow();
    assertThatThrownBy(() -> control.setRate(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> control.setRate(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> control.setRate(Double.POSITIVE_INFINITY)).isInstanceOf(IllegalArgumentException.class);
    assertThat(control.rate()).isEqualTo(10);
    SyntheticSource unpaced = new SyntheticSource(new ArrivalProcess.Constant(10),
        Contexts.unpaced(spec(ElementType.FLOAT32, 1, 3, 8, 8), new SimulatedTime()));
    assertThat(unpaced.rateControl()).isEmpty();
  }

  private static int arrivalsIn(List<Long> times, int fromSecond, int toSecond) {
    return (int) times.stream().filter(t -> t >= fromSecond * 1_000_000_000L && t < toSecond * 1_000_000_000L).count();
  }

  @Test
  void poissonArrivalsMatchTheRateInVirtualTime() {
    VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    SyntheticSource source = new SyntheticSource(ArrivalProcess.parse("poisson,rate=50,seed=7", 0),
        Contexts.paced(spec(ElementType.UINT8, 1, 4, 4, 3), vts, Duration.ofSeconds(200)));
    List<Frame> seen = new ArrayList<>();
    StepVerifier.withVirtualTime(source::frames, () -> vts, Long.MAX_VALUE)
        .recordWith(() -> seen)
        .thenAwait(Duration.ofSeconds(200))
        .thenConsumeWhile(f -> true)
        .verifyComplete();
    assertThat(seen.size() / 200.0).isCloseTo(50, org.assertj.core.data.Offset.offset(2.0));
    for (int i = 1; i < seen.size(); i++) {
      assertThat(seen.get(i).seq()).isEqualTo(i);
      assertThat(seen.get(i).captureNanos()).isGreaterThanOrEqualTo(seen.get(i - 1).captureNanos());
    }
  }

  @Test
  void unpacedEmitsOnlyWhatIsRequested() {
    SyntheticSource source = new SyntheticSource(new ArrivalProcess.Constant(1),
        Contexts.unpaced(spec(ElementType.FLOAT32, 1, 3, 8, 8), Schedulers.immediate()));
    assertThat(source.live()).isFalse();
    StepVerifier.create(source.frames(), 0)
        .thenRequest(1)
        .expectNextMatches(f -> f.seq() == 0)
        .thenRequest(2)
        .expectNextMatches(f -> f.seq() == 1)
        .expectNextMatches(f -> f.seq() == 2)
        .thenCancel()
        .verify();
  }

  @Test
  void dynamicDimsBecomeBatchOneAndDefaultSpatialSize() {
    SyntheticSource source = new SyntheticSource(new ArrivalProcess.Constant(1),
        Contexts.unpaced(spec(ElementType.FLOAT32, -1, 3, -1, -1), Schedulers.immediate()));
    Tensor t = source.frames().blockFirst().tensors().get("x");
    assertThat(t.shape()).containsExactly(1, 3, SyntheticSource.DEFAULT_DYNAMIC_DIM,
        SyntheticSource.DEFAULT_DYNAMIC_DIM);
    float min = Float.MAX_VALUE;
    float max = -Float.MAX_VALUE;
    for (float v : t.floats()) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    assertThat(min).isGreaterThanOrEqualTo(0f).isLessThan(0.01f);
    assertThat(max).isLessThanOrEqualTo(1f).isGreaterThan(0.99f);
  }

  @Test
  void contentIsDeterministicFromTheSeedAndVariesAcrossFrames() {
    var spec = spec(ElementType.FLOAT32, 1, 3, 16, 16);
    List<Frame> a = new SyntheticSource(new ArrivalProcess.Constant(1),
        Contexts.unpaced(spec, Schedulers.immediate())).frames().take(3).collectList().block();
    List<Frame> b = new SyntheticSource(new ArrivalProcess.Constant(1),
        Contexts.unpaced(spec, Schedulers.immediate())).frames().take(3).collectList().block();
    var otherSeed = new io.splitstream.pipeline.source.SourceContext(spec, "cam0", Schedulers.immediate(),
        java.util.Optional.empty(), 43, false);
    Frame c = new SyntheticSource(new ArrivalProcess.Constant(1), otherSeed).frames().blockFirst();
    for (int i = 0; i < 3; i++) {
      assertThat(tensor(a.get(i)).maxAbsDiff(tensor(b.get(i)))).isZero();
    }
    assertThat(tensor(a.get(0)).maxAbsDiff(tensor(a.get(1)))).isPositive();
    assertThat(tensor(a.get(0)).maxAbsDiff(tensor(c))).isPositive();
  }

  @Test
  void fillsInputsThatAreNotImages() {
    SyntheticSource source = new SyntheticSource(new ArrivalProcess.Constant(1),
        Contexts.unpaced(spec(ElementType.INT64, -1, -1), Schedulers.immediate()));
    Tensor t = source.frames().blockFirst().tensors().get("x");
    assertThat(t.type()).isEqualTo(ElementType.INT64);
    assertThat(t.shape()).containsExactly(1, SyntheticSource.DEFAULT_DYNAMIC_DIM);
    ByteBuffer b = t.data();
    boolean nonZero = false;
    for (int i = 0; i < SyntheticSource.DEFAULT_DYNAMIC_DIM; i++) {
      long v = b.getLong(i * 8);
      assertThat(v).isBetween(0L, 255L);
      nonZero |= v != 0;
    }
    assertThat(nonZero).isTrue();
  }

  @Test
  void halfFloatsStayInTheUnitInterval() {
    SyntheticSource source = new SyntheticSource(new ArrivalProcess.Constant(1),
        Contexts.unpaced(spec(ElementType.FLOAT16, 1, 64), Schedulers.immediate()));
    ByteBuffer b = source.frames().blockFirst().tensors().get("x").data();
    for (int i = 0; i < 64; i++) {
      int h = b.getShort(i * 2) & 0xffff;
      assertThat(h).as("half bits of element %d", i).isLessThan(0x3c00); // 0x3c00 is 1.0
    }
  }

  @Test
  void providerParsesTheArrivalSpec() {
    VirtualTimeScheduler vts = VirtualTimeScheduler.create();
    var provider = new SyntheticSourceProvider();
    var ctx = Contexts.paced(spec(ElementType.FLOAT32, 1, 3, 8, 8), vts, null);
    assertThat(provider.open("poisson,rate=30,seed=7", ctx).description()).contains("poisson,rate=30,seed=7");
    assertThat(provider.open("poisson,rate=30", ctx).description()).contains("seed=42");
    assertThat(provider.open("", ctx).description()).contains("constant,rate=30");
    assertThatThrownBy(() -> provider.open("uniform,rate=30", ctx))
        .isInstanceOf(SplitstreamException.class)
        .hasMessageContaining("unknown kind 'uniform'");
  }

  private static Tensor tensor(Frame f) {
    return f.tensors().get("x");
  }
}
