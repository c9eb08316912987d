package io.splitstream.loadgen.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The launcher's JVM is its child and stops with it: TERM, HUP or INT sent to the launcher reach
 * the JVM, which runs its shutdown hooks and ends (before config/run-jvm.bash, `kill` of the
 * launcher left a serving JVM running alone); its exit status comes back, and its stderr still
 * passes the filter. The JVM here is {@link Drains}, run through the launcher's own functions.
 */
class LauncherSignalsTest {
  @ParameterizedTest
  @ValueSource(strings = {"TERM", "INT", "HUP"})
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void aSignalToTheLauncherStopsTheJvmThroughItsShutdownHooks(String signal) throws Exception {
    Process p = launch();
    List<ProcessHandle> jvm;
    try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      assertThat(out.readLine()).isEqualTo("ready");
      jvm = p.toHandle().descendants().filter(h -> h.info().command().orElse("").endsWith("java")).toList();
      assertThat(jvm).as("the JVM is the launcher's child").hasSize(1);
      assertThat(new ProcessBuilder("kill", "-" + signal, String.valueOf(p.pid())).start().waitFor()).isZero();
      assertThat(out.readLine()).as("the JVM's shutdown hook ran").isEqualTo("drained");
    }
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("the launcher ended").isTrue();
    assertThat(jvm.get(0).onExit().get(30, TimeUnit.SECONDS).isAlive()).as("the JVM ended").isFalse();
    assertThat(p.exitValue()).as("TERM's status, 128 + 15").isEqualTo(143);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(err).isEqualTo("error: kept\n");
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void theJvmsExitStatusIsTheLaunchers() throws Exception {
    Process p = launch("exit", "3");
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(3);
  }

  @Test
  void theLauncherRunsTheJvmThroughTheFunction() throws Exception {
    assertThat(Files.readString(root().resolve("splitstream")))
        .contains("source \"$HERE/config/run-jvm.bash\"", "splitstream_run_java \"$JAVA\"",
            "io.splitstream.pipeline.cli.Main \"$@\" || exit $?");
  }

  /** bash, as the launcher runs (set -euo pipefail), sourcing its two files and running Drains. */
  private static Process launch(String... args) throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/bin/bash")), "needs bash");
    Path root = root();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String script = "set -euo pipefail; source '" + root.resolve("config/stderr-filter.bash") + "'; source '"
        + root.resolve("config/run-jvm.bash") + "'; splitstream_run_java '" + java + "' -cp '"
        + System.getProperty("java.class.path") + "' " + Drains.class.getName() + " " + String.join(" ", args)
        + " || exit $?";
    return new ProcessBuilder("/bin/bash", "-c", script).start();
  }

  private static Path root() {
    Path d = Path.of("").toAbsolutePath();
    while (d != null && !Files.isRegularFile(d.resolve("splitstream"))) {
      d = d.getParent();
    }
    return d;
  }
}
