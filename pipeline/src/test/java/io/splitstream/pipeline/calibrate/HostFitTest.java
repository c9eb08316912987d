package io.splitstream.pipeline.calibrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.splitstream.devices.emulated.HostCalibration;
import io.splitstream.devices.emulated.SocProfile;
import io.splitstream.devices.emulated.SocProfiles;
import io.splitstream.devices.model.OpClass;
import io.splitstream.devices.model.SegmentCost;
import io.splitstream.devices.processor.ProcessorKind;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostFitTest {
  /** A processor the fit must find again from the times it gives. */
  private static final SocProfile.ProcessorProfile TRUTH = new SocProfile.ProcessorProfile("cpu", ProcessorKind.CPU,
      "truth", new SocProfile.Gflops(90, 30, 20, 3, 1), 25, 0.9, 50, 50, List.of(), "");

  @Test
  void recoversTheRatesAndOverheadsThatProducedTheTimes() {
    HostFit.Result fit = HostFit.fit(observations(TRUTH, true));
    assertThat(fit.dispatchMicros()).isCloseTo(25, within(0.01));
    assertThat(fit.perNodeMicros()).isCloseTo(0.9, within(0.001));
    for (OpClass c : OpClass.values()) {
      assertThat(fit.gflops().rate(c)).as(c.name()).isCloseTo(TRUTH.gflops().rate(c), within(TRUTH.gflops().rate(c) * 1e-4));
    }
  }

  @Test
  void aClassNoSegmentSpendsTimeOnGetsTheFreeRate() {
    HostFit.Result fit = HostFit.fit(observations(TRUTH, false));
    assertThat(fit.gflops().matmul()).isEqualTo(HostFit.FREE_RATE);
    assertThat(fit.gflops().conv()).isCloseTo(90, within(0.01));
  }

  @Test
  void theWrittenProfileReadsBackAndPredictsLikeTheFit(@TempDir Path dir) {
    HostFit.Result fit = HostFit.fit(observations(TRUTH, true));
    SocProfile p = new SocProfile("host-test", "test cpu", "test host", "fitted", List.of(
        new SocProfile.Source("t", "docs/profiles.md", "synthetic")), List.of(fit.processor("cpu (1 thread)", 50, "n")),
        List.of());
    Path file = dir.resolve("host.json");
    HostCalibration cal = new HostCalibration(HostBench.REFERENCE, 0.321, "thread CPU time", 1);
    HostFit.write(p, cal, file);
    SocProfile.ProcessorProfile back = SocProfiles.fromFile(file).processor("cpu").orElseThrow();
    assertThat(SocProfiles.calibration(file.toString())).contains(cal);
    for (HostBench.Observation o : observations(TRUTH, true)) {
      assertThat(HostFit.predictedMs(back, o)).isCloseTo(o.measuredMs(), within(o.measuredMs() * 1e-3));
    }
  }

  static List<HostBench.Observation> observations(SocProfile.ProcessorProfile p, boolean withMatmul) {
    SplittableRandom r = new SplittableRandom(7);
    List<HostBench.Observation> obs = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      EnumMap<OpClass, Double> f = new EnumMap<>(OpClass.class);
      for (OpClass c : OpClass.values()) {
        if (withMatmul || c != OpClass.MATMUL) {
          f.put(c, r.nextBoolean() ? r.nextDouble(1e4, 1e8) : 0.0);
        }
      }
      SegmentCost cost = new SegmentCost(f, 0, r.nextInt(1, 300));
      obs.add(new HostBench.Observation("m", i, 0, 1, cost, p.serviceNanosAtFullSpeed(cost) / 1e6,
          p.serviceNanosAtFullSpeed(cost) / 1e6, 1));
    }
    return obs;
  }
}
