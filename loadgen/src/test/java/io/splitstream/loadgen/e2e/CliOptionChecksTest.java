package io.splitstream.loadgen.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.splitstream.devices.platform.HostThreads;
import io.splitstream.loadgen.e2e.E2e.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every option of every command is checked before any work starts: a bad value ends in exit code
 * 2 and one line on stderr naming the option or value, with nothing on stdout (no platform opened,
 * no profile, no plan printed) and no stack trace.
 */
class CliOptionChecksTest {
  private static final List<String> SIM =
      List.of("--simulate", "--duration", "1s", "--metrics-port", "-1", "--source", "synthetic:constant,rate=30");

  @TempDir Path dir;

  @BeforeAll
  static void models() {
    E2e.useRepositoryModels();
  }

  @ParameterizedTest
  @ValueSource(strings = {"--capacity=0", "--capacity=-1", "--max-blocks=0", "--max-blocks=-3"})
  void nonPositiveCountsOfRun(String option) {
    assertRejectedUpFront(run(option), option.substring(0, option.indexOf('=')));
  }

  @Test
  void nonPositiveCountsOfEveryOtherCommand() {
    assertRejectedUpFront(E2e.cli("profile", "--model", "blazeface", "--soc", "sd855-pixel4", "--max-blocks", "0"), "--max-blocks");
    assertRejectedUpFront(E2e.cli("profile", "--model", "blazeface", "--runs", "0"), "--runs");
    assertRejectedUpFront(E2e.cli("compare", "--scenario", "step", "--capacity", "0"), "--capacity");
    assertRejectedUpFront(E2e.cli("bench", "pipeline", "--frames", "0"), "--frames");
    assertRejectedUpFront(E2e.cli("bench", "pipeline", "--rounds", "-1"), "--rounds");
    assertRejectedUpFront(E2e.cli("models", "generate", "--blocks", "0", "--out", dir.resolve("g.onnx").toString()), "--blocks");
    assertRejectedUpFront(E2e.cli("models", "generate", "--width", "0", "--out", dir.resolve("g.onnx").toString()), "--width");
    assertRejectedUpFront(E2e.cli("models", "generate", "--resolution", "-5", "--out", dir.resolve("g.onnx").toString()), "--resolution");
  }

  /** 1×3×20000×20000 is 1.2e9 elements: more than an int indexes; it failed inside the profiler. */
  @Test
  void inputShapeTooLargeToHold() {
    assertRejectedUpFront(run("--model", "ppocr-det", "--input-shape", "x=1,3,20000,20000"), "--input-shape", "too large");
    assertRejectedUpFront(E2e.cli("profile", "--model", "ppocr-det", "--input-shape", "x=1,3,20000,20000"), "too large");
  }

  @ParameterizedTest
  @ValueSource(strings = {"70000", "-2", "65536"})
  void metricsPortOutOfRange(String port) {
    List<String> args = new ArrayList<>(List.of("run", "--simulate", "--duration", "1s", "--metrics-port", port));
    assertRejectedUpFront(E2e.cli(args.toArray(String[]::new)), "--metrics-port", port);
  }

  @Test
  void durationsThatRoundToNothing() {
    assertRejectedUpFront(E2e.cli("run", "--simulate", "--metrics-port", "-1", "--duration", "0.0000001ms"), "--duration");
    assertRejectedUpFront(E2e.cli("run", "--simulate", "--metrics-port", "-1", "--duration", "0.5us"), "--duration");
    assertRejectedUpFront(run("--budget", "0.0000001ms"), "--budget");
  }

  /** 1000 intra-op threads on ONNX Runtime crashed (SIGSEGV) or spun for minutes on two cores. */
  @Test
  void threadsAboveWhatTheHostHas() {
    String tooMany = String.valueOf(HostThreads.max() + 1);
    assertRejectedUpFront(E2e.cli("run", "--processors", "cpu", "--threads", "1000", "--duration", "1s", "--metrics-port", "-1"),
        "--threads", "1000", "cores");
    assertRejectedUpFront(E2e.cli("profile", "--model", "blazeface", "--threads", tooMany), "--threads", tooMany);
    assertRejectedUpFront(E2e.cli("bench", "pipeline", "--threads", "0"), "--threads");
    assertRejectedUpFront(E2e.cli("profile", "--model", "blazeface", "--processors", "cpu:" + tooMany),
        "cpu:" + tooMany, "cores");
  }

  @Test
  void unknownPolicyBeforeAnyWork() {
    assertRejectedUpFront(run("--policy", "fifo"), "fifo");
    assertRejectedUpFront(run("--policy", "deadline"), "--budget");
    assertRejectedUpFront(E2e.cli("compare", "--scenario", "step", "--policy", "fifo"), "fifo");
  }

  @Test
  void badSourceBeforeThePlatformOpens() {
    assertRejectedUpFront(E2e.cli("run", "--simulate", "--duration", "1s", "--metrics-port", "-1", "--source", "camera:0"),
        "camera:0");
    assertRejectedUpFront(E2e.cli("run", "--simulate", "--duration", "1s", "--metrics-port", "-1", "--source",
        "video:" + dir.resolve("missing.mp4")), "missing.mp4");
    assertRejectedUpFront(E2e.cli("compare", "--scenario", "step", "--source", "camera:0"), "camera:0");
  }

  @Test
  void unwritableOrEmptyOutputPathsBeforeAnyWork() {
    assumeTrue(Files.isDirectory(Path.of("/proc/self")), "needs Linux /proc, a folder that takes no new files");
    assertRejectedUpFront(run("--report", "/proc/x.json"), "--report", "/proc", "does not take new files");
    assertRejectedUpFront(run("--report", ""), "--report is empty");
    assertRejectedUpFront(run("--report", dir.toString()), "--report", "is a folder");
    assertRejectedUpFront(run("--decisions", "/proc/d.jsonl"), "--decisions", "/proc");
    assertRejectedUpFront(E2e.cli("profile", "--model", "blazeface", "--json", dir.toString()), "--json", "is a folder");
    assertRejectedUpFront(E2e.cli("compare", "--scenario", "step", "--json", "/proc/c.json"), "--json", "/proc");
    assertRejectedUpFront(E2e.cli("split", "--model", "blazeface", "--cuts", "40", "--out", "/proc/segs"), "--out",
        "/proc/segs", "cannot be created");
  }

  @Test
  void reportIsWrittenWhereTheProbeSaidItCould() {
    Path report = dir.resolve("new/sub/report.json");
    Cli c = run("--report", report.toString());
    assertThat(c.exit()).as(c.err()).isZero();
    assertThat(report).isRegularFile();
    try (var files = Files.list(report.getParent())) {
      assertThat(files).as("no probe or temporary file left").containsExactly(report);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void cutsThatAreEmptyRepeatedOrOutOfOrder() {
    assertRejectedUpFront(E2e.cli("split", "--model", "blazeface", "--cuts", "20,,40"), "20,,40", "empty entry");
    assertRejectedUpFront(E2e.cli("split", "--model", "blazeface", "--cuts", ""), "--cuts is empty");
    assertRejectedUpFront(E2e.cli("split", "--model", "blazeface", "--cuts", "40,20"), "40,20", "not increasing");
  }

  private static Cli run(String... extra) {
    List<String> args = new ArrayList<>(List.of("run"));
    args.addAll(SIM);
    args.addAll(List.of(extra));
    return E2e.cli(args.toArray(String[]::new));
  }

  /** Exit 2, one line naming {@code named}, nothing on stdout (no work started), no stack trace. */
  static void assertRejectedUpFront(Cli c, String... named) {
    assertThat(c.exit()).as("exit code; err was:%n%s", c.err()).isEqualTo(2);
    assertThat(c.errLines()).as("stderr").hasSize(1);
    assertThat(c.errLines().get(0)).startsWith("error: ").contains(named);
    assertThat(c.out()).as("stdout: nothing may have started").isEmpty();
    for (String stream : List.of(c.out(), c.err())) {
      assertThat(stream).doesNotContain("\tat ", "Exception", "Caused by:");
    }
  }
}
