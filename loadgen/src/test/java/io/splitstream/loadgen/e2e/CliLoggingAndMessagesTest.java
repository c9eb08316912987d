package io.splitstream.loadgen.e2e;

import static io.splitstream.loadgen.e2e.CliOptionChecksTest.assertRejectedUpFront;
import static org.assertj.core.api.Assertions.assertThat;

import io.splitstream.loadgen.e2e.E2e.Cli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Logging options on every command, a quiet console by default, and messages that keep their reason. */
class CliLoggingAndMessagesTest {
  @TempDir Path dir;

  @BeforeAll
  static void models() {
    E2e.useRepositoryModels();
  }

  @Test
  void logFileTakesTheLogAtTheGivenLevel() throws Exception {
    Path log = dir.resolve("logs/run.log");
    Cli c = E2e.cli("run", "--simulate", "--duration", "1s", "--metrics-port", "-1", "--scenario", "none", "--source",
        "synthetic:constant,rate=30", "--log-level", "info", "--log-file", log.toString());
    assertThat(c.exit()).as(c.err()).isZero();
    String text = Files.readString(log);
    assertThat(text).contains("INFO", "io.splitstream.pipeline.Runner", "run blazeface on", "run ended:");
    assertThat(c.out()).doesNotContain("INFO");
    // every command has the options, the nested ones too
    Path socs = dir.resolve("socs.log");
    assertThat(E2e.cli("models", "socs", "--log-level", "debug", "--log-file", socs.toString()).exit()).isZero();
    assertThat(Files.readString(socs)).contains("DEBUG", "splitstream models socs");
  }

  @Test
  void theConsoleStaysQuietByDefault() {
    PrintStream saved = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Cli c;
    try {
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      c = E2e.cli("run", "--simulate", "--duration", "1s", "--metrics-port", "-1", "--scenario", "none", "--source",
          "synthetic:constant,rate=30");
    } finally {
      System.setErr(saved);
    }
    assertThat(c.exit()).as(c.err()).isZero();
    assertThat(err.toString(StandardCharsets.UTF_8)).as("log lines on the process's stderr").isEmpty();
    assertThat(c.err()).isEmpty();
  }

  @Test
  void badLoggingOptionsAreRejectedUpFront() {
    assertRejectedUpFront(E2e.cli("plan", "--profile", "x.json", "--log-level", "loud"), "--log-level", "loud");
    assumeProc();
    assertRejectedUpFront(E2e.cli("models", "list", "--log-file", "/proc/x.log"), "--log-file", "/proc");
  }

  @Test
  void aProfileTableGivenAsSocIsNamedAsSuch() throws Exception {
    Path table = dir.resolve("bf.json");
    Cli p = E2e.cli("profile", "--model", "blazeface", "--soc", "sd855-pixel4", "--max-blocks", "4", "--json", table.toString());
    assertThat(p.exit()).as(p.err()).isZero();
    Cli c = E2e.cli("run", "--simulate", "--duration", "1s", "--metrics-port", "-1", "--soc", table.toString());
    assertThat(c.exit()).isEqualTo(2);
    assertThat(c.errLines()).singleElement().asString().contains("is a profile table", "./splitstream models socs")
        .doesNotContain("FAIL_ON", "creator", "Exception");
  }

  @Test
  void aSocProfileMissingAFieldSaysWhichWithoutJacksonsWords() throws Exception {
    Path soc = Files.writeString(dir.resolve("soc.json"), "{\"processors\": []}");
    Cli c = E2e.cli("run", "--simulate", "--duration", "1s", "--metrics-port", "-1", "--soc", soc.toString());
    assertThat(c.exit()).isEqualTo(2);
    assertThat(c.errLines()).singleElement().asString().contains("soc.json", "is missing")
        .doesNotContain("FAIL_ON", "creator property", "(index", "DeserializationFeature");
  }

  @Test
  void anOversizedTestVideoIsRefusedWithTheLimit() {
    Cli c = E2e.cli("run", "--simulate", "--duration", "1s", "--metrics-port", "-1", "--source",
        "testvideo:width=100000,height=100000");
    assertThat(c.exit()).isEqualTo(2);
    assertThat(c.errLines()).singleElement().asString().contains("100000x100000", "at most 7680x4320")
        .doesNotContain("FFmpeg", "avcodec");
  }

  private static void assumeProc() {
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self")), "needs Linux /proc");
  }
}
