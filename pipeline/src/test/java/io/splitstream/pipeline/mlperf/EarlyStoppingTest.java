package io.splitstream.pipeline.mlperf;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EarlyStoppingTest {
  @Test
  void theFloorsAreLoadGens64And662Queries() {
    assertThat(new EarlyStopping(0.90, 0.99).minQueries()).isEqualTo(64);
    assertThat(new EarlyStopping(0.99, 0.99).minQueries()).isEqualTo(662);
  }

  @Test
  void theBoundIsTheLeastPassingCount() {
    EarlyStopping es = new EarlyStopping(0.99, 0.99);
    for (long t : new long[] {0, 1, 5, 40}) {
      long h = es.minPassing(t);
      assertThat(es.odds(h, t)).isLessThan(0.01);
      assertThat(es.odds(h - 1, t)).isGreaterThanOrEqualTo(0.01);
    }
    // no over-latency query at all: 459 under-bound queries suffice at p99 (LoadGen's h_min(t=0))
    assertThat(es.minPassing(0)).isEqualTo(459);
  }

  @Test
  void bisectionFindsWhatLoadGensLinearLoopFinds() {
    EarlyStopping es = new EarlyStopping(0.90, 0.99);
    for (long n = 60; n <= 3000; n += 37) {
      long expected;
      if (n < es.minPassing(1) + 1) {
        expected = -1;
      } else {
        expected = 1;
        for (long i = 2; i < n + 1; i++) {
          if (n < es.minPassing(i) + i) {
            expected = i - 1;
            break;
          }
        }
      }
      assertThat(es.discardRank(n)).as("n = %d", n).isEqualTo(expected);
    }
  }

  @Test
  void theEstimateSitsBelowTheDiscardedHighestLatencies() {
    EarlyStopping es = new EarlyStopping(0.90, 0.99);
    long[] sorted = new long[1000];
    for (int i = 0; i < sorted.length; i++) {
      sorted[i] = i;
    }
    long t = es.discardRank(1000);
    assertThat(t).isGreaterThan(1);
    assertThat(es.estimate(sorted)).isEqualTo(1000 - t);
    // the estimate is conservative: at or above the plain 90th percentile
    assertThat(es.estimate(sorted)).isGreaterThanOrEqualTo(MlperfResult.percentile(sorted, 0.90));
  }
}
