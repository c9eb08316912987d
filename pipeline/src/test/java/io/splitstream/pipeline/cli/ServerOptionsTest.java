package io.splitstream.pipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.splitstream.devices.onnx.gen.OnnxModelGenerator;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The run's server options: what a simulation serves, and bad values refused before any work. */
class ServerOptionsTest {
  @TempDir Path dir;

  private record Result(int code, String out, String err) {}

  private Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Result(code, out.toString(), err.toString());
  }

  private String model() throws IOException {
    Path m = dir.resolve("mobilenet-small.onnx");
    Files.write(m, OnnxModelGenerator.mobileNetV2(OnnxModelGenerator.mobileNetSmall()).toByteArray());
    return m.toString();
  }

  /** Holds the default port if it is free; if another run holds it, that is the case under test too. */
  private static ServerSocket holdDefaultPort() {
    try {
      return new ServerSocket(ServerOptions.DEFAULT_PORT, 1, InetAddress.getByName("127.0.0.1"));
    } catch (IOException held) {
      return null;
    }
  }

  @Test
  void aSimulationServesNothingByDefaultSoAHeldPortDoesNotStopIt() throws IOException {
    String model = model();
    ServerSocket held = holdDefaultPort();
    try {
      Result r = run("run", "--simulate", "--soc", "sd855-pixel4", "--model", model, "--source", "paced:100",
          "--duration", "2s", "--scenario", "none", "--max-blocks", "4");
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.out()).doesNotContain("metrics:").doesNotContain("live page:").contains("completed");
    } finally {
      if (held != null) {
        held.close();
      }
    }
  }

  @Test
  void badServerOptionsAreOneLineAndExit2() throws IOException {
    String model = model();
    String[][] cases = {
      {"--metrics-port", "-5", "--metrics-port -5 is out of range"},
      {"--metrics-port", "70000", "--metrics-port 70000 is out of range"},
      {"--web", "maybe", "--web 'maybe' is not on or off"},
      {"--api-token", "short", "--api-token must be at least 16 characters"},
    };
    for (String[] c : cases) {
      Result r = run("run", "--soc", "sd855-pixel4", "--model", model, "--source", "paced:100", "--duration", "1s",
          "--scenario", "none", c[0], c[1]);
      assertThat(r.code()).as(c[0] + " " + c[1]).isEqualTo(Main.EXIT_BAD_INPUT);
      assertThat(r.err().strip()).startsWith("error: " + c[2]).doesNotContain("\n");
      assertThat(r.out()).as("checked before any work").doesNotContain("platform:");
    }
  }

  @Test
  void anotherBindAddressIsServedWithAWarningAndTheTokenFileIsOnlyTheUsers() throws IOException {
    // 127.0.0.2 is loopback on Linux too: the test reaches nothing outside this machine
    Result r = run("run", "--soc", "sd855-pixel4", "--model", model(), "--source", "paced:50", "--duration", "1s",
        "--scenario", "none", "--max-blocks", "4", "--no-counterfactual", "--metrics-port", "0",
        "--bind", "127.0.0.2");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("metrics: http://127.0.0.2:")
        .contains("warning: the server listens on 127.0.0.2, not only on this machine");
    String line = r.out().lines().filter(l -> l.startsWith("control API: ")).findFirst().orElseThrow();
    Path token = Path.of(line.replaceAll(".* in (\\S+) \\(readable only by you\\).*", "$1"));
    assertThat(token.getFileName().toString()).isEqualTo("token");
    assertThat(Files.exists(token)).as("deleted when the run ends").isFalse();
  }

  @Test
  void serveStopsAfterItsDurationWithItsCountsAndTheAudit() throws IOException {
    Result r = run("serve", "--soc", "sd855-pixel4", "--model", model(), "--port", "0", "--duration", "1s", "--max-blocks", "4",
        "--no-compute-outputs");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("listening on 127.0.0.1:").contains("served 0 connection(s)")
        .contains("server audit: passed: 0 frames received").contains("audit: audit passed: 0 offered");
  }
}
