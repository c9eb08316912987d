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

  /** A processor with runtime terms, costing per node: the fit must find those too. */
  private static final SocProfile.ProcessorProfile RUNTIME_TRUTH = new SocProfile.ProcessorProfile("cpu",
      ProcessorKind.CPU, "truth", new SocProfile.Gflops(110, 20, 40, 5, 2), 9, 0.6, 50, 50, List.of(), "")
      .withRuntime(new SocProfile.RuntimeTerms(java.util.Map.of("Resize", 0.4, "Upsample", 0.4, "Sigmoid", 1.2,
          "HardSigmoid", 1.2, "Tanh", 1.2, "Exp", 1.2, "Erf", 1.2, "Softplus", 1.2, "HardSwish", 1.2, "Transpose", 2.5),
          true, java.util.Optional.of(new SocProfile.WeightCache(3e6, 16))));

  @Test
  void recoversOpTypeRatesFusionAndTheWeightCacheFromPerNodeCosts(@TempDir Path dir) {
    List<HostBench.Observation> obs = perNodeObservations(RUNTIME_TRUTH);
    HostFit.Result fit = HostFit.fit(obs);
    assertThat(fit.dispatchMicros()).isCloseTo(9, within(0.01));
    assertThat(fit.perNodeMicros()).isCloseTo(0.6, within(0.001));
    for (OpClass c : OpClass.values()) {
      assertThat(fit.gflops().rate(c)).as(c.name()).isCloseTo(RUNTIME_TRUTH.gflops().rate(c),
          within(RUNTIME_TRUTH.gflops().rate(c) * 1e-4));
    }
    assertThat(fit.opRates()).containsOnlyKeys(RUNTIME_TRUTH.runtime().orElseThrow().opRates().keySet());
    fit.opRates().forEach((op, r) -> assertThat(r).as(op)
        .isCloseTo(RUNTIME_TRUTH.runtime().orElseThrow().opRates().get(op), within(1e-4)));
    assertThat(fit.weightCache()).hasValueSatisfying(wc -> {
      assertThat(wc.bytes()).isEqualTo(3e6);
      assertThat(wc.gbPerSecond()).isCloseTo(16, within(1e-3));
    });
    // written and read back, the profile predicts what the truth does
    SocProfile p = new SocProfile("host-test", "test cpu", "test host", "fitted", List.of(
        new SocProfile.Source("t", "docs/profiles.md", "synthetic")), List.of(fit.processor("cpu", 50, "n")), List.of());
    Path file = dir.resolve("host.json");
    HostFit.write(p, new HostCalibration(HostBench.REFERENCE, 0.3, "thread CPU time", 1), file);
    SocProfile.ProcessorProfile back = SocProfiles.fromFile(file).processor("cpu").orElseThrow();
    for (HostBench.Observation o : obs) {
      assertThat(HostFit.predictedMs(back, o)).isCloseTo(o.measuredMs(), within(o.measuredMs() * 1e-3));
    }
  }

  /** Segments of random per-node work: fused activations, grouped op types, weights around the cache. */
  static List<HostBench.Observation> perNodeObservations(SocProfile.ProcessorProfile p) {
    SplittableRandom r = new SplittableRandom(11);
    String[][] ops = {{"CONV", "Conv"}, {"DEPTHWISE_CONV", "Conv"}, {"MATMUL", "Gemm"}, {"ELEMENTWISE", "Add"},
        {"OTHER", "Concat"}, {"OTHER", "Resize"}, {"ELEMENTWISE", "Sigmoid"}, {"OTHER", "Transpose"},
        {"ELEMENTWISE", "Relu"}};
    List<HostBench.Observation> obs = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      List<SegmentCost.Node> nodes = new ArrayList<>();
      int n = r.nextInt(1, 40);
      for (int k = 0; k < n; k++) {
        String[] op = ops[r.nextInt(ops.length)];
        boolean fused = op[1].equals("Relu") && r.nextBoolean();
        nodes.add(new SegmentCost.Node(OpClass.valueOf(op[0]), r.nextDouble(1e3, 1e7), 1000, op[1], fused));
      }
      SegmentCost cost = SegmentCost.ofNodes(nodes, r.nextLong(0, 8_000_000));
      double ms = p.serviceNanosAtFullSpeed(cost) / 1e6;
      obs.add(new HostBench.Observation("m", i, 0, 1, cost, ms, ms, 1));
    }
    return obs;
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
