package io.splitstream.pipeline.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.MockClock;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.splitstream.devices.SplitstreamException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

class MetricsServerTest {
  private static final String PROMETHEUS_ACCEPT =
      "application/openmetrics-text;version=1.0.0,"
          + "application/openmetrics-text;version=0.0.1;q=0.75,"
          + "text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
  // Metric families as each format names them: text 0.0.4 keeps the _total of counters in the
  // family name; OpenMetrics drops it, and treats a gauge ending in _info as an info family.
  private static final List<String> TEXT_FAMILIES =
      List.of(
          "splitstream_frames_offered_total",
          "splitstream_frames_completed_total",
          "splitstream_frames_shed_total",
          "splitstream_frames_failed_total",
          "splitstream_frames_in_flight",
          "splitstream_frame_latency_seconds",
          "splitstream_stage_queue_seconds",
          "splitstream_stage_service_seconds",
          "splitstream_stage_queue_depth",
          "splitstream_processor_busy_ratio",
          "splitstream_processor_busy_time_seconds_total",
          "splitstream_transfer_bytes_total",
          "splitstream_plan_info",
          "splitstream_plan_predicted_throughput_frames_per_second",
          "splitstream_plan_predicted_latency_seconds");
  private static final List<String> OPENMETRICS_FAMILIES =
      List.of(
          "splitstream_frames_offered",
          "splitstream_frames_completed",
          "splitstream_frames_shed",
          "splitstream_frames_failed",
          "splitstream_frames_in_flight",
          "splitstream_frame_latency_seconds",
          "splitstream_stage_queue_seconds",
          "splitstream_stage_service_seconds",
          "splitstream_stage_queue_depth",
          "splitstream_processor_busy_ratio",
          "splitstream_processor_busy_time_seconds",
          "splitstream_transfer_bytes",
          "splitstream_plan",
          "splitstream_plan_predicted_throughput_frames_per_second",
          "splitstream_plan_predicted_latency_seconds");

  private PrometheusMeterRegistry registry;
  private SampleRun run;
  private MetricsServer server;

  @BeforeEach
  void setUp() {
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    run = new SampleRun(registry);
    server = MetricsServer.start(registry, 0, run.metrics::refresh);
  }

  @AfterEach
  void tearDown() {
    server.close();
    run.metrics.close();
  }

  @Test
  void bindsAnEphemeralLoopbackPort() {
    assertThat(server.port()).isPositive();
    assertThat(server.baseUri()).isEqualTo("http://127.0.0.1:" + server.port());
  }

  @Test
  void servesPrometheusTextWhenNoFormatIsAsked() {
    HttpResponse<String> response = Http.get(server, "/metrics", null);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValue("text/plain; version=0.0.4; charset=utf-8");
    for (String family : TEXT_FAMILIES) {
      assertThat(response.body()).contains("# HELP " + family + " ").contains("\n" + family);
    }
    assertThat(response.body())
        .contains("splitstream_frames_offered_total{model=\"mobilenet-v2\"} 10.0")
        .doesNotContain("# EOF");
  }

  @Test
  void servesOpenMetricsWhenPrometheusAsksForIt() {
    HttpResponse<String> response = Http.get(server, "/metrics", PROMETHEUS_ACCEPT);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValue("application/openmetrics-text; version=1.0.0; charset=utf-8");
    for (String family : OPENMETRICS_FAMILIES) {
      assertThat(response.body()).contains("# HELP " + family + " ").contains("\n" + family);
    }
    assertThat(response.body())
        .contains("# TYPE splitstream_frames_offered counter")
        .contains("# TYPE splitstream_plan info")
        .contains("splitstream_frames_offered_total{model=\"mobilenet-v2\"} 10.0")
        .endsWith("# EOF\n");
  }

  @Test
  void refreshesTheLedgerBeforeEachScrape() {
    // The registry's clock stands still, so only the hook's refresh can bring a new reading.
    MockClock clock = new MockClock();
    PrometheusMeterRegistry own =
        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT, new PrometheusRegistry(), clock);
    AtomicReference<FrameCounts> ledger = new AtomicReference<>(FrameCounts.empty());
    try (PipelineMetrics metrics = new PipelineMetrics(own, "m", ledger::get, () -> 0);
        MetricsServer hooked = MetricsServer.start(own, 0, metrics::refresh)) {
      assertThat(Http.get(hooked, "/metrics", null).body()).doesNotContain("reason=\"deadline\"");

      ledger.set(new FrameCounts(4, 1, Map.of("deadline", 3L), Map.of(), 0));

      assertThat(Http.get(hooked, "/metrics", null).body())
          .contains("splitstream_frames_offered_total{model=\"m\"} 4.0")
          .contains("splitstream_frames_shed_total{model=\"m\",reason=\"deadline\"} 3.0");
    }
  }

  @Test
  void failingHookAnswers500AndTheServerGoesOn() {
    AtomicBoolean fail = new AtomicBoolean(true);
    try (MetricsServer hooked =
        MetricsServer.start(
            registry,
            0,
            () -> {
              if (fail.get()) {
                throw new IllegalStateException("ledger unavailable");
              }
            })) {
      assertThat(Http.get(hooked, "/metrics", null).statusCode()).isEqualTo(500);
      fail.set(false);
      assertThat(Http.get(hooked, "/metrics", null).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void healthAndIndex() {
    HttpResponse<String> live = Http.send(server, "GET", "/health/live");
    assertThat(live.statusCode()).isEqualTo(200);
    assertThat(live.body()).isEqualTo("{\"status\":\"live\"}");
    // a metrics-only server has no run that could be anything but ready
    assertThat(Http.send(server, "GET", "/health/ready").statusCode()).isEqualTo(200);

    HttpResponse<String> index = Http.get(server, "/", null);
    assertThat(index.statusCode()).isEqualTo(200);
    assertThat(index.body()).contains("/metrics").contains("/health/live").contains("/health/ready");
  }

  @Test
  void unknownPathIs404InJson() {
    for (String path : List.of("/nope", "/metrics/extra", "/health", "/healthz")) {
      HttpResponse<String> r = Http.send(server, "GET", path);
      assertThat(r.statusCode()).as(path).isEqualTo(404);
      assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
      assertThat(r.body()).contains("\"status\":404").contains("\"field\":\"path\"");
    }
  }

  @Test
  void aKnownPathAskedWithAnotherMethodIs405WithAllow() {
    for (String[] call : new String[][] {{"POST", "/metrics"}, {"DELETE", "/"}, {"PUT", "/health/live"}}) {
      HttpResponse<String> r = Http.send(server, call[0], call[1]);
      assertThat(r.statusCode()).as(call[0] + " " + call[1]).isEqualTo(405);
      assertThat(r.headers().firstValue("Allow")).hasValue("GET, HEAD");
      assertThat(r.body()).contains("\"status\":405").contains("\"field\":\"method\"");
    }
  }

  @Test
  void headAnswersWhereGetDoesWithoutABody() {
    HttpResponse<String> r = Http.send(server, "HEAD", "/metrics");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
    assertThat(r.body()).isEmpty();
    assertThat(Http.send(server, "HEAD", "/health/ready").statusCode()).isEqualTo(200);
  }

  /** The Prometheus library negotiates the format (ExpositionFormats.findWriter), not our code. */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.CsvSource(
      delimiter = '|',
      nullValues = "NONE",
      value = {
        "NONE | text/plain; version=0.0.4; charset=utf-8",
        "text/plain;version=0.0.4 | text/plain; version=0.0.4; charset=utf-8",
        "*/* | text/plain; version=0.0.4; charset=utf-8",
        "application/openmetrics-text;version=1.0.0 | application/openmetrics-text; version=1.0.0; charset=utf-8",
        "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
            + "text/plain;version=0.0.4;q=0.5,*/*;q=0.1 | application/openmetrics-text; version=1.0.0; charset=utf-8"
      })
  void acceptHeaderPicksTheFormat(String accept, String contentType) {
    HttpResponse<String> r = Http.get(server, "/metrics", accept);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue(contentType);
  }

  @Test
  void portInUseIsOneLineWithTheRemedy() throws IOException {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName(MetricsServer.HOST))) {
      int port = taken.getLocalPort();
      assertThatThrownBy(() -> MetricsServer.start(registry, port))
          .isInstanceOf(SplitstreamException.class)
          .hasMessage(
              "port "
                  + port
                  + " on 127.0.0.1 is in use: choose another with --metrics-port or stop the"
                  + " process holding it");
    }
  }

  @Test
  void bindReportsAPortInUseThroughTheMono() throws IOException {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName(MetricsServer.HOST))) {
      StepVerifier.create(MetricsServer.bind(registry, taken.getLocalPort()))
          .expectErrorSatisfies(
              e ->
                  assertThat(e)
                      .isInstanceOf(SplitstreamException.class)
                      .hasMessageStartingWith("port " + taken.getLocalPort() + " on 127.0.0.1"))
          .verify();
    }
  }

  @Test
  void stopCompletesOnceThePortIsReleased() throws IOException {
    int port = server.port();
    StepVerifier.create(server.stop()).verifyComplete();

    try (ServerSocket again =
        new ServerSocket(port, 1, InetAddress.getByName(MetricsServer.HOST))) {
      assertThat(again.getLocalPort()).isEqualTo(port);
    }
  }

  @Test
  void portOutOfRangeIsRefused() {
    assertThatThrownBy(() -> MetricsServer.start(registry, 70_000))
        .isInstanceOf(SplitstreamException.class)
        .hasMessageContaining("metrics port 70000 is out of range");
  }

  @Test
  void closeReleasesThePort() throws IOException {
    int port = server.port();
    server.close();
    server.close(); // idempotent

    try (ServerSocket again =
        new ServerSocket(port, 1, InetAddress.getByName(MetricsServer.HOST))) {
      assertThat(again.getLocalPort()).isEqualTo(port);
    }
  }
}
