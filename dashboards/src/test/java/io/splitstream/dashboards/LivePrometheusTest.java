package io.splitstream.dashboards;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.splitstream.devices.onnx.InputShapes;
import io.splitstream.devices.onnx.gen.OnnxModelGenerator;
import io.splitstream.devices.tensor.Tensor;
import io.splitstream.devices.tensor.TensorMap;
import io.splitstream.pipeline.FedPipeline;
import io.splitstream.pipeline.RunReport;
import io.splitstream.pipeline.Runner;
import io.splitstream.pipeline.adapt.Controller;
import io.splitstream.pipeline.frame.FrameEnvelope;
import io.splitstream.pipeline.kafka.FramePublisher;
import io.splitstream.pipeline.kafka.KafkaBroker;
import io.splitstream.pipeline.kafka.KafkaWorker;
import io.splitstream.pipeline.metrics.MetricsServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The dashboards held against a real Prometheus scraping a real run. One Debian {@code prometheus}
 * server for the class, on 127.0.0.1 with a temporary data directory, started with the shipped
 * scrape config and rules; only the target (the run's {@code /metrics} port) and the intervals (1 s,
 * so the test needs seconds, not minutes) are changed. The run is the product's own: BlazeFace on
 * an emulated Snapdragon 855 in real time (timing only), a synthetic 250 frames/s source with a
 * 50 ms budget, and a scenario that slows the CPU at 5 s, the NPU at 25 s and gives the CPU back at
 * 40 s, so the controller re-plans twice (at about 5 and 40 s).
 *
 * <p>A second target is a Kafka worker ({@code serve --kafka}'s {@link KafkaWorker} with its own
 * {@code /metrics}) on an in-process broker, consuming a few hundred frames on a timing-only
 * emulated one-Gemm model, so the Kafka row has series too.
 *
 * <p>Every variable's {@code label_values} query must find values; every query of every panel and
 * every annotation of every dashboard, the variables substituted with all their values as Grafana
 * does for a multi-value selection, must return at least one finite sample.
 */
class LivePrometheusTest {
  /** What Grafana would substitute at a 1 s scrape interval: max(4 x scrape, interval + scrape). */
  private static final String RATE_INTERVAL = "4s";
  private static final String INTERVAL = "2s";
  /**
   * How long the run lasts; the test waits for data only while it runs. 40 s once ran out on a
   * machine with two other builds going (load average 5-6), and a run of 60 s costs 20 s more.
   */
  private static final Duration RUN = Duration.ofSeconds(60);

  @TempDir static Path tmp;
  private static Process prometheus;
  private static URI api;
  private static CompletableFuture<RunReport> run;
  private static final StringWriter log = new StringWriter();
  private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private static long startSeconds;
  private static KafkaBroker broker;
  private static FedPipeline workerPipeline;
  private static KafkaWorker worker;
  private static MetricsServer workerMetrics;

  @BeforeAll
  static void startPrometheusAndARun() throws Exception {
    useRepositoryModels();
    int metricsPort = freePort();
    int promPort = freePort();
    int kafkaMetricsPort = startKafkaWorker();
    Path config = tmp.resolve("prometheus.yml");
    Files.writeString(config, Monitoring.YAML.writeValueAsString(pointedAt(metricsPort, kafkaMetricsPort)));
    Path dataDir = Files.createDirectories(tmp.resolve("data"));
    prometheus = new ProcessBuilder(prometheusPath(), "--config.file=" + config,
        "--storage.tsdb.path=" + dataDir, "--web.listen-address=127.0.0.1:" + promPort, "--log.level=warn")
        .redirectErrorStream(true)
        .redirectOutput(tmp.resolve("prometheus.log").toFile())
        .start();
    api = URI.create("http://127.0.0.1:" + promPort);
    startSeconds = System.currentTimeMillis() / 1000 - 5;
    await("Prometheus ready").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
        .failFast("Prometheus exited; its log: " + tmp.resolve("prometheus.log"), () -> !prometheus.isAlive())
        .until(() -> status(api.resolve("/-/ready")) == 200);

    Path scenario = Path.of(LivePrometheusTest.class.getResource("/dashboards-live.yaml").toURI());
    Runner.Options o = new Runner.Options("blazeface", InputShapes.none(), "synthetic:constant,rate=250",
        Optional.of("sd855-pixel4"), List.of(), "auto", Optional.empty(), Optional.of(Duration.ofMillis(50)),
        Optional.of(RUN), metricsPort, false, false, false, Optional.empty(), 2, 24, 32, 1,
        new Runner.Adapt(Controller.Mode.ADAPTIVE, Optional.of(scenario.toString()), Optional.empty(), true, false,
            Controller.Settings.defaults()));
    run = Mono.fromCallable(() -> Runner.run(o, new PrintWriter(log, true)))
        .subscribeOn(Schedulers.boundedElastic())
        .toFuture();
  }

  /**
   * A broker, a worker of one group serving its {@code /metrics} on a free port, and 400 frames of 8
   * streams for it; returns the port.
   */
  private static int startKafkaWorker() throws Exception {
    broker = KafkaBroker.startTemporary(4);
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()))) {
      admin.createTopics(List.of(new NewTopic("frames", 4, (short) 1), new NewTopic("results", 4, (short) 1))).all().get();
    }
    Path model = tmp.resolve("one-gemm.onnx");
    OnnxModelGenerator.write(OnnxModelGenerator.oneHeavyGemm(3, 1), model);
    workerPipeline = FedPipeline.open(new Runner.Options(model.toString(), InputShapes.none(), "kafka",
        Optional.of("sd855-pixel4"), List.of(), "0:gpu", Optional.of("block"), Optional.empty(), Optional.empty(), -1, false,
        false, false, Optional.empty(), 0, 24, 32, 1)).start();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    workerMetrics = MetricsServer.start(registry, 0);
    worker = KafkaWorker.start(workerPipeline, new KafkaWorker.Settings(broker.bootstrap(), "frames", "results", "live",
        "live-worker", 32, 1 << 20, Duration.ofSeconds(10), Duration.ofSeconds(10)), registry);
    TensorMap x = TensorMap.of(workerPipeline.input().name(),
        Tensor.zeros(workerPipeline.input().type(), workerPipeline.input().shapeArray()));
    try (FramePublisher pub = new FramePublisher(broker.bootstrap(), "frames", FramePublisher.DEFAULT_LIMIT)) {
      for (int i = 0; i < 400; i++) {
        pub.publish(FrameEnvelope.of("cam" + (i % 8), i / 8, 0, x));
      }
      pub.flush();
    }
    return workerMetrics.port();
  }

  @AfterAll
  static void stop() throws Exception {
    if (worker != null) {
      worker.close();
      workerMetrics.close();
      workerPipeline.complete();
      workerPipeline.close();
    }
    if (broker != null) {
      broker.close();
    }
    if (prometheus != null) {
      prometheus.destroy();
      if (!prometheus.waitFor(20, TimeUnit.SECONDS)) {
        prometheus.destroyForcibly();
      }
    }
  }

  /** The shipped config, scraping 127.0.0.1:{@code port} and the Kafka worker's port every second, with the shipped rules. */
  private static JsonNode pointedAt(int port, int kafkaPort) {
    Path shipped = Monitoring.prometheusDir();
    ObjectNode c = (ObjectNode) Monitoring.read(shipped.resolve("prometheus.yml"));
    ObjectNode global = (ObjectNode) c.path("global");
    global.put("scrape_interval", "1s").put("scrape_timeout", "1s").put("evaluation_interval", "1s");
    ArrayNode rules = c.putArray("rule_files");
    for (String f : List.of("rules/splitstream.rules.yml", "rules/splitstream.alerts.yml")) {
      rules.add(shipped.resolve(f).toString());
    }
    ObjectNode job = (ObjectNode) c.path("scrape_configs").get(0);
    assertThat(job.path("job_name").asText()).isEqualTo("splitstream");
    ((ObjectNode) job.path("static_configs").get(0)).putArray("targets").add("127.0.0.1:" + port)
        .add("127.0.0.1:" + kafkaPort);
    return c;
  }

  @Test
  void everyQueryOfEveryPanelOfEveryDashboardReturnsData() throws Exception {
    // samples arrive once the run has profiled and serves /metrics
    await("first samples of the run").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
        .failFast("the run ended first:\n" + log, () -> run.isDone())
        .until(() -> series("up{job=\"splitstream\"} == 1").size() == 2
            && !series("splitstream_frames_completed_total").isEmpty());

    List<JsonNode> dashboards = Monitoring.dashboardFiles().stream().map(Monitoring::read).toList();
    int panels = dashboards.stream().mapToInt(d -> Monitoring.dataPanels(d).size()).sum();
    List<Monitoring.Query> all = new ArrayList<>();
    dashboards.forEach(d -> all.addAll(Monitoring.queries(d)));
    int variables = dashboards.stream().mapToInt(d -> Monitoring.variables(d).size()).sum();

    // until every query has data: a switch (at about 5 or 40 s) and a few scrapes after it must have come
    List<String> missing = new ArrayList<>();
    await("data for every dashboard query").atMost(RUN).pollInterval(Duration.ofSeconds(1))
        .failFast(() -> assertThat(run.isDone()).as(() -> "the run ended first; queries without data: " + missing + "\n" + log)
            .isFalse())
        .untilAsserted(() -> {
          missing.clear();
          missing.addAll(withoutData(dashboards));
          assertThat(missing).as("queries without data").isEmpty();
        });
    // the shipped recording and alerting rules evaluate on the run's series without error
    List<String> unhealthy = new ArrayList<>();
    await("every rule evaluated").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(500))
        .untilAsserted(() -> {
          unhealthy.clear();
          int rules = 0;
          for (JsonNode group : getData("/api/v1/rules").path("groups")) {
            for (JsonNode rule : group.path("rules")) {
              rules++;
              if (!"ok".equals(rule.path("health").asText())) {
                unhealthy.add(rule.path("name").asText() + ": " + rule.path("health").asText() + " "
                    + rule.path("lastError").asText());
              }
            }
          }
          assertThat(rules).isEqualTo(17);
          assertThat(unhealthy).isEmpty();
        });
    // recorded series exist for the run
    assertThat(hasFiniteSample(instant("instance_model:splitstream_frames_completed:rate1m"))).isTrue();
    // the check can fail: a series nobody exports has no data
    assertThat(hasFiniteSample(range("splitstream_kafka_consumer_lag_frames"))).isFalse();
    System.out.printf("live Prometheus: %d dashboards, %d panels, %d panel and annotation queries and %d"
        + " variable queries, all with data%n", dashboards.size(), panels, all.size(), variables);

    RunReport r = run.get(RUN.toSeconds() + 60, TimeUnit.SECONDS);
    assertThat(r.audit().passed()).as(r.audit().summary()).isTrue();
    assertThat(r.adaptation().decisions()).as("the controller re-planned:\n" + log).isNotEmpty();
  }

  /** The queries of {@code dashboards} with no finite sample, as text; empty when all have data. */
  private static List<String> withoutData(List<JsonNode> dashboards) throws Exception {
    List<String> missing = new ArrayList<>();
    for (JsonNode d : dashboards) {
      Map<String, String> values = new LinkedHashMap<>();
      for (Map.Entry<String, String> v : Monitoring.variables(d)) {
        Set<String> found = labelValues(substitute(v.getValue(), values));
        if (found.isEmpty()) {
          missing.add(d.path("uid").asText() + " variable " + v.getKey() + ": " + v.getValue());
        }
        values.put(v.getKey(), found.stream().map(LivePrometheusTest::regexQuote)
            .reduce((a, b) -> a + "|" + b).map(s -> "(" + s + ")").orElse("no-value"));
      }
      for (Monitoring.Query q : Monitoring.queries(d)) {
        String expr = substitute(q.expr(), values);
        if (!hasFiniteSample(q.instant() ? instant(expr) : range(expr))) {
          missing.add(q + "  (as sent: " + expr + ")");
        }
      }
    }
    return missing;
  }

  private static final Pattern LABEL_VALUES = Pattern.compile("^label_values\\((.*),\\s*([a-z_]+)\\)$");

  private static Set<String> labelValues(String query) throws Exception {
    Matcher m = LABEL_VALUES.matcher(query);
    assertThat(m.matches()).as(query).isTrue();
    Set<String> values = new LinkedHashSet<>();
    for (JsonNode s : series(m.group(1))) {
      values.add(s.path("metric").path(m.group(2)).asText());
    }
    values.remove("");
    return values;
  }

  private static String substitute(String expr, Map<String, String> values) {
    String s = expr.replace("$__rate_interval", RATE_INTERVAL).replace("$__interval", INTERVAL);
    for (Map.Entry<String, String> v : values.entrySet()) {
      s = s.replace("$" + v.getKey(), v.getValue());
    }
    assertThat(s).as("every variable substituted in " + expr).doesNotContain("$");
    return s;
  }

  /** Like Grafana for a Prometheus regex: special characters backslashed, the backslash escaped for PromQL. */
  private static String regexQuote(String value) {
    return value.replaceAll("([.*+?^${}()|\\[\\]\\\\])", "\\\\\\\\$1");
  }

  private static boolean hasFiniteSample(JsonNode result) {
    for (JsonNode s : result) {
      List<JsonNode> points = new ArrayList<>();
      if (s.has("value")) {
        points.add(s.path("value"));
      }
      s.path("values").forEach(points::add);
      for (JsonNode p : points) {
        double v = Double.parseDouble(p.get(1).asText());
        if (Double.isFinite(v)) {
          return true;
        }
      }
    }
    return false;
  }

  private static JsonNode series(String expr) throws Exception {
    return instant(expr);
  }

  private static JsonNode instant(String expr) throws Exception {
    return get("/api/v1/query?query=" + enc(expr));
  }

  private static JsonNode range(String expr) throws Exception {
    long end = System.currentTimeMillis() / 1000;
    return get("/api/v1/query_range?query=" + enc(expr) + "&start=" + startSeconds + "&end=" + end + "&step=1");
  }

  private static JsonNode get(String pathAndQuery) throws IOException, InterruptedException, URISyntaxException {
    return getData(pathAndQuery).path("result");
  }

  private static JsonNode getData(String pathAndQuery) throws IOException, InterruptedException, URISyntaxException {
    HttpResponse<String> resp = http.send(HttpRequest.newBuilder(new URI(api + pathAndQuery))
        .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
    JsonNode body = Monitoring.JSON.readTree(resp.body());
    assertThat(body.path("status").asText()).as(pathAndQuery + " answered " + resp.body()).isEqualTo("success");
    return body.path("data");
  }

  private static int status(URI uri) {
    try {
      return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2)).GET().build(),
          HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }

  private static String prometheusPath() {
    return Files.isExecutable(Path.of("/usr/bin/prometheus")) ? "/usr/bin/prometheus" : "prometheus";
  }

  /** Points {@code splitstream.models} at the repository's {@code models/} when surefire did not. */
  private static void useRepositoryModels() {
    String prop = System.getProperty("splitstream.models");
    if (prop == null || prop.isBlank() || prop.contains("${")) {
      System.setProperty("splitstream.models", Monitoring.moduleDir().toAbsolutePath().getParent()
          .resolve("models").toString());
    }
  }
}
