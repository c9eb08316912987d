package io.splitstream.loadgen.arrival;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import io.splitstream.devices.SplitstreamException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ArrivalProcessTest {

  @Test
  void constantGapsAddUpWithoutDrift() {
    ArrivalProcess.Gaps gaps = new ArrivalProcess.Constant(30).gaps();
    long total = 0;
    for (int i = 0; i < 3000; i++) {
      long g = gaps.nextNanos();
      assertThat(g).isBetween(33_333_333L, 33_333_334L);
      total += g;
    }
    assertThat(total).isEqualTo(100_000_000_000L);
  }

  @Test
  void constantGapsFollowARateChangeFromTheNextGapOnWithoutDrift() {
    double[] rate = {100};
    ArrivalProcess.Gaps gaps = new ArrivalProcess.Constant(100).gaps(() -> rate[0]);
    long t = 0;
    for (int i = 0; i < 100; i++) {
      t += gaps.nextNanos();
    }
    assertThat(t).isEqualTo(1_000_000_000L);
    rate[0] = 300;
    for (int i = 0; i < 3000; i++) {
      long g = gaps.nextNanos();
      assertThat(g).isBetween(3_333_333L, 3_333_334L);
      t += g;
    }
    assertThat(t).as("anchored at the change: 3000 gaps of 1/300 s add up exactly").isEqualTo(11_000_000_000L);
  }

  @Test
  void aFixedSupplierGivesTheSameGapsAsTheFixedRate() {
    for (ArrivalProcess p : new ArrivalProcess[] {new ArrivalProcess.Constant(30), new ArrivalProcess.Poisson(30, 7),
        new ArrivalProcess.Burst(30, 10, Duration.ofSeconds(2), 0.25, 7)}) {
      ArrivalProcess.Gaps fixed = p.gaps();
      ArrivalProcess.Gaps supplied = p.gaps(() -> 30);
      for (int i = 0; i < 500; i++) {
        assertThat(supplied.nextNanos()).as(p.spec()).isEqualTo(fixed.nextNanos());
      }
    }
  }

  @Test
  void burstKeepsFactorAndDutyAroundANewBaseRate() {
    double[] rate = {30};
    ArrivalProcess.Burst burst = new ArrivalProcess.Burst(30, 10, Duration.ofSeconds(20), 0.25, 7);
    ArrivalProcess.Gaps gaps = burst.gaps(() -> rate[0]);
    double t = 0;
    while (t < 2000) {
      t += gaps.nextNanos() / 1e9;
    }
    rate[0] = 60;
    int inBurst = 0;
    int outside = 0;
    double start = t;
    while (t < start + 2000) {
      t += gaps.nextNanos() / 1e9;
      if (burst.rateAt(t) > 30) {
        inBurst++;
      } else {
        outside++;
      }
    }
    // 2000 s: 500 s in bursts at 60*10 /s, 1500 s outside at 60 /s
    assertThat(inBurst / 500.0).isCloseTo(600, offset(15.0));
    assertThat(outside / 1500.0).isCloseTo(60, offset(2.0));
  }

  @Test
  void poissonMeanRateAndVariabilityMatchTheRate() {
    ArrivalProcess.Gaps gaps = new ArrivalProcess.Poisson(30, 7).gaps();
    int n = 200_000;
    double sum = 0;
    double sumSq = 0;
    for (int i = 0; i < n; i++) {
      double g = gaps.nextNanos() / 1e9;
      sum += g;
      sumSq += g * g;
    }
    double mean = sum / n;
    double cv = Math.sqrt(sumSq / n - mean * mean) / mean;
    assertThat(1 / mean).isCloseTo(30, offset(0.3));
    // Exponential gaps have a coefficient of variation of 1; a constant process would have 0.
    assertThat(cv).isCloseTo(1.0, offset(0.02));
  }

  @Test
  void sameSeedSameGapsOtherSeedOtherGaps() {
    ArrivalProcess p = new ArrivalProcess.Poisson(30, 7);
    ArrivalProcess.Gaps a = p.gaps();
    ArrivalProcess.Gaps b = p.gaps();
    ArrivalProcess.Gaps c = new ArrivalProcess.Poisson(30, 8).gaps();
    boolean differs = false;
    for (int i = 0; i < 100; i++) {
      long ga = a.nextNanos();
      assertThat(b.nextNanos()).isEqualTo(ga);
      differs |= c.nextNanos() != ga;
    }
    assertThat(differs).isTrue();
  }

  @Test
  void burstRunsAtFactorTimesTheRateInBurstsAndAtTheRateOutside() {
    ArrivalProcess.Burst burst = new ArrivalProcess.Burst(30, 10, Duration.ofSeconds(20), 0.25, 7);
    ArrivalProcess.Gaps gaps = burst.gaps();
    double horizon = 4000;
    long inBurst = 0;
    long outside = 0;
    long t = 0;
    while (t / 1e9 < horizon) {
      double s = t / 1e9;
      if (s % 20 < 5) {
        inBurst++;
      } else {
        outside++;
      }
      t += gaps.nextNanos();
    }
    assertThat(inBurst / (horizon * 0.25)).isCloseTo(300, offset(6.0));
    assertThat(outside / (horizon * 0.75)).isCloseTo(30, offset(0.6));
    assertThat(burst.meanRate()).isCloseTo(30 * (0.25 * 10 + 0.75), offset(1e-9));
    assertThat(burst.rateAt(4.9)).isEqualTo(300);
    assertThat(burst.rateAt(5.1)).isEqualTo(30);
    assertThat(burst.rateAt(24.9)).isEqualTo(300);
  }

  @Test
  void parsesEachKind() {
    assertThat(ArrivalProcess.parse("constant,rate=30", 1)).isEqualTo(new ArrivalProcess.Constant(30));
    assertThat(ArrivalProcess.parse("poisson,rate=30,seed=7", 1)).isEqualTo(new ArrivalProcess.Poisson(30, 7));
    assertThat(ArrivalProcess.parse(" Poisson , rate = 2.5 ", 9)).isEqualTo(new ArrivalProcess.Poisson(2.5, 9));
    assertThat(ArrivalProcess.parse("burst,rate=30,factor=10,period=20s,duty=0.5,seed=7", 1))
        .isEqualTo(new ArrivalProcess.Burst(30, 10, Duration.ofSeconds(20), 0.5, 7));
    assertThat(ArrivalProcess.parse("burst,rate=30,factor=10,period=500ms,duty=0", 3))
        .isEqualTo(new ArrivalProcess.Burst(30, 10, Duration.ofMillis(500), 0, 3));
  }

  @Test
  void specRoundTrips() {
    for (String spec : new String[] {"constant,rate=30", "poisson,rate=2.5,seed=7",
        "burst,rate=30,factor=10,period=20000ms,duty=0.5,seed=7"}) {
      assertThat(ArrivalProcess.parse(spec, 0).spec()).isEqualTo(spec);
    }
  }

  @Test
  void unknownKindListsTheValidKinds() {
    assertThatThrownBy(() -> ArrivalProcess.parse("weibull,rate=3", 0))
        .isInstanceOf(SplitstreamException.class)
        .hasMessageContaining("unknown kind 'weibull'")
        .hasMessageContaining("constant, poisson, burst, gamma, mmpp, ramp, trace");
  }

  @Test
  void unknownKeyListsTheValidKeys() {
    assertThatThrownBy(() -> ArrivalProcess.parse("poisson,rate=3,sed=4", 0))
        .isInstanceOf(SplitstreamException.class)
        .hasMessageContaining("unknown key 'sed'")
        .hasMessageContaining("valid keys: rate, seed");
  }

  @Test
  void badValuesAreNamed() {
    assertThatThrownBy(() -> ArrivalProcess.parse("constant,rate=fast", 0))
        .isInstanceOf(SplitstreamException.class)
        .hasMessageContaining("rate 'fast' is not a number");
    assertThatThrownBy(() -> ArrivalProcess.parse("constant,rate=-2", 0))
        .hasMessageContaining("rate '-2' must be a number greater than 0");
    assertThatThrownBy(() -> ArrivalProcess.parse("burst,rate=3,factor=2,period=soon,duty=0.5", 0))
        .hasMessageContaining("period 'soon' must be a positive duration");
    assertThatThrownBy(() -> ArrivalProcess.parse("burst,rate=3,factor=2,period=1s,duty=1.5", 0))
        .hasMessageContaining("duty '1.5' must be between 0.0 and 1.0");
    assertThatThrownBy(() -> ArrivalProcess.parse("poisson,rate=3,seed=x", 0))
        .hasMessageContaining("seed 'x' must be a whole number");
    assertThatThrownBy(() -> ArrivalProcess.parse("poisson,rate", 0))
        .hasMessageContaining("'rate' is not key=value");
    assertThatThrownBy(() -> ArrivalProcess.parse("poisson,rate=1,rate=2", 0))
        .hasMessageContaining("key 'rate' is given twice");
  }

  @Test
  void missingKeyIsNamed() {
    assertThatThrownBy(() -> ArrivalProcess.parse("burst,rate=30,factor=10,duty=0.5", 0))
        .isInstanceOf(SplitstreamException.class)
        .hasMessageContaining("missing key 'period'")
        .hasMessageContaining("valid keys: rate, factor, period, duty, seed")
        .hasMessageNotContaining("\n");
    assertThatThrownBy(() -> ArrivalProcess.parse("constant", 0))
        .hasMessageContaining("missing key 'rate'");
  }
}
