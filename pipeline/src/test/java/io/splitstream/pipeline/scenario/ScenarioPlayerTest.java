package io.splitstream.pipeline.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.platform.Platforms;
import io.splitstream.devices.processor.Availability;
import io.splitstream.devices.processor.Platform;
import io.splitstream.operators.time.SimulatedTime;
import io.splitstream.pipeline.source.RateControl;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

class ScenarioPlayerTest {
  private final SimulatedTime clock = new SimulatedTime();
  private final Platform soc = Platforms.emulated("sd855-pixel4", 1, false);
  private final Rate rate = new Rate(100);
  private final List<AppliedEvent> applied = new ArrayList<>();
  private final List<String> seen = new ArrayList<>();

  @AfterEach
  void close() {
    soc.close();
  }

  private static Scenario scenario(String yaml) {
    return Scenario.parse(yaml, Scenario.Syntax.YAML, "t.yaml", "t");
  }

  private Disposable play(Scenario s) {
    return ScenarioPlayer.start(s, clock, soc::processor, Optional.of(rate), this::record);
  }

  /** What the listener sees, with the state it can observe at that moment. */
  private void record(AppliedEvent e) {
    applied.add(e);
    seen.add(clock.nowNanos() + " " + e + " | gpu " + soc.processor("gpu").availability()
        + " | npu " + soc.processor("npu").availability() + " | rate " + ScenarioText.number(rate.rate()));
  }

  @Test
  void appliesEachEventAtItsExactVirtualTimeInOrder() {
    play(scenario("""
        events:
          - {at: 10s, processor: gpu, share: 0.3}
          - {at: 25s, processor: npu, throttle: 0.6}
          - {at: 40s, processor: npu, online: false}
          - {at: 50s, processor: npu, online: true}
          - {at: 55s, rate: 120}
          - {at: 70s, processor: gpu, share: 1.0}
        """));
    clock.runUntil(10_000_000_000L - 1);
    assertThat(applied).isEmpty();
    assertThat(soc.processor("gpu").availability().state()).isEqualTo(Availability.FULL);
    clock.run();
    assertThat(seen).containsExactly(
        "10000000000 t=10.000s gpu share 0.30 | gpu share 0.30, clock 1.00 | npu share 1.00, clock 1.00 | rate 100",
        "25000000000 t=25.000s npu throttle 0.60 | gpu share 0.30, clock 1.00 | npu share 1.00, clock 0.60 | rate 100",
        "40000000000 t=40.000s npu offline | gpu share 0.30, clock 1.00 | npu offline | rate 100",
        "50000000000 t=50.000s npu online | gpu share 0.30, clock 1.00 | npu share 1.00, clock 0.60 | rate 100",
        "55000000000 t=55.000s rate 120 frames/s | gpu share 0.30, clock 1.00 | npu share 1.00, clock 0.60 | rate 120",
        "70000000000 t=70.000s gpu share 1.00 | gpu share 1.00, clock 1.00 | npu share 1.00, clock 0.60 | rate 120");
    assertThat(applied).extracting(AppliedEvent::elapsed).containsExactly(Duration.ofSeconds(10),
        Duration.ofSeconds(25), Duration.ofSeconds(40), Duration.ofSeconds(50), Duration.ofSeconds(55),
        Duration.ofSeconds(70));
    assertThat(applied).extracting(e -> e.event().index()).containsExactly(0, 1, 2, 3, 4, 5);
  }

  @Test
  void countsFromWhenItStartsNotFromClockZero() {
    clock.runFor(Duration.ofSeconds(5));
    play(scenario("events: [{at: 0s, processor: gpu, share: 0.5}, {at: 2.5s, processor: gpu, throttle: 0.5}]"));
    assertThat(applied).as("nothing runs until the clock does").isEmpty();
    clock.run();
    assertThat(seen).extracting(l -> l.substring(0, l.indexOf('|')).strip())
        .containsExactly("5000000000 t=0.000s gpu share 0.50", "7500000000 t=2.500s gpu throttle 0.50");
  }

  @Test
  void oneEventSettingSeveralThingsAndEqualTimesApplyTogetherInListOrder() {
    play(scenario("""
        events:
          - {at: 1s, processor: npu, share: 0.5, throttle: 0.4}
          - {at: 1s, processor: npu, online: false}
          - {at: 1s, rate: 50}
        """));
    clock.run();
    assertThat(seen).containsExactly(
        "1000000000 t=1.000s npu share 0.50, throttle 0.40 | gpu share 1.00, clock 1.00 | npu share 0.50, clock 0.40 | rate 100",
        "1000000000 t=1.000s npu offline | gpu share 1.00, clock 1.00 | npu offline | rate 100",
        "1000000000 t=1.000s rate 50 frames/s | gpu share 1.00, clock 1.00 | npu offline | rate 50");
    assertThat(soc.processor("npu").availability().state()).isEqualTo(new Availability.State(0.5, 0.4, false));
  }

  @Test
  void disposeCancelsTheEventsNotYetApplied() {
    Disposable playing = play(scenario("""
        events:
          - {at: 10s, processor: gpu, share: 0.3}
          - {at: 20s, processor: gpu, share: 0.6}
          - {at: 30s, rate: 300}
        """));
    clock.runFor(Duration.ofSeconds(15));
    assertThat(playing.isDisposed()).isFalse();
    playing.dispose();
    clock.run();
    assertThat(applied).hasSize(1);
    assertThat(soc.processor("gpu").availability().state().share()).as("what was applied stays").isEqualTo(0.3);
    assertThat(rate.rate()).isEqualTo(100);
    assertThat(playing.isDisposed()).isTrue();
  }

  @Test
  void readsAsDisposedOnceEveryEventIsApplied() {
    Disposable playing = play(scenario("events: [{at: 1s, rate: 5}]"));
    clock.run();
    assertThat(applied).hasSize(1);
    assertThat(playing.isDisposed()).isTrue();
    assertThat(clock.pending()).isZero();
  }

  @Test
  void noiseGoesToTheNoiseTargetWithASeedPerProcessorAndEvent() {
    List<String> calls = new ArrayList<>();
    Scenario s = scenario("""
        events:
          - {at: 0s, processor: cpu, noise: 0.1}
          - {at: 0s, processor: gpu, noise: 0.1, share: 0.9}
          - {at: 5s, processor: gpu, noise: 0}
        """);
    List<Long> seeds = new ArrayList<>();
    ScenarioPlayer.start(s, clock, soc::processor, Optional.empty(), Optional.of((id, fraction, seed) -> {
      calls.add(clock.nowNanos() + " " + id + " " + fraction);
      seeds.add(seed);
    }), 7L, this::record);
    clock.run();
    assertThat(calls).containsExactly("0 cpu 0.1", "0 gpu 0.1", "5000000000 gpu 0.0");
    assertThat(seeds).doesNotHaveDuplicates();
    assertThat(applied).extracting(AppliedEvent::outcome)
        .containsExactly("cpu noise 0.10", "gpu share 0.90, noise 0.10", "gpu noise 0.00");
    assertThat(soc.processor("gpu").availability().state().share()).isEqualTo(0.9);

    List<Long> again = new ArrayList<>();
    SimulatedTime other = new SimulatedTime();
    ScenarioPlayer.start(s, other, soc::processor, Optional.empty(),
        Optional.of((id, fraction, seed) -> again.add(seed)), 7L, e -> {});
    other.run();
    assertThat(again).as("same run seed, same noise seeds").isEqualTo(seeds);
  }

  @Test
  void withoutANoiseTargetNoiseIsReportedAsNotApplied() {
    play(scenario("events: [{at: 0s, processor: gpu, noise: 0.1, share: 0.5}]"));
    clock.run();
    assertThat(applied).singleElement().extracting(AppliedEvent::outcome)
        .isEqualTo("gpu share 0.50, noise 0.10 (noise not applied: this run has no noise target)");
    assertThat(soc.processor("gpu").availability().state().share()).isEqualTo(0.5);
  }

  @Test
  void refusesBeforeSchedulingAnythingWhenAProcessorOrTheRateControlIsMissing() {
    Scenario dsp = scenario("events: [{at: 1s, processor: gpu, share: 0.5}, {at: 2s, processor: dsp, share: 0.5}]");
    assertThatThrownBy(() -> play(dsp)).isInstanceOf(SplitstreamException.class).hasMessageContaining("dsp");
    assertThatThrownBy(() -> ScenarioPlayer.start(dsp, clock, id -> id.equals("dsp") ? null : soc.processor(id),
        Optional.of(rate), this::record))
        .isInstanceOf(SplitstreamException.class).hasMessageContaining("processor 'dsp' is not on this platform");
    Scenario rated = scenario("events: [{at: 1s, processor: gpu, share: 0.5}, {at: 2s, rate: 50}]");
    assertThatThrownBy(() -> ScenarioPlayer.start(rated, clock, soc::processor, Optional.empty(), this::record))
        .isInstanceOf(SplitstreamException.class).hasMessageContaining("events[1] (at 2s): rate needs a source");
    assertThat(clock.pending()).isZero();
    clock.run();
    assertThat(applied).isEmpty();
    assertThat(soc.processor("gpu").availability().state()).isEqualTo(Availability.FULL);
  }

  /** A rate knob that only remembers. */
  private static final class Rate implements RateControl {
    private double fps;

    Rate(double fps) {
      this.fps = fps;
    }

    @Override
    public double rate() {
      return fps;
    }

    @Override
    public void setRate(double framesPerSecond) {
      fps = framesPerSecond;
    }
  }
}
