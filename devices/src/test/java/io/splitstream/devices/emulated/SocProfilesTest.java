package io.splitstream.devices.emulated;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.model.OpClass;
import io.splitstream.devices.model.SegmentCost;
import io.splitstream.devices.processor.ProcessorKind;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SocProfilesTest {
  /** MobileNetV1 224 fp32 as the profiles count it (docs/profiles.md): 31 TFLite nodes. */
  static final SegmentCost MOBILENET_V1 = new SegmentCost(
      Map.of(OpClass.CONV, 1100.660736e6, OpClass.DEPTHWISE_CONV, 34.771968e6, OpClass.MATMUL, 2.048e6), 0, 31);

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
  void phoneProfilesReproduceThePublishedMobileNetV1Times() {
    assertMobileNet("sd855-pixel4", "cpu", 14.0);
    assertMobileNet("sd855-pixel4", "gpu", 9.0);
    assertMobileNet("sd855-pixel4", "npu", 14.8);
    assertMobileNet("sd845-pixel3", "cpu", 23.9);
    assertMobileNet("sd845-pixel3", "gpu", 6.45);
    assertMobileNet("kirin990-mate30", "cpu", 38.22);
    assertMobileNet("kirin990-mate30", "gpu", 8.18);
    assertMobileNet("kirin990-mate30", "npu", 3.35);
  }

  private static void assertMobileNet(String soc, String proc, double publishedMillis) {
    SocProfile.ProcessorProfile p = SocProfiles.load(soc).processor(proc).orElseThrow();
    // rates are rounded to 0.01 GFLOP/s in the files, hence 1%
    assertThat(p.serviceNanosAtFullSpeed(MOBILENET_V1) / 1e6).as(soc + "/" + proc)
        .isCloseTo(publishedMillis, within(publishedMillis * 0.01));
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
