package io.splitstream.pipeline.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Prometheus' own linter over what the server serves: {@code promtool check metrics} exits 0 when
 * clean, 3 for a lint problem (a meter without HELP, a counter without {@code _total}, a non-base
 * unit), 1 when it cannot parse the text. promtool comes with Debian's {@code prometheus} package.
 */
class PromtoolTest {

  @Test
  void scrapedTextPassesPromtool() throws IOException, InterruptedException {
    Optional<Path> promtool = onPath("promtool");
    String install = "promtool is not on PATH: apt-get install -y --no-install-recommends prometheus";
    // CI installs it (.ci/run): there a missing promtool is a failure, not a skip
    assertThat(promtool.isPresent() || System.getenv("CI") == null).as(install).isTrue();
    assumeTrue(promtool.isPresent(), install);

    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    SampleRun run = new SampleRun(registry);
    String body;
    try (MetricsServer server = MetricsServer.start(registry, 0, run.metrics::refresh)) {
      HttpResponse<String> response = Http.get(server, "/metrics", "text/plain;version=0.0.4");
      assertThat(response.statusCode()).isEqualTo(200);
      body = response.body();
    } finally {
      run.metrics.close();
    }
    assertThat(body).contains("splitstream_stage_service_seconds_bucket");

    Process process =
        new ProcessBuilder(promtool.get().toString(), "check", "metrics")
            .redirectErrorStream(true)
            .start();
    try (OutputStream stdin = process.getOutputStream()) {
      stdin.write(body.getBytes(StandardCharsets.UTF_8));
    }
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    // A guard against a hung tool, not a timing assertion.
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("promtool finished").isTrue();

    assertThat(process.exitValue())
        .as("promtool check metrics exit status (3 = lint, 1 = parse error); it said:%n%s", output)
        .isZero();
  }

  private static Optional<Path> onPath(String tool) {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    return Stream.of(path.split(File.pathSeparator))
        .filter(dir -> !dir.isEmpty())
        .map(dir -> Path.of(dir, tool))
        .filter(Files::isExecutable)
        .findFirst();
  }
}
