package io.splitstream.devices.emulated;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class HeatModelTest {
  private static final long TAU = 60_000_000_000L;
  private final HeatModel model = new HeatModel(new SocProfile.Thermal(0.77, 60));

  @Test
  void aColdProcessorRunsAtFullClock() {
    assertThat(model.heatAt(0)).isZero();
    assertThat(model.clockFactorAt(123)).isEqualTo(1.0);
  }

  @Test
  void oneTimeConstantOfBusyTimeHeatsTo1MinusOverE() {
    model.busy(0, TAU);
    assertThat(model.heatAt(TAU)).isCloseTo(1 - Math.exp(-1), within(1e-6)).isCloseTo(0.632, within(1e-3));
    assertThat(model.clockFactorAt(TAU)).isCloseTo(1 - 0.23 * (1 - Math.exp(-1)), within(1e-6));
    // still busy at half time: the heat it had reached then
    assertThat(model.heatAt(TAU / 2)).isCloseTo(1 - Math.exp(-0.5), within(1e-6));
  }

  @Test
  void integrationIsExactHoweverTheBusyTimeIsCut() {
    HeatModel pieces = new HeatModel(new SocProfile.Thermal(0.77, 60));
    long step = TAU / 1000;
    for (long t = 0; t < TAU; t += step) {
      pieces.busy(t, t + step);
    }
    model.busy(0, TAU);
    assertThat(pieces.heatAt(TAU)).isCloseTo(model.heatAt(TAU), within(1e-9));
    // overlapping runs count their union once
    pieces.busy(TAU / 2, TAU);
    assertThat(pieces.heatAt(TAU)).isCloseTo(model.heatAt(TAU), within(1e-9));
  }

  @Test
  void sustainedLoadSettlesAtTheSustainedClock() {
    model.busy(0, 20 * TAU);
    assertThat(model.clockFactorAt(20 * TAU)).isCloseTo(0.77, within(1e-6));
  }

  @Test
  void idleTimeCoolsWithTheSameTimeConstant() {
    model.busy(0, TAU);
    double hot = model.heatAt(TAU);
    assertThat(model.heatAt(2 * TAU)).isCloseTo(hot * Math.exp(-1), within(1e-9));
    // the next run starts from the cooled state
    model.busy(2 * TAU, 3 * TAU);
    double cooled = hot * Math.exp(-1);
    assertThat(model.heatAt(3 * TAU)).isCloseTo(1 + (cooled - 1) * Math.exp(-1), within(1e-9));
    assertThat(model.clockFactorAt(100 * TAU)).isCloseTo(1.0, within(1e-9));
  }
}
