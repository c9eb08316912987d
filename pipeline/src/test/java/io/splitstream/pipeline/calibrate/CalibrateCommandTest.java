package io.splitstream.pipeline.calibrate;

import static org.assertj.core.api.Assertions.assertThat;

import io.splitstream.devices.emulated.SocProfiles;
import io.splitstream.pipeline.cli.Main;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CalibrateCommandTest extends CliCase {
  @Test
  void fitsAGeneratedModelAndWritesAProfileThatReadsBack(@TempDir Path dir) {
    Path file = dir.resolve("host.json");
    int code = run("calibrate", "--models", "mobilenet-small", "--runs", "3", "--warmup", "1", "--max-blocks", "3",
        "--out", file.toString(), "--id", "host-test");
    assertThat(code).as(err.toString()).isZero();
    assertThat(SocProfiles.fromFile(file).id()).isEqualTo("host-test");
    assertThat(SocProfiles.fromFile(file).sources().get(0).figure()).contains("mobilenet-small", "Lawson-Hanson");
    assertThat(out.toString()).contains("mobilenet-small  whole").contains("whole models: median");
  }

  @Test
  void aFitOfTheShippedIdIsComparedWithTheShippedProfileAtTheSameReferenceSpeed(@TempDir Path dir) {
    int code = run("calibrate", "--models", "mobilenet-small", "--runs", "3", "--rounds", "3", "--warmup", "1",
        "--max-blocks", "2", "--out", dir.resolve("host.json").toString());
    assertThat(code).as(err.toString()).isZero();
    String o = out.toString();
    assertThat(o).contains("this fit against the shipped host-2core, whole models (its reference ")
        .contains("shipped, same speed").contains("; at the same reference speed: median ");
    String row = o.lines().filter(l -> l.startsWith("mobilenet-small") && l.contains("%") && !l.contains("["))
        .findFirst().orElseThrow();
    String[] c = row.trim().split("\\s+");
    double shipped = Double.parseDouble(c[1]);
    double sameSpeed = Double.parseDouble(c[4]);
    double factor = Double.parseDouble(o.replaceAll("(?s).*its figures are x ([0-9.]+)\\).*", "$1"));
    assertThat(sameSpeed).isCloseTo(shipped * factor, org.assertj.core.data.Offset.offset(0.002));
  }

  @Test
  void outAndCheckTogetherIsOneLineOfBadInput(@TempDir Path dir) {
    int code = run("calibrate", "--out", dir.resolve("x.json").toString(), "--check", "host-2core");
    assertThat(code).isEqualTo(Main.EXIT_BAD_INPUT);
    assertThat(err.toString().strip()).startsWith("error: give either --out").doesNotContain("\n");
    assertThat(out.toString()).doesNotContain("timing");
  }

  @Test
  void aTfliteModelIsRefusedBeforeAnyTiming() {
    int code = run("calibrate", "--models", "face-short");
    assertThat(code).isEqualTo(Main.EXIT_BAD_INPUT);
    assertThat(err.toString()).contains("is TFLITE").contains("name an ONNX model");
    assertThat(out.toString()).doesNotContain("timing");
  }
}
