package io.splitstream.devices.emulated;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.model.OpClass;
import io.splitstream.devices.model.SegmentCost;
import io.splitstream.devices.onnx.StaticCost;
import io.splitstream.devices.onnx.gen.Architectures;
import io.splitstream.devices.processor.ProcessorKind;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SocProfilesTest {
  /** The generated architectures the phone profiles were solved on, node by node (docs/profiles.md). */
  static final SegmentCost GENERATED_MOBILENET_V1 = StaticCost.of(Architectures.build("mobilenetv1", false, 1), true);
  static final SegmentCost GENERATED_RESNET50 = StaticCost.of(Architectures.build("resnet50", false, 1), true);

  @Test
  void shipsThreePhoneSocsAndThisHost() {
    assertThat(SocProfiles.list()).containsExactly("sd855-pixel4", "sd845-pixel3", "kirin990-mate30", "host-2core");
    for (String id : SocProfiles.list()) {
      SocProfile p = SocProfiles.load(id);
      assertThat(p.id()).isEqualTo(id);
      assertThat(p.sources()).allSatisfy(s -> {
        assertThat(s.title()).isNotBlank();
        assertThat(s.url()).isNotBlank();
        assertThat(s.figure()).isNotBlank();
      });
      assertThat(p.processor("cpu")).isPresent();
    }
  }

  @Test
  void phoneProfilesReproduceEveryFigureTheyWereFittedTo() {
    // soc, processor, published MobileNetV1 ms, published ResNet50 ms (NaN: not fitted to one)
    Object[][] fitted = {
        {"sd855-pixel4", "cpu", 14.0, Double.NaN}, {"sd855-pixel4", "gpu", 9.0, Double.NaN},
        {"sd855-pixel4", "npu", 14.8, Double.NaN}, {"sd845-pixel3", "cpu", 23.9, Double.NaN},
        {"sd845-pixel3", "gpu", 6.45, Double.NaN}, {"sd845-pixel3", "npu", 13.8, Double.NaN},
        {"kirin990-mate30", "cpu", 38.22, 222.21}, {"kirin990-mate30", "gpu", 8.18, 36.90},
        {"kirin990-mate30", "npu", 3.35, 9.83}};
    for (Object[] f : fitted) {
      assertFitted((String) f[0], (String) f[1], GENERATED_MOBILENET_V1, (double) f[2]);
      if (!Double.isNaN((double) f[3])) {
        assertFitted((String) f[0], (String) f[1], GENERATED_RESNET50, (double) f[3]);
      }
    }
  }

  private static void assertFitted(String soc, String proc, SegmentCost model, double publishedMillis) {
    SocProfile.ProcessorProfile p = SocProfiles.load(soc).processor(proc).orElseThrow();
    // rates are rounded in the files, hence 1%
    assertThat(p.serviceNanosAtFullSpeed(model) / 1e6).as(soc + "/" + proc)
        .isCloseTo(publishedMillis, within(publishedMillis * 0.01));
  }

  @Test
  void thePixelsBorrowTheKirinDepthwiseRatioOfTheirKindAndTheNnapiNpuTheGpus() {
    SocProfile kirin = SocProfiles.load("kirin990-mate30");
    for (String soc : new String[] {"sd855-pixel4", "sd845-pixel3"}) {
      for (SocProfile.ProcessorProfile p : SocProfiles.load(soc).processors()) {
        // fp32 through NNAPI does not run on the Hexagon (quantized only): its split is a GPU's
        SocProfile.ProcessorProfile from = kirin.processor(p.id().equals("npu") ? "gpu" : p.id()).orElseThrow();
        assertThat(p.gflops().depthwiseConv() / p.gflops().conv()).as(soc + "/" + p.id())
            .isCloseTo(from.gflops().depthwiseConv() / from.gflops().conv(), within(0.0005));
        assertThat(p.memoryGbPerSecond()).as(soc + "/" + p.id()).isPresent();
      }
    }
  }

  @Test
  void withAMemoryBandwidthEachNodeCostsTheLargerOfItsArithmeticAndItsTraffic() {
    SocProfile.ProcessorProfile plain = new SocProfile.ProcessorProfile("gpu", ProcessorKind.GPU, "test",
        new SocProfile.Gflops(100, 10, 100, 10, 10), 5, 1, 0, 0, java.util.List.of(), "");
    SocProfile.ProcessorProfile roofline = plain.withMemoryGbPerSecond(20);
    // 1e6 FLOP of conv (10 us) moving 1 MB (50 us at 20 GB/s), and 1e6 FLOP of conv moving 0.1 MB (5 us)
    SegmentCost cost = SegmentCost.ofNodes(java.util.List.of(new SegmentCost.Node(OpClass.CONV, 1e6, 1_000_000),
        new SegmentCost.Node(OpClass.CONV, 1e6, 100_000)), 0);
    assertThat(plain.serviceNanosAtFullSpeed(cost)).isCloseTo(5e3 + 2e3 + 10e3 + 10e3, within(1e-6));
    assertThat(roofline.serviceNanosAtFullSpeed(cost)).isCloseTo(5e3 + 2e3 + 50e3 + 10e3, within(1e-6));
    // totals without per-node work: arithmetic only, as before
    SegmentCost totals = new SegmentCost(cost.flopsByClass(), 0, 2);
    assertThat(roofline.serviceNanosAtFullSpeed(totals)).isEqualTo(plain.serviceNanosAtFullSpeed(totals));
  }

  @Test
  void aProfileWithoutMemoryBandwidthKeepsTheArithmeticOnlyCost() {
    SocProfile.ProcessorProfile h = SocProfiles.load("host-2core").processor("cpu").orElseThrow();
    assertThat(h.memoryGbPerSecond()).isEmpty();
    // the host's figures without its runtime terms: neither per-node refinement applies
    SocProfile.ProcessorProfile cpu = new SocProfile.ProcessorProfile(h.id(), h.kind(), h.name(), h.gflops(),
        h.dispatchOverheadMicros(), h.perNodeOverheadMicros(), h.loadMillis(), h.cachedLoadMillis(), h.unsupportedOps(),
        h.notes());
    double arithmetic = cpu.dispatchOverheadMicros() * 1e3 + GENERATED_MOBILENET_V1.nodeCount() * cpu.perNodeOverheadMicros() * 1e3;
    for (OpClass c : OpClass.values()) {
      arithmetic += GENERATED_MOBILENET_V1.flops(c) / cpu.gflops().rate(c);
    }
    assertThat(cpu.serviceNanosAtFullSpeed(GENERATED_MOBILENET_V1)).isCloseTo(arithmetic, within(1e-6 * arithmetic));
    // and the field, taken out of a phone profile, takes the bound away
    String json = shipped().replaceAll(",\\s*\"memoryGbPerSecond\": [0-9.]+", "");
    SocProfile.ProcessorProfile gpu = SocProfiles.parse(json.getBytes(StandardCharsets.UTF_8), "p.json").processor("gpu")
        .orElseThrow();
    assertThat(gpu.memoryGbPerSecond()).isEmpty();
    assertThat(gpu.serviceNanosAtFullSpeed(GENERATED_MOBILENET_V1)).isLessThan(
        SocProfiles.load("sd855-pixel4").processor("gpu").orElseThrow().serviceNanosAtFullSpeed(GENERATED_MOBILENET_V1));
  }

  @Test
  void aBadMemoryBandwidthIsRefusedNamingTheProcessor() {
    for (String bad : new String[] {"0", "-3", "\"fast\"", "null"}) {
      String json = shipped().replaceFirst("\"memoryGbPerSecond\": [0-9.]+", "\"memoryGbPerSecond\": " + bad);
      assertThatThrownBy(() -> SocProfiles.parse(json.getBytes(StandardCharsets.UTF_8), "m.json")).as(bad)
          .isInstanceOf(SplitstreamException.class)
          .hasMessage("SoC profile m.json: processor 'cpu': memoryGbPerSecond is " + bad + ": give the memory bandwidth as a positive number of GB/s, or leave it out");
    }
  }

  @Test
  void gpuAndNpuLackOpsTheCpuHas() {
    SocProfile p = SocProfiles.load("sd855-pixel4");
    assertThat(p.processor("gpu").orElseThrow().kind()).isEqualTo(ProcessorKind.GPU);
    assertThat(p.processor("gpu").orElseThrow().unsupports("ARG_MAX")).isTrue();
    assertThat(p.processor("npu").orElseThrow().unsupports("NON_MAX_SUPPRESSION_V4")).isTrue();
    assertThat(p.processor("npu").orElseThrow().unsupports("TOPK_V2")).isTrue();
    assertThat(p.processor("cpu").orElseThrow().unsupports("ArgMax")).isFalse();
    assertThat(p.processor("gpu").orElseThrow().unsupports("Conv")).isFalse();
  }

  @Test
  void unknownIdListsTheValidOnes() {
    assertThatThrownBy(() -> SocProfiles.load("sd888"))
        .isInstanceOf(SplitstreamException.class)
        .hasMessage("unknown SoC profile 'sd888': valid ids are sd855-pixel4, sd845-pixel3, kirin990-mate30, host-2core"
            + " (or give a profile .json file)");
  }

  @Test
  void aTypoInAFieldIsNamedWithItsPath() {
    String json = shipped().replaceFirst("\"perNodeOverheadMicros\"", "\"perNodeOverheadMicro\"");
    assertThatThrownBy(() -> SocProfiles.parse(json.getBytes(StandardCharsets.UTF_8), "my.json"))
        .isInstanceOf(SplitstreamException.class)
        .hasMessageStartingWith("SoC profile my.json: ")
        .hasMessageContaining("perNodeOverheadMicro")
        .hasMessageContaining("processors[0]")
        .hasMessageNotContaining("\n");
  }

  @Test
  void aNonPositiveRateOrAMissingLinkIsRefused() {
    String zero = shipped().replaceFirst("\"conv\": [0-9.]+", "\"conv\": 0");
    assertThatThrownBy(() -> SocProfiles.parse(zero.getBytes(StandardCharsets.UTF_8), "z.json"))
        .hasMessage("SoC profile z.json: processor 'cpu': gflops.conv is 0.0: every rate must be a positive number of GFLOP/s");
    String noLink = shipped().replaceFirst("\"from\": \"cpu\",\\s*\"to\": \"npu\"", "\"from\": \"gpu\", \"to\": \"cpu\"");
    assertThatThrownBy(() -> SocProfiles.parse(noLink.getBytes(StandardCharsets.UTF_8), "l.json"))
        .hasMessageStartingWith("SoC profile l.json: no link between cpu and npu: add {");
  }

  @Test
  void aBadThermalEntryIsRefusedNamingTheProcessorAndTheField() {
    String gpu = "\"id\": \"gpu\",";
    assertThat(shipped()).contains(gpu);
    String[][] cases = {
        {"\"sustainedFraction\": 0, \"timeConstantSeconds\": 60", "thermal.sustainedFraction is 0.0"},
        {"\"sustainedFraction\": 1.2, \"timeConstantSeconds\": 60", "thermal.sustainedFraction is 1.2"},
        {"\"sustainedFraction\": 0.8, \"timeConstantSeconds\": 0", "thermal.timeConstantSeconds is 0.0"},
        {"\"sustainedFraction\": 0.8, \"timeConstantSeconds\": -5", "thermal.timeConstantSeconds is -5.0"},
        {"\"sustainedFraction\": 0.8, \"timeConstantSeconds\": 60, \"tau\": 3", "thermal has no field 'tau'"},
        {"\"sustainedFraction\": 0.8", "thermal.timeConstantSeconds"},
    };
    for (String[] c : cases) {
      String json = shipped().replaceFirst("\"thermal\": \\{[^}]*\\}", "\"thermal\": {" + c[0] + "}");
      assertThat(json).as("case %s applied", c[0]).contains(c[0]);
      assertThatThrownBy(() -> SocProfiles.parse(json.getBytes(StandardCharsets.UTF_8), "t.json"))
          .as(c[0])
          .isInstanceOf(SplitstreamException.class)
          .hasMessageStartingWith("SoC profile t.json: processor 'gpu': ")
          .hasMessageContaining(c[1])
          .hasMessageNotContaining("\n");
    }
  }

  @Test
  void thermalIsOptionalAndReadWhereGiven() {
    SocProfile p = SocProfiles.load("sd855-pixel4");
    assertThat(p.processor("gpu").orElseThrow().thermal()).contains(new SocProfile.Thermal(0.77, 60));
    assertThat(p.processor("cpu").orElseThrow().thermal()).isEmpty();
    assertThat(SocProfiles.load("host-2core").processor("cpu").orElseThrow().thermal()).isEmpty();
    assertThat(p.sources()).anySatisfy(s -> assertThat(s.figure()).contains("34.00 fps", "26.14 fps", "assumed"));
  }

  @Test
  void aHostCalibrationEntryIsReadBackAndABadOneRefusedInOneLine(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws java.io.IOException {
    String good = "\"calibration\": {\"reference\": \"r\", \"referenceMillis\": 0.3, \"clock\": \"thread CPU time\", "
        + "\"threads\": 1}";
    java.nio.file.Path file = java.nio.file.Files.writeString(dir.resolve("h.json"), withField(good));
    assertThat(SocProfiles.fromFile(file).id()).isEqualTo("sd855-pixel4");
    assertThat(SocProfiles.calibration(file.toString())).contains(new HostCalibration("r", 0.3, "thread CPU time", 1));
    assertThat(SocProfiles.calibration("sd855-pixel4")).isEmpty();
    String[][] cases = {
        {"\"calibration\": {\"reference\": \"r\", \"referenceMillis\": 0.3, \"clock\": \"c\", \"threads\": 1, "
            + "\"when\": 1}", "calibration has no field 'when'"},
        {"\"calibration\": {\"reference\": \"r\", \"referenceMillis\": 0, \"clock\": \"c\", \"threads\": 1}",
            "referenceMillis > 0"},
        {"\"calibration\": {\"reference\": \"r\", \"clock\": \"c\", \"threads\": 1}", "calibration"},
    };
    for (String[] c : cases) {
      assertThatThrownBy(() -> SocProfiles.parse(withField(c[0]).getBytes(StandardCharsets.UTF_8), "t.json"))
          .as(c[0])
          .isInstanceOf(SplitstreamException.class)
          .hasMessageStartingWith("SoC profile t.json: calibration")
          .hasMessageContaining(c[1])
          .hasMessageNotContaining("\n");
    }
  }

  @Test
  void runtimeTermsCostFusedNodesNothingGiveOpTypesTheirRateAndChargeWeightsBeyondTheCache() {
    SocProfile.ProcessorProfile plain = SocProfiles.load("sd855-pixel4").processor("cpu").orElseThrow();
    SocProfile.ProcessorProfile host = plain.withRuntime(new SocProfile.RuntimeTerms(Map.of("Resize", 0.5), true,
        java.util.Optional.of(new SocProfile.WeightCache(1e6, 10))));
    SegmentCost cost = SegmentCost.ofNodes(java.util.List.of(
        new SegmentCost.Node(OpClass.CONV, 2e6, 0, "Conv", false),
        new SegmentCost.Node(OpClass.ELEMENTWISE, 1e5, 0, "Relu", true),
        new SegmentCost.Node(OpClass.OTHER, 1e5, 0, "Resize", false)), 3_000_000);
    double expected = plain.dispatchOverheadMicros() * 1e3 + 2 * plain.perNodeOverheadMicros() * 1e3
        + 2e6 / plain.gflops().conv() + 1e5 / 0.5 + 2e6 / 10;
    assertThat(host.serviceNanosAtFullSpeed(cost)).isCloseTo(expected, within(1e-6 * expected));
    double withoutTerms = plain.dispatchOverheadMicros() * 1e3 + 3 * plain.perNodeOverheadMicros() * 1e3
        + 2e6 / plain.gflops().conv() + 1e5 / plain.gflops().elementwise() + 1e5 / plain.gflops().other();
    assertThat(plain.serviceNanosAtFullSpeed(cost)).isCloseTo(withoutTerms, within(1e-6 * withoutTerms));
  }

  @Test
  void aRuntimeEntryIsReadAndABadOneRefusedInOneLine() {
    String cpu = "\"id\": \"cpu\",";
    String good = "\"runtime\": {\"opRates\": {\"Resize\": 0.4}, \"fusesActivations\": true, \"weightCache\": "
        + "{\"bytes\": 4000000, \"gbPerSecond\": 16}}, ";
    SocProfile p = SocProfiles.parse(shipped().replaceFirst(cpu, cpu + good).getBytes(StandardCharsets.UTF_8), "t.json");
    assertThat(p.processor("cpu").orElseThrow().runtime()).contains(new SocProfile.RuntimeTerms(Map.of("Resize", 0.4),
        true, java.util.Optional.of(new SocProfile.WeightCache(4e6, 16))));
    String[][] cases = {
        {"\"runtime\": {\"opRates\": {\"Resize\": 0}, \"fusesActivations\": true}, ", "opRates.Resize is 0.0"},
        {"\"runtime\": {\"opRates\": {}}, ", "needs opRates and fusesActivations"},
        {"\"runtime\": {\"opRates\": {}, \"fusesActivations\": true, \"fast\": 1}, ", "has no field 'fast'"},
        {"\"runtime\": {\"opRates\": {}, \"fusesActivations\": true, \"weightCache\": {\"bytes\": 1, "
            + "\"gbPerSecond\": 0}}, ", "weightCache is"},
        {"\"runtime\": {\"opRates\": {}, \"fusesActivations\": true, \"weightCache\": null}, ", "weightCache is null"},
    };
    for (String[] c : cases) {
      String json = shipped().replaceFirst(cpu, cpu + c[0]);
      assertThatThrownBy(() -> SocProfiles.parse(json.getBytes(StandardCharsets.UTF_8), "t.json"))
          .as(c[0])
          .isInstanceOf(SplitstreamException.class)
          .hasMessageStartingWith("SoC profile t.json: processor 'cpu': runtime")
          .hasMessageContaining(c[1])
          .hasMessageNotContaining("\n");
    }
  }

  private static String withField(String field) {
    String json = shipped();
    return json.substring(0, json.lastIndexOf('}')) + ", " + field + "}";
  }

  private static String shipped() {
    try (var in = SocProfiles.class.getClassLoader().getResourceAsStream("profiles/sd855-pixel4.json")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
