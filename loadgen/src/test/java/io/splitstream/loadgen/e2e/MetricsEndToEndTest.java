package io.splitstream.loadgen.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.splitstream.pipeline.RunReport;
import io.splitstream.pipeline.Runner;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;

/**
 * A real-time run on the emulated Snapdragon 855 serves {@code /metrics} while it streams, in the
 * Prometheus text format ({@code promtool check metrics} accepts it) and in OpenMetrics when asked.
 * Needs {@code promtool} on the PATH (Debian package {@code prometheus}; CI installs it).
 */
class MetricsEndToEndTest {
  private static final List<String> NAMES = List.of(
      "splitstream_frames_completed_total", "splitstream_stage_service_seconds_bucket", "splitstream_plan_info");

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @BeforeAll
  static void models() {
    E2e.useRepositoryModels();
  }

  @Test
  void aLiveRunServesMetricsPromtoolAccepts() throws Exception {
    int port = freePort();
    StringWriter log = new StringWriter();
    Runner.Options o = E2e.realTime("synthetic:constant,rate=30", Duration.ofSeconds(6), port);
    CompletableFuture<RunReport> run = Mono.fromCallable(() -> Runner.run(o, new PrintWriter(log, true)))
        .subscribeOn(Schedulers.boundedElastic())
        .toFuture();
    URI uri = URI.create("http://127.0.0.1:" + port + "/metrics");

    // until the server is up and the first frames went through every stage; starting takes
    // seconds (model, profile, sessions), so the bound is 30 s, and a failed run stops the polling
    String text = Mono.fromCallable(() -> {
          String body = get(uri, "text/plain");
          if (!NAMES.stream().allMatch(body::contains)) {
            throw new IOException("not all of " + NAMES + " served yet");
          }
          return body;
        })
        .retryWhen(Retry.fixedDelay(300, Duration.ofMillis(100)).filter(e -> !run.isDone()))
        .onErrorMap(e -> run.isCompletedExceptionally(), e -> new AssertionError("the run failed: " + run.handle((x, t) -> t).join(), e))
        .block(Duration.ofSeconds(60));
    String openMetrics = get(uri, "application/openmetrics-text; version=1.0.0");

    assertThat(text).contains(NAMES);
    assertThat(openMetrics).contains("splitstream_frames_completed").contains("# EOF");
    Promtool check = promtool(text);
    assertThat(check.exit()).as("promtool check metrics said:%n%s", check.output()).isZero();

    RunReport r = run.get(60, TimeUnit.SECONDS);
    assertThat(r.simulated()).isFalse();
    assertThat(r.emulated()).isTrue();
    assertThat(r.audit().passed()).as(r.audit().summary()).isTrue();
    assertThat(r.ledger().inFlight()).isZero();
    assertThat(r.ledger().completed()).isPositive();
    assertThat(r.orderViolations()).isZero();
    assertThat(r.metricsUrl()).isEqualTo(uri.toString());
    System.out.printf("live run with metrics: %s%n", r.ledger());
  }

  private String get(URI uri, String accept) throws IOException, InterruptedException {
    HttpResponse<String> resp = http.send(
        HttpRequest.newBuilder(uri).header("Accept", accept).timeout(Duration.ofSeconds(5)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    if (resp.statusCode() != 200) {
      throw new IOException(uri + " answered " + resp.statusCode());
    }
    return resp.body();
  }

  private record Promtool(int exit, String output) {}

  private static Promtool promtool(String metrics) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("promtool", "check", "metrics").redirectErrorStream(true).start();
    try (OutputStream in = p.getOutputStream()) {
      in.write(metrics.getBytes(StandardCharsets.UTF_8));
    }
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("promtool did not finish in 30 s");
    }
    return new Promtool(p.exitValue(), output);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }
}
