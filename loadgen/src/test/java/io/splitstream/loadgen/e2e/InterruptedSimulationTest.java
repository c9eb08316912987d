package io.splitstream.loadgen.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.splitstream.pipeline.cli.Main;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ctrl-C during a long {@code --simulate} run drains it as in real time: the summary of what ran
 * is printed and the report written, in a CLI process sent SIGINT part-way through.
 */
class InterruptedSimulationTest {
  @TempDir Path dir;

  @Test
  void ctrlCPrintsTheSummaryAndWritesTheReport() throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/bin/kill")) || Files.isExecutable(Path.of("/usr/bin/kill")),
        "needs kill(1) to send SIGINT");
    Path models = E2e.useRepositoryModels();
    Path report = dir.resolve("report.json");
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    // an hour at 1000 frames/s: minutes of simulation, so the signal lands while it runs
    Process p = new ProcessBuilder(java.toString(), "-Xss16m", "-Dsplitstream.models=" + models, "-cp",
        System.getProperty("java.class.path"), Main.class.getName(), "run", "--simulate", "--duration", "1h",
        "--metrics-port", "-1", "--scenario", "none", "--source", "synthetic:constant,rate=1000", "--report",
        report.toString())
        .redirectErrorStream(true).start();
    StringBuilder out = new StringBuilder();
    CompletableFuture<Void> started = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          synchronized (out) {
            out.append(line).append('\n');
          }
          if (line.startsWith("simulating; Ctrl-C ends the run early")) {
            started.complete(null);
          }
        }
      } catch (java.io.IOException e) {
        started.completeExceptionally(e);
      }
      started.complete(null);
    });
    reader.start();
    try {
      started.get(120, TimeUnit.SECONDS);
      synchronized (out) {
        assertThat(p.isAlive()).as("still simulating when interrupted; output:%n%s", out).isTrue();
      }
      new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).inheritIO().start().waitFor();
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("ended after Ctrl-C").isTrue();
      reader.join(10_000);
    } finally {
      p.destroyForcibly();
    }
    String text;
    synchronized (out) {
      text = out.toString();
    }
    assertThat(p.exitValue()).as(text).isEqualTo(130);
    assertThat(text).contains("Run summary: blazeface", "ledger", "[balanced]", "report: " + report.toAbsolutePath());
    assertThat(report).isRegularFile();
    String json = Files.readString(report);
    assertThat(json).contains("\"offered\"");
    List<String> lines = text.lines().toList();
    assertThat(lines).noneMatch(l -> l.contains("\tat ") || l.contains("Exception"));
  }
}
