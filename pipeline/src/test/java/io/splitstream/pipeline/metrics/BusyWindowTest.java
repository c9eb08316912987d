package io.splitstream.pipeline.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class BusyWindowTest {
  private static final long S = 1_000_000_000L;

  /** Ten one-second buckets, first seen at time 0. */
  private final BusyWindow window = new BusyWindow(S, 10, 0);

  @Test
  void shareIsBusyTimeOverElapsedTimeWhileTheWindowFills() {
    window.add(0, S);
    window.add(2 * S, 3 * S);

    assertThat(window.share(4 * S)).isCloseTo(0.5, within(1e-12));
    assertThat(window.totalBusyNanos()).isEqualTo(2 * S);
  }

  @Test
  void nothingElapsedMeansNoShare() {
    assertThat(window.share(0)).isZero();
  }

  @Test
  void workLeavesTheWindowBucketByBucket() {
    window.add(0, 2 * S); // busy in buckets 0 and 1
    // At 10.5 s the window is buckets 1..10, i.e. [1 s, 10.5 s): 1 s busy out of 9.5 s.
    assertThat(window.share(10 * S + S / 2)).isCloseTo(1.0 / 9.5, within(1e-12));
    // At 11.5 s it is [2 s, 11.5 s): nothing left.
    assertThat(window.share(11 * S + S / 2)).isZero();
    assertThat(window.totalBusyNanos()).isEqualTo(2 * S);
  }

  @Test
  void overlappingExecutionsCountOnce() {
    window.add(0, 4 * S);
    window.add(S, 3 * S); // inside the first
    window.add(3 * S, 5 * S); // overlaps its end by 1 s

    assertThat(window.totalBusyNanos()).isEqualTo(5 * S);
    assertThat(window.share(5 * S)).isEqualTo(1.0);
  }

  @Test
  void anExecutionRecordedAfterALaterStartingOneCountsOnlyBeyondIt() {
    window.add(2 * S, 5 * S);
    window.add(0, 6 * S); // started first, recorded last: [0, 2 s) is not counted

    assertThat(window.totalBusyNanos()).isEqualTo(4 * S);
  }

  @Test
  void anExecutionLongerThanTheWindowFillsIt() {
    window.add(0, 100 * S);

    assertThat(window.totalBusyNanos()).isEqualTo(100 * S);
    assertThat(window.share(100 * S)).isEqualTo(1.0);
    assertThat(window.share(105 * S)).isCloseTo(4.0 / 9.0, within(1e-12));
  }

  @Test
  void negativeClockValuesWork() {
    // System.nanoTime() and scheduler clocks may run below zero.
    BusyWindow early = new BusyWindow(S, 10, -10 * S);
    early.add(-6 * S, -5 * S);

    assertThat(early.share(-4 * S)).isCloseTo(1.0 / 6, within(1e-12));
  }

  @Test
  void refusesADegenerateWindow() {
    assertThatThrownBy(() -> new BusyWindow(0, 10, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new BusyWindow(S, 1, 0)).isInstanceOf(IllegalArgumentException.class);
  }
}
