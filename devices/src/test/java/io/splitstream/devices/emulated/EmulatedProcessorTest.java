package io.splitstream.devices.emulated;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.model.OpClass;
import io.splitstream.devices.model.Segment;
import io.splitstream.devices.processor.Execution;
import io.splitstream.devices.processor.LoadedSegment;
import io.splitstream.devices.processor.ProcessorContract;
import io.splitstream.devices.processor.TestModels;
import io.splitstream.devices.processor.TinyOnnx;
import io.splitstream.devices.tensor.Tensor;
import io.splitstream.devices.tensor.TensorMap;
import io.splitstream.devices.tflite.TfliteModel;
import io.splitstream.devices.tflite.TfliteReference;
import java.time.Duration;
import java.util.Arrays;
import java.util.LongSummaryStatistics;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class EmulatedProcessorTest {
  private final SocProfile pixel4 = SocProfiles.load("sd855-pixel4");

  @Test
  void serviceTimeFollowsTheProfileFormula() {
    EmulatedProcessor gpu = new EmulatedProcessor(pixel4, "gpu", 1, true);
    gpu.useClock(() -> 0L); // frozen: the thermal model stays cold
    SocProfile.ProcessorProfile p = pixel4.processor("gpu").orElseThrow();
    Segment s = TinyOnnx.convReluAdd();
    double expected = p.dispatchOverheadMicros() * 1e3 + 3 * p.perNodeOverheadMicros() * 1e3
        + s.cost().flops(OpClass.CONV) / p.gflops().conv() + s.cost().flops(OpClass.ELEMENTWISE) / p.gflops().elementwise();
    try (LoadedSegment l = gpu.load(s)) {
      Execution e = l.run(ProcessorContract.randomInputs(s, 1));
      assertThat(e.serviceNanos()).isEqualTo(Math.round(expected));
      assertThat(gpu.serviceTime(s).toNanos()).isEqualTo(Math.round(expected));
      assertThat(e.emulated()).isTrue();
    }
  }

  @Test
  void firstLoadCostsTheProfilesLoadTimeAndAReloadTheCachedOne() {
    EmulatedProcessor gpu = new EmulatedProcessor(pixel4, "gpu", 1, true);
    Segment s = TinyOnnx.convReluAdd();
    try (LoadedSegment first = gpu.load(s); LoadedSegment second = gpu.load(s)) {
      assertThat(first.loadTime()).isEqualTo(Duration.ofMillis(2500));
      assertThat(second.loadTime()).isEqualTo(Duration.ofMillis(250));
    }
    EmulatedProcessor fresh = new EmulatedProcessor(pixel4, "gpu", 1, true);
    try (LoadedSegment again = fresh.load(s)) {
      assertThat(again.loadTime()).isEqualTo(Duration.ofMillis(2500));
    }
  }

  @Test
  void withoutComputeItReturnsZerosOfTheDeclaredShapesAndTheSameServiceTime() {
    Segment s = TinyOnnx.convReluAdd();
    TensorMap in = ProcessorContract.randomInputs(s, 1);
    try (LoadedSegment timingOnly = new EmulatedProcessor(pixel4, "npu", 1, false).load(s);
        LoadedSegment computing = new EmulatedProcessor(pixel4, "npu", 1, true).load(s)) {
      Execution e = timingOnly.run(in);
      Tensor y = e.outputs().get("y");
      assertThat(y.shape()).containsExactly(1, 8, 16, 16);
      assertThat(y.floats()).containsOnly(0f);
      assertThat(e.serviceNanos()).isEqualTo(computing.run(in).serviceNanos());
      assertThatThrownBy(() -> timingOnly.run(TensorMap.of("z", y))).isInstanceOf(SplitstreamException.class)
          .hasMessageContaining("has no input 'z'");
    }
    assertThat(new EmulatedProcessor(pixel4, "npu", 1, false).description()).contains("emulated", "not computed");
  }

  @Test
  void runsARealTfliteModelOnTheHostWithThePhonesTiming() {
    Segment s = TfliteModel.load(TestModels.path("face-short")).whole();
    TensorMap in = ProcessorContract.randomInputs(s, 5);
    EmulatedProcessor gpu = new EmulatedProcessor(pixel4, "gpu", 2, true);
    gpu.useClock(() -> 0L); // frozen: the thermal model stays cold
    try (LoadedSegment l = gpu.load(s)) {
      Execution e = l.run(in);
      TensorMap ref = TfliteReference.run(s, in, 2);
      for (String n : ref.names()) {
        assertThat(e.outputs().get(n).maxAbsDiff(ref.get(n))).isLessThanOrEqualTo(1e-5);
      }
      assertThat(e.serviceNanos()).isEqualTo(gpu.serviceTime(s).toNanos());
      // 164 nodes at 20 us each dominate this small model on a GPU
      assertThat(e.serviceNanos()).isGreaterThan(164 * 20_000L);
    }
  }

  @Test
  void unknownProcessorIdListsTheProfilesProcessors() {
    assertThatThrownBy(() -> new EmulatedProcessor(pixel4, "dsp", 1, true))
        .hasMessage("SoC profile sd855-pixel4 has no processor 'dsp': it has cpu, gpu, npu");
  }

  @Test
  void interconnectChargesLatencyPlusBytesOverBandwidthBothWays() {
    EmulatedProcessor cpu = new EmulatedProcessor(pixel4, "cpu", 1, false);
    EmulatedProcessor gpu = new EmulatedProcessor(pixel4, "gpu", 1, false);
    EmulatedInterconnect links = new EmulatedInterconnect(pixel4);
    assertThat(links.transferNanos(cpu, cpu, 1_000_000)).isZero();
    // 850 us + 1 MB / 10 GB/s = 850 us + 100 us
    assertThat(links.transferNanos(cpu, gpu, 1_000_000)).isEqualTo(950_000);
    assertThat(links.transferNanos(gpu, cpu, 1_000_000)).isEqualTo(950_000);
  }

  private static long[] serviceTimes(EmulatedProcessor p, Segment s, int runs) {
    TensorMap in = ProcessorContract.randomInputs(s, 1);
    long[] out = new long[runs];
    try (LoadedSegment l = p.load(s)) {
      for (int i = 0; i < runs; i++) {
        out[i] = l.run(in).serviceNanos();
      }
    }
    return out;
  }

  @Test
  void noiseIsSeededBoundedAndCentredOnTheNoiselessTime() {
    Segment s = TinyOnnx.convReluAdd();
    EmulatedProcessor a = new EmulatedProcessor(pixel4, "cpu", 1, false);
    long noiseless = a.serviceTime(s).toNanos();
    assertThat(a.noise()).isZero();
    assertThat(serviceTimes(a, s, 3)).containsOnly(noiseless);
    a.setNoise(0.2, 42);
    assertThat(a.noise()).isEqualTo(0.2);
    long[] first = serviceTimes(a, s, 4000);
    EmulatedProcessor b = new EmulatedProcessor(pixel4, "cpu", 1, false);
    b.setNoise(0.2, 42);
    assertThat(serviceTimes(b, s, 4000)).containsExactly(first);
    b.setNoise(0.2, 43);
    assertThat(serviceTimes(b, s, 4000)).isNotEqualTo(first);
    LongSummaryStatistics stats = Arrays.stream(first).summaryStatistics();
    assertThat(stats.getMin()).isGreaterThanOrEqualTo(Math.round(noiseless * 0.8) - 1)
        .isLessThan(Math.round(noiseless * 0.81));
    assertThat(stats.getMax()).isLessThanOrEqualTo(Math.round(noiseless * 1.2) + 1)
        .isGreaterThan(Math.round(noiseless * 1.19));
    // the uniform factor has sd 0.2/sqrt(3) = 0.115: the mean of 4000 has sd 0.0018, so 1% is over 5 sd
    assertThat(stats.getAverage()).isCloseTo(noiseless, within(noiseless * 0.01));
    try (LoadedSegment l = a.load(s)) {
      assertThat(l.expectedServiceTime().toNanos()).isEqualTo(noiseless);
    }
    assertThat(a.serviceTime(s).toNanos()).isEqualTo(noiseless);
    a.setNoise(0, 1);
    assertThat(serviceTimes(a, s, 3)).containsOnly(noiseless);
  }

  @Test
  void noiseOutsideZeroToAHalfIsRefusedNamingTheRange() {
    EmulatedProcessor cpu = new EmulatedProcessor(pixel4, "cpu", 1, false);
    for (double bad : new double[] {-0.01, 0.51, Double.NaN}) {
      assertThatThrownBy(() -> cpu.setNoise(bad, 1)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("[0, 0.5]").hasMessageContaining("'cpu'");
    }
    assertThat(cpu.noise()).isZero();
  }

  /** Pixel 4 with its GPU's thermal model replaced by {@code thermal}. */
  private SocProfile pixel4WithGpuThermal(SocProfile.Thermal thermal) {
    return new SocProfile(pixel4.id(), pixel4.soc(), pixel4.device(), pixel4.description(), pixel4.sources(),
        pixel4.processors().stream().map(p -> p.id().equals("gpu") ? p.withThermal(thermal) : p).toList(),
        pixel4.links());
  }

  @Test
  void sustainedLoadHeatsTheGpuTowardItsSustainedClockWithItsTimeConstant() {
    double f = 0.5;
    double tauSeconds = 0.1;
    EmulatedProcessor gpu = new EmulatedProcessor(pixel4WithGpuThermal(new SocProfile.Thermal(f, tauSeconds)), "gpu",
        1, false);
    AtomicLong now = new AtomicLong();
    gpu.useClock(now::get);
    gpu.setThermal(true);
    Segment s = TinyOnnx.convReluAdd();
    TensorMap in = ProcessorContract.randomInputs(s, 1);
    double full = gpu.profile().serviceNanosAtFullSpeed(s.cost());
    try (LoadedSegment l = gpu.load(s)) {
      assertThat(gpu.clockFactor()).isEqualTo(1.0);
      long busy = 0;
      while (busy < 10 * tauSeconds * 1e9) {
        double before = gpu.clockFactor();
        long service = l.run(in).serviceNanos();
        assertThat(service).isEqualTo(Math.round(full / before));
        busy += service;
        now.addAndGet(service); // back to back: busy all the time
        double heat = 1 - Math.exp(-busy / (tauSeconds * 1e9));
        assertThat(gpu.clockFactor()).isCloseTo(1 - (1 - f) * heat, within(1e-6));
      }
      assertThat(gpu.clockFactor()).isCloseTo(f, within(1e-4));
      assertThat(l.expectedServiceTime().toNanos()).isEqualTo(Math.round(full / gpu.clockFactor()));
      long last = l.run(in).serviceNanos();
      assertThat(last).isCloseTo(Math.round(full / f), within(Math.round(full * 1e-3)));
      now.addAndGet(last); // the end of the last run
      double hot = (1 - gpu.clockFactor()) / (1 - f);
      now.addAndGet(Math.round(tauSeconds * 1e9)); // idle for one time constant
      assertThat((1 - gpu.clockFactor()) / (1 - f)).isCloseTo(hot * Math.exp(-1), within(1e-9));
      now.addAndGet(Math.round(20 * tauSeconds * 1e9));
      assertThat(gpu.clockFactor()).isCloseTo(1.0, within(1e-6));

      gpu.setThermal(false);
      now.set(0);
      assertThat(gpu.clockFactor()).isEqualTo(1.0);
      assertThat(l.run(in).serviceNanos()).isEqualTo(Math.round(full));
    }
  }

  @Test
  void shippedPhoneGpusAndNpusThrottleWhenThermalIsOnAndCpusDoNot() {
    for (String id : new String[] {"sd855-pixel4", "sd845-pixel3", "kirin990-mate30"}) {
      SocProfile soc = SocProfiles.load(id);
      for (String proc : new String[] {"gpu", "npu"}) {
        SocProfile.Thermal t = soc.processor(proc).orElseThrow().thermal().orElseThrow();
        assertThat(t.sustainedFraction()).isEqualTo(0.77);
        assertThat(t.timeConstantSeconds()).isEqualTo(60);
      }
      assertThat(soc.processor("cpu").orElseThrow().thermal()).isEmpty();
    }
    EmulatedProcessor gpu = new EmulatedProcessor(pixel4, "gpu", 1, false);
    AtomicLong now = new AtomicLong();
    gpu.useClock(now::get);
    Segment s = TinyOnnx.convReluAdd();
    try (LoadedSegment l = gpu.load(s)) {
      // off until turned on: heat needs the pipeline's clock
      l.run(ProcessorContract.randomInputs(s, 1));
      now.addAndGet(1_000_000L);
      assertThat(gpu.clockFactor()).isEqualTo(1.0);
      gpu.setThermal(true);
      l.run(ProcessorContract.randomInputs(s, 1));
      now.addAndGet(1_000_000L);
      assertThat(gpu.clockFactor()).isLessThan(1.0);
    }
    EmulatedProcessor cpu = new EmulatedProcessor(pixel4, "cpu", 1, false);
    assertThat(cpu.clockFactor()).isEqualTo(1.0);
    assertThatThrownBy(() -> cpu.setThermal(true)).isInstanceOf(SplitstreamException.class)
        .hasMessageContaining("processor 'cpu'").hasMessageContaining("no thermal entry").hasMessageNotContaining("\n");
    cpu.setThermal(false);
  }
}
