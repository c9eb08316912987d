package io.splitstream.pipeline.calibrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.splitstream.pipeline.cli.Main;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code validate} and {@code pitfall}, end to end through the CLI. */
class StudyCommandsTest extends CliCase {
  @Test
  void everyFittedFigureIsReproducedByTheGeneratedArchitecture() {
    assertThat(run("validate")).as(err.toString()).isZero();
    List<String[]> rows = out.toString().lines().map(l -> l.trim().split("\\s+")).filter(c -> c.length > 6)
        .filter(c -> c[3].equals("fitted") || c[3].equals("held")).toList();
    assertThat(rows.stream().filter(c -> c[3].equals("fitted")).count()).isEqualTo(
        PublishedFigures.ALL.stream().filter(PublishedFigures.Figure::fitted).count());
    for (String[] c : rows) {
      if (c[3].equals("fitted")) {
        // the profiles were solved on these figures: the faithful models must give them back
        assertThat(Double.parseDouble(c[5])).as(String.join(" ", Arrays.copyOf(c, 4)))
            .isCloseTo(Double.parseDouble(c[4]), within(0.04 * Double.parseDouble(c[4])));
      }
    }
    assertThat(out.toString()).contains("sd855-pixel4     held-out: 6 figures").contains("kirin990-mate30  held-out:");
  }

  @Test
  void pitfallPrintsThePlanAndTheBestSingleProcessorPerSoc() {
    // the simulated column needs loadgen's synthetic source, not on this module's classpath: planner table only
    int code = run("pitfall", "--models", "resnet-small", "--socs", "kirin990-mate30,host-2core", "--no-simulate");
    assertThat(code).as(err.toString()).isZero();
    List<String[]> rows = out.toString().lines().filter(l -> l.startsWith("resnet-small"))
        .map(l -> l.trim().split("\\s+")).toList();
    assertThat(rows).hasSize(2);
    for (String[] c : rows) {
      assertThat(Double.parseDouble(c[3])).as(String.join(" ", c)).isGreaterThanOrEqualTo(Double.parseDouble(c[5]));
    }
    // the host has one processor: nothing to split, gain exactly 1
    assertThat(rows.get(1)[1]).isEqualTo("host-2core");
    assertThat(rows.get(1)[6]).isEqualTo("1.00x");
    assertThat(rows.get(0)[2]).contains("npu");
  }

  @Test
  void pitfallRefusesABadThermalValueBeforeAnyWork() {
    assertThat(run("pitfall", "--thermal", "maybe")).isEqualTo(Main.EXIT_BAD_INPUT);
    assertThat(err.toString().strip()).isEqualTo("error: --thermal maybe: use on or off");
    assertThat(out.toString()).isEmpty();
  }
}
