package io.splitstream.loadgen.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The load options on the command line: good runs write what they say, bad input is one line and exit 2. */
class LoadCliTest {
  @TempDir Path dir;

  @BeforeAll
  static void models() {
    E2e.useRepositoryModels();
  }

  @Test
  void badLoadInputIsOneLineAndExitTwo() {
    for (String[] args : new String[][] {
        {"run", "--simulate", "--soc", E2e.SOC, "--streams", "0", "--source", "synthetic:constant,rate=5"},
        {"run", "--simulate", "--soc", E2e.SOC, "--source", "sensor:" + dir.resolve("none.csv")},
        {"run", "--simulate", "--soc", E2e.SOC, "--source", "synthetic:mmpp,rates=1/2,dwell=1s"},
        {"run", "--simulate", "--soc", E2e.SOC, "--source", "audio:" + dir.resolve("none.wav")},
        {"models", "sample", "--kind", "video", "--out", dir.resolve("x").toString()}}) {
      E2e.Cli c = E2e.cli(args);
      assertThat(c.exit()).as(String.join(" ", args)).isEqualTo(2);
      assertThat(c.errLines()).as(c.err()).hasSize(1);
      assertThat(c.err()).startsWith("error: ").doesNotContain("Exception");
    }
  }

  @Test
  void severalSourcesHtmlAndTraceFromTheCommandLine() throws Exception {
    Path html = dir.resolve("r.html");
    Path trace = dir.resolve("t.csv");
    E2e.Cli c = E2e.cli("run", "--simulate", "--soc", E2e.SOC, "--scenario", "none", "--metrics-port", "-1",
        "--duration", "3s", "--source", "synthetic:gamma,rate=20,shape=0.5", "--source", "synthetic:ramp,from=5,to=50,over=3s",
        "--html", html.toString(), "--trace-out", trace.toString());
    assertThat(c.exit()).as(c.err()).isZero();
    assertThat(c.out()).contains("streams   2; per stream:", "stream0", "stream1", "audit     audit passed");
    assertThat(Files.readString(html)).contains("<svg", "stream1");
    assertThat(Files.readAllLines(trace).get(0)).isEqualTo("stream,seq,capture_ns,completion_ns,outcome,reason,epoch");
  }

  @Test
  void benchArrivalsPrintsMeasuredAgainstConfigured() {
    E2e.Cli c = E2e.cli("bench", "arrivals", "--duration", "2m", "--spec", "gamma,rate=50,shape=0.5", "--spec",
        "mmpp,rates=10/100,dwell=5s/2s");
    assertThat(c.exit()).as(c.err()).isZero();
    assertThat(c.out()).contains("gamma,rate=50,shape=0.5", "1.414", "dwell cfg/measured: 5.0/");
  }
}
