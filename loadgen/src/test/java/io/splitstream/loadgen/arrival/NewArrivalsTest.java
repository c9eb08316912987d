package io.splitstream.loadgen.arrival;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import io.splitstream.devices.SplitstreamException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NewArrivalsTest {
  @TempDir Path dir;

  private static double[] rateAndCv(ArrivalProcess.Gaps g, int n) {
    double sum = 0;
    double sq = 0;
    for (int i = 0; i < n; i++) {
      double x = g.nextNanos() / 1e9;
      sum += x;
      sq += x * x;
    }
    double mean = sum / n;
    return new double[] {1 / mean, Math.sqrt(sq / n - mean * mean) / mean};
  }

  @Test
  void gammaHasTheConfiguredMeanAndCoefficientOfVariation() {
    double[] bursty = rateAndCv(new Gamma(50, 0.25, 3).gaps(), 200_000);
    assertThat(bursty[0]).isCloseTo(50, offset(1.0));
    assertThat(bursty[1]).isCloseTo(2.0, offset(0.05));
    double[] regular = rateAndCv(new Gamma(50, 4, 3).gaps(), 200_000);
    assertThat(regular[1]).isCloseTo(0.5, offset(0.01));
    double[] poissonLike = rateAndCv(new Gamma(50, 1, 3).gaps(), 200_000);
    assertThat(poissonLike[1]).isCloseTo(1.0, offset(0.02));
  }

  @Test
  void sameSeedSameGapsOtherSeedOtherGaps() {
    for (String spec : List.of("gamma,rate=30,shape=0.5", "mmpp,rates=10/100,dwell=2s/1s", "ramp,from=5,to=50,over=10s,arrivals=poisson")) {
      ArrivalProcess.Gaps a = ArrivalProcess.parse(spec + ",seed=9", 1).gaps();
      ArrivalProcess.Gaps b = ArrivalProcess.parse(spec + ",seed=9", 1).gaps();
      ArrivalProcess.Gaps c = ArrivalProcess.parse(spec + ",seed=10", 1).gaps();
      boolean differs = false;
      for (int i = 0; i < 200; i++) {
        long x = a.nextNanos();
        assertThat(b.nextNanos()).as(spec).isEqualTo(x);
        differs |= c.nextNanos() != x;
      }
      assertThat(differs).as(spec).isTrue();
    }
  }

  @Test
  void mmppDwellsAndMeanRateMatchTheConfiguration() {
    Mmpp p = (Mmpp) ArrivalProcess.parse("mmpp,rates=5/40/200,dwell=3s/2s/1s,seed=4", 1);
    assertThat(p.meanRate()).isCloseTo((5 * 3 + 40 * 2 + 200 * 1) / 6.0, offset(1e-9));
    Mmpp.Walk w = p.gaps(p::rate);
    double t = 0;
    long n = 0;
    while (t < 20_000) {
      t += w.nextNanos() / 1e9;
      n++;
    }
    double[] dwell = w.meanDwellSeconds();
    assertThat(dwell[0]).isCloseTo(3, offset(0.15));
    assertThat(dwell[1]).isCloseTo(2, offset(0.1));
    assertThat(dwell[2]).isCloseTo(1, offset(0.05));
    assertThat(n / t).isCloseTo(p.meanRate(), offset(p.meanRate() * 0.03));
  }

  @Test
  void rampRisesLinearlyThenHolds() {
    Ramp r = (Ramp) ArrivalProcess.parse("ramp,from=10,to=110,over=100s", 1);
    ArrivalProcess.Gaps g = r.gaps();
    double t = 0;
    List<Double> times = new ArrayList<>();
    while (t < 150) {
      t += g.nextNanos() / 1e9;
      times.add(t);
    }
    // arrivals in [40 s, 50 s): the integral of 10 + t from 40 to 50 = 550
    long in40to50 = times.stream().filter(x -> x >= 40 && x < 50).count();
    assertThat(in40to50).isBetween(549L, 551L);
    long after = times.stream().filter(x -> x >= 120 && x < 130).count();
    assertThat(after).isBetween(1099L, 1101L);
    assertThat(r.rateAt(50)).isEqualTo(60);
  }

  @Test
  void traceReplaysTimestampsAndStopsAtItsEnd() throws IOException {
    Path f = dir.resolve("t.csv");
    Files.writeString(f, "t_ms\n100\n150\n150\n400\n");
    ArrivalProcess.Gaps g = ArrivalProcess.parse("trace,file=" + f + ",unit=ms", 1).gaps();
    assertThat(g.nextNanos()).isEqualTo(50_000_000L);
    assertThat(g.nextNanos()).isEqualTo(0L);
    assertThat(g.nextNanos()).isEqualTo(250_000_000L);
    assertThat(g.nextNanos()).isEqualTo(ArrivalProcess.Gaps.END);
  }

  private static java.util.List<io.splitstream.pipeline.frame.Frame> replayFor(String spec, Duration duration) {
    io.splitstream.operators.time.SimulatedTime clock = new io.splitstream.operators.time.SimulatedTime();
    io.splitstream.pipeline.source.SourceContext ctx = new io.splitstream.pipeline.source.SourceContext(
        new io.splitstream.devices.model.TensorSpec("x", io.splitstream.devices.tensor.ElementType.FLOAT32, List.of(1L, 4L)),
        "s0", clock, java.util.Optional.of(duration), 1, true);
    List<io.splitstream.pipeline.frame.Frame> frames = new ArrayList<>();
    io.splitstream.pipeline.source.Sources.open(spec, ctx).frames().subscribe(frames::add);
    clock.run();
    return frames;
  }

  @Test
  void aRunLongerThanATraceIsRefusedUnlessTheTraceSaysHowItEnds() throws IOException {
    Path f = dir.resolve("t.csv");
    Files.writeString(f, "t_ms\n100\n150\n150\n400\n");
    // 300 ms from the first arrival to the last
    assertThatThrownBy(() -> replayFor("synthetic:trace,file=" + f + ",unit=ms", Duration.ofSeconds(1)))
        .isInstanceOf(SplitstreamException.class)
        .hasMessageContaining("--duration 1s is longer than arrival trace")
        .hasMessageContaining("0.3s")
        .hasMessageContaining("end=loop")
        .hasMessageContaining("end=stop");
    assertThat(replayFor("synthetic:trace,file=" + f + ",unit=ms,end=stop", Duration.ofSeconds(1))).hasSize(4);
    assertThat(replayFor("synthetic:trace,file=" + f + ",unit=ms", Duration.ofMillis(250))).hasSize(3);
    assertThat(replayFor("synthetic:trace,file=" + f + ",unit=ms,end=loop", Duration.ofSeconds(1))).hasSizeGreaterThan(4);
  }

  @Test
  void traceOfGapsLoops() throws IOException {
    Path f = dir.resolve("g.csv");
    Files.writeString(f, "0.1\n0.3\n");
    ArrivalProcess.Gaps g = ArrivalProcess.parse("trace,file=" + f + ",values=gaps,end=loop", 1).gaps();
    long[] seen = new long[5];
    for (int i = 0; i < 5; i++) {
      seen[i] = g.nextNanos();
    }
    assertThat(seen).containsExactly(100_000_000L, 300_000_000L, 100_000_000L, 300_000_000L, 100_000_000L);
  }

  @Test
  void badTracesAreRefusedNamingLineAndField() throws IOException {
    Path back = dir.resolve("back.csv");
    Files.writeString(back, "time\n1.0\n2.0\n1.5\n");
    assertThatThrownBy(() -> ArrivalProcess.parse("trace,file=" + back, 1))
        .isInstanceOf(SplitstreamException.class)
        .hasMessageContaining("line 4, field 1 (time)")
        .hasMessageContaining("before the previous one");
    Path text = dir.resolve("text.csv");
    Files.writeString(text, "1.0\n2.0\nabc\n");
    assertThatThrownBy(() -> ArrivalProcess.parse("trace,file=" + text, 1))
        .hasMessageContaining("line 3, field 1")
        .hasMessageContaining("'abc' is not a number");
    assertThatThrownBy(() -> ArrivalProcess.parse("trace,file=" + dir.resolve("none.csv"), 1))
        .hasMessageContaining("does not exist");
  }

  @Test
  void badSpecsNameTheKey() {
    assertThatThrownBy(() -> ArrivalProcess.parse("mmpp,rates=10/20/30,dwell=1s/2s", 1))
        .isInstanceOf(SplitstreamException.class).hasMessageContaining("same number of states");
    assertThatThrownBy(() -> ArrivalProcess.parse("mmpp,rates=10/x,dwell=1s/2s", 1))
        .hasMessageContaining("rates 'x' is not a number");
    assertThatThrownBy(() -> ArrivalProcess.parse("gamma,rate=10", 1)).hasMessageContaining("missing key 'shape'");
    assertThatThrownBy(() -> ArrivalProcess.parse("ramp,from=1,to=2,over=3s,arrivals=sometimes", 1))
        .hasMessageContaining("must be constant or poisson");
  }

  @Test
  void benchMeasuresWhatTheSourceEmits() {
    ArrivalsBench.Measured m = ArrivalsBench.measure(new Gamma(100, 0.25, 5), Duration.ofMinutes(10));
    assertThat(m.meanRate()).isCloseTo(100, offset(5.0));
    assertThat(m.cv()).isCloseTo(2.0, offset(0.1));
  }
}
