package io.splitstream.pipeline.server;

import static io.splitstream.pipeline.server.LiveRun.TOKEN;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.splitstream.pipeline.RunReport;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Every endpoint of the control API over a real HTTP client on loopback, against one real-time
 * run on the emulated Snapdragon 855; the last test drains it and checks its audit.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ControlApiTest {
  private static LiveRun run;
  private static WebServer server;

  @BeforeAll
  static void start() {
    run = LiveRun.emulated(Duration.ofMinutes(5));
    server = run.server;
  }

  @AfterAll
  static void stop() throws Exception {
    if (run != null) {
      run.close();
    }
  }

  private static HttpResponse<String> call(String method, String path, String body, String token) {
    return Api.send(server, method, path, body, token);
  }

  @Test
  @Order(1)
  void statusShowsPlanEpochLedgerAndProcessorsWithAvailabilityForEmulatedOnes() {
    JsonNode s = Api.status(server);
    assertThat(s.get("running").asBoolean()).isTrue();
    assertThat(s.get("emulatedPlatform").asBoolean()).isTrue();
    assertThat(s.at("/plan/label").asText()).isNotBlank();
    assertThat(s.at("/plan/epoch").isNumber()).isTrue();
    assertThat(s.at("/plan/stages").size()).isPositive();
    assertThat(s.at("/ledger/offered").isNumber()).isTrue();
    List<String> ids = new ArrayList<>();
    for (JsonNode p : s.get("processors")) {
      ids.add(p.get("id").asText());
      assertThat(p.get("emulated").asBoolean()).isTrue();
      assertThat(p.get("estimatedSpeed").asDouble()).isPositive();
      assertThat(p.at("/availability/share").asDouble()).isEqualTo(1.0);
    }
    assertThat(ids).containsExactly("cpu", "gpu", "npu");
    // the bottleneck stage's share is 1 and no stage's is above it
    double top = 0;
    for (JsonNode st : s.at("/plan/stages")) {
      top = Math.max(top, st.get("bottleneckShare").asDouble());
    }
    assertThat(top).isEqualTo(1.0);
  }

  @Test
  @Order(2)
  void framesFlowAndHealthIsReady() {
    long first = Api.status(server).at("/ledger/completed").asLong();
    awaitCompletedAbove(first + 50);
    assertThat(call("GET", "/health/live", null, null).statusCode()).isEqualTo(200);
    assertThat(call("GET", "/health/ready", null, null).statusCode()).isEqualTo(200);
    assertThat(call("GET", "/metrics", null, null).body()).contains("splitstream_frames_completed_total");
  }

  @Test
  @Order(3)
  void noMutationSucceedsWithoutTheToken() {
    JsonNode before = Api.status(server);
    for (String token : new String[] {null, "wrong-token-0123456789"}) {
      assertUnauthorized(call("POST", "/api/v1/plan", "{\"split\":\"0:cpu\"}", token));
      assertUnauthorized(call("PUT", "/api/v1/processors/gpu/availability", "{\"online\":false}", token));
      assertUnauthorized(call("PUT", "/api/v1/budget", "{\"budgetMs\":1}", token));
      assertUnauthorized(call("POST", "/api/v1/drain", null, token));
    }
    assertUnauthorized(Api.send(server, "POST", "/api/v1/drain", null, null,
        Map.of("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(("x:" + TOKEN).getBytes()))));
    JsonNode after = Api.status(server);
    assertThat(after.get("running").asBoolean()).isTrue();
    assertThat(after.get("budgetMs").isNull()).isTrue();
    assertThat(after.at("/plan/byHand").asBoolean()).isFalse();
    assertThat(after.at("/processors/1/availability/online").asBoolean()).isTrue();
    // the controller may re-plan on its own meanwhile; no switch was made by hand
    assertThat(Api.json(call("GET", "/api/v1/decisions", null, null)).findValuesAsText("trigger"))
        .doesNotContain("by-hand");
    assertThat(before.at("/plan/byHand").asBoolean()).isFalse();
  }

  private static void assertUnauthorized(HttpResponse<String> r) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(401);
    assertThat(r.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
    assertThat(Api.json(r).get("field").asText()).isEqualTo("Authorization");
  }

  /** At least 20 distinct bad requests, each with its status and the field it names, in JSON. */
  static Stream<Object[]> badRequests() {
    String big = "{\"split\":\"" + "x".repeat(WebServer.MAX_BODY_BYTES) + "\"}";
    return Stream.of(
        new Object[] {"GET", "/api/v1/nope", null, TOKEN, Map.of(), 404, "path"},
        new Object[] {"GET", "/api", null, null, Map.of(), 404, "path"},
        new Object[] {"DELETE", "/api/v1/status", null, TOKEN, Map.of(), 405, "method"},
        new Object[] {"GET", "/api/v1/plan", null, null, Map.of(), 405, "method"},
        new Object[] {"POST", "/api/v1/budget", "{\"budgetMs\":5}", TOKEN, Map.of(), 405, "method"},
        new Object[] {"PUT", "/api/v1/drain", null, TOKEN, Map.of(), 405, "method"},
        new Object[] {"POST", "/api/v1/plan", "{\"split\":", TOKEN, Map.of(), 400, "body"},
        new Object[] {"POST", "/api/v1/plan", "", TOKEN, Map.of(), 400, "body"},
        new Object[] {"POST", "/api/v1/plan", "[\"auto\"]", TOKEN, Map.of(), 400, "body"},
        new Object[] {"POST", "/api/v1/plan", "{\"split\":\"auto\"} trailing", TOKEN, Map.of(), 400, "body"},
        new Object[] {"POST", "/api/v1/plan", "{\"split\":\"auto\",\"force\":true}", TOKEN, Map.of(), 400, "force"},
        new Object[] {"POST", "/api/v1/plan", "{}", TOKEN, Map.of(), 400, "split"},
        new Object[] {"POST", "/api/v1/plan", "{\"split\":\"0:tpu\"}", TOKEN, Map.of(), 400, "split"},
        new Object[] {"POST", "/api/v1/plan", "{\"split\":[1]}", TOKEN, Map.of(), 400, "split"},
        new Object[] {"PUT", "/api/v1/processors/gpu/availability", "{\"share\":1.5}", TOKEN, Map.of(), 400, "share"},
        new Object[] {"PUT", "/api/v1/processors/gpu/availability", "{\"share\":\"half\"}", TOKEN, Map.of(), 400,
            "share"},
        new Object[] {"PUT", "/api/v1/processors/gpu/availability", "{\"throttle\":0}", TOKEN, Map.of(), 400,
            "throttle"},
        new Object[] {"PUT", "/api/v1/processors/gpu/availability", "{\"online\":\"no\"}", TOKEN, Map.of(), 400,
            "online"},
        new Object[] {"PUT", "/api/v1/processors/gpu/availability", "{}", TOKEN, Map.of(), 400, "share"},
        new Object[] {"PUT", "/api/v1/processors/tpu/availability", "{\"share\":0.5}", TOKEN, Map.of(), 404, "id"},
        new Object[] {"PUT", "/api/v1/budget", "{\"budgetMs\":-5}", TOKEN, Map.of(), 400, "budgetMs"},
        new Object[] {"PUT", "/api/v1/budget", "{\"budget\":\"50ms\"}", TOKEN, Map.of(), 400, "budget"},
        new Object[] {"PUT", "/api/v1/budget", "{\"budgetMs\":5}", TOKEN, Map.of("Content-Type", "text/plain"), 415,
            "Content-Type"},
        new Object[] {"POST", "/api/v1/plan", big, TOKEN, Map.of(), 413, "body"},
        new Object[] {"GET", "/api/v1/status", null, null, Map.of("X-Padding", "p".repeat(WebServer.MAX_HEADER_BYTES)),
            431, ""},
        new Object[] {"POST", "/api/v1/plan", "{\"split\":\"auto\"}", "not-the-token-at-all", Map.of(), 401,
            "Authorization"});
  }

  @Test
  @Order(4)
  void badRequestsGetTheRightStatusAndAJsonErrorNamingTheField() {
    List<Object[]> cases = badRequests().toList();
    assertThat(cases).hasSizeGreaterThanOrEqualTo(20);
    for (Object[] c : cases) {
      @SuppressWarnings("unchecked")
      Map<String, String> headers = (Map<String, String>) c[4];
      HttpResponse<String> r = Api.send(server, (String) c[0], (String) c[1], (String) c[2], (String) c[3], headers);
      String what = c[0] + " " + c[1] + " " + (c[2] == null ? "" : ((String) c[2]).substring(0,
          Math.min(40, ((String) c[2]).length()))) + " -> " + r.body();
      assertThat(r.statusCode()).as(what).isEqualTo((int) c[5]);
      assertThat(r.headers().firstValue("Content-Type")).as(what).hasValue("application/json");
      JsonNode e = Api.json(r);
      assertThat(e.get("status").asInt()).as(what).isEqualTo((int) c[5]);
      assertThat(e.get("field").asText()).as(what).isEqualTo((String) c[6]);
      assertThat(e.get("message").asText()).as(what).isNotBlank();
      assertThat(e.get("error").asText()).as(what).isNotBlank();
    }
    assertThat(Api.status(server).get("running").asBoolean()).isTrue();
  }

  @Test
  @Order(5)
  void decisionsAndEventsAnswer() throws Exception {
    HttpResponse<String> d = call("GET", "/api/v1/decisions", null, null);
    assertThat(d.statusCode()).isEqualTo(200);
    assertThat(Api.json(d).isArray()).isTrue();

    HttpRequest req = HttpRequest.newBuilder(URI.create(server.baseUri() + "/api/v1/events"))
        .timeout(Duration.ofSeconds(30)).build();
    HttpResponse<Stream<String>> sse = Api.CLIENT.send(req, HttpResponse.BodyHandlers.ofLines());
    assertThat(sse.statusCode()).isEqualTo(200);
    assertThat(sse.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
    List<String> events = new ArrayList<>();
    try (Stream<String> lines = sse.body()) {
      Iterator<String> it = lines.iterator();
      while (events.size() < 3 && it.hasNext()) {
        String line = it.next();
        if (line.startsWith("event: ")) {
          events.add(line.substring(7));
        } else if (line.startsWith("data: ")) {
          assertThat(Api.JSON.readTree(line.substring(6)).has("status")).isTrue();
        }
      }
    }
    assertThat(events).containsExactly("history", "status", "status");
  }

  @Test
  @Order(6)
  void availabilityOfAnEmulatedProcessorIsTheScenarioKnob() {
    HttpResponse<String> r = call("PUT", "/api/v1/processors/gpu/availability", "{\"share\":0.5,\"throttle\":0.8}",
        TOKEN);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(Api.json(r).at("/availability/share").asDouble()).isEqualTo(0.5);
    JsonNode gpu = Api.status(server).at("/processors/1");
    assertThat(gpu.get("id").asText()).isEqualTo("gpu");
    assertThat(gpu.at("/availability/share").asDouble()).isEqualTo(0.5);
    assertThat(gpu.at("/availability/throttle").asDouble()).isEqualTo(0.8);
    assertThat(gpu.at("/availability/online").asBoolean()).isTrue();
    assertThat(call("PUT", "/api/v1/processors/gpu/availability", "{\"share\":1,\"throttle\":1}", TOKEN).statusCode())
        .isEqualTo(200);
  }

  @Test
  @Order(7)
  void budgetIsSetAndCleared() {
    HttpResponse<String> r = call("PUT", "/api/v1/budget", "{\"budgetMs\":80}", TOKEN);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(Api.status(server).get("budgetMs").asDouble()).isEqualTo(80.0);
    assertThat(call("PUT", "/api/v1/budget", "{\"budgetMs\":null}", TOKEN).statusCode()).isEqualTo(200);
    assertThat(Api.status(server).get("budgetMs").isNull()).isTrue();
  }

  @Test
  @Order(8)
  void aPlanByHandHoldsUntilAuto() {
    // the first holds the plan (the controller stops re-planning), so the second is surely a switch
    HttpResponse<String> hold = call("POST", "/api/v1/plan", "{\"split\":\"0:cpu\"}", TOKEN);
    assertThat(hold.statusCode()).as(hold.body()).isEqualTo(200);
    String target = "0:cpu+gpu+npu";
    HttpResponse<String> r = call("POST", "/api/v1/plan", "{\"split\":\"" + target + "\"}", TOKEN);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(Api.json(r).get("plan").asText()).isEqualTo(target);
    JsonNode s = Api.status(server);
    assertThat(s.at("/plan/label").asText()).isEqualTo(target);
    assertThat(s.at("/plan/byHand").asBoolean()).isTrue();
    JsonNode decisions = Api.json(call("GET", "/api/v1/decisions", null, null));
    JsonNode last = decisions.get(decisions.size() - 1);
    assertThat(last.get("trigger").asText()).isEqualTo("by-hand");
    assertThat(last.get("newPlan").asText()).isEqualTo(target);

    HttpResponse<String> auto = call("POST", "/api/v1/plan", "{\"split\":\"auto\"}", TOKEN);
    assertThat(auto.statusCode()).as(auto.body()).isEqualTo(200);
    assertThat(Api.status(server).at("/plan/byHand").asBoolean()).isFalse();
  }

  @Test
  @Order(9)
  void aThousandRequestsWhileFramesKeepFlowing() {
    long before = Api.status(server).at("/ledger/completed").asLong();
    long t0 = System.nanoTime();
    int ok = 0;
    for (int i = 0; i < 1000; i++) {
      HttpResponse<String> r = switch (i % 4) {
        case 0 -> call("GET", "/api/v1/status", null, null);
        case 1 -> call("GET", "/api/v1/decisions", null, null);
        case 2 -> call("PUT", "/api/v1/processors/npu/availability",
            "{\"share\":" + (i % 8 == 2 ? "0.9" : "1.0") + "}", TOKEN);
        default -> call("GET", "/metrics", null, null);
      };
      if (r.statusCode() == 200) {
        ok++;
      }
    }
    assertThat(ok).isEqualTo(1000);
    long after = Api.status(server).at("/ledger/completed").asLong();
    double seconds = (System.nanoTime() - t0) / 1e9;
    System.out.printf(java.util.Locale.ROOT, "1000 API requests in %.2f s (%.0f/s); frames completed meanwhile: %d"
        + " (%.1f frames/s)%n", seconds, 1000 / seconds, after - before, (after - before) / seconds);
    assertThat(after).as("frames completed while the API took 1,000 requests").isGreaterThan(before + 100);
  }

  @Test
  @Order(10)
  void drainEndsTheRunWhoseAuditPasses() throws Exception {
    HttpResponse<String> r = call("POST", "/api/v1/drain", null, TOKEN);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    assertThat(call("GET", "/health/ready", null, null).statusCode()).isEqualTo(503);
    HttpResponse<String> late = call("POST", "/api/v1/plan", "{\"split\":\"auto\"}", TOKEN);
    assertThat(late.statusCode()).isEqualTo(409);
    RunReport report = run.finish();
    assertThat(report.sound()).as(report.audit().summary()).isTrue();
    assertThat(report.ledger().completed()).isGreaterThan(300);
    assertThat(report.adaptation().decisions()).anyMatch(d -> d.trigger().equals("by-hand"));
  }

  @Test
  @Order(5)
  void theOpenApiDocumentDescribesEveryApiPathAndMethodTheServerAnswers() throws Exception {
    JsonNode doc = new com.fasterxml.jackson.databind.ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
        .readTree(java.nio.file.Path.of("..", "docs", "api.yaml").toFile());
    assertThat(doc.get("openapi").asText()).startsWith("3.");
    JsonNode paths = doc.get("paths");
    ControlApi api = new ControlApi(null, null); // its routes only; nothing is served
    List<WebServer.Route> routes = api.routes();
    api.close();
    for (WebServer.Route r : routes) {
      String path = r.path().pattern().replace("\\Q", "").replace("\\E", "").replace("([^/]+)", "{id}");
      assertThat(paths.has(path)).as(path).isTrue();
      assertThat(paths.get(path).has(r.method().toLowerCase(java.util.Locale.ROOT))).as(r.method() + " " + path).isTrue();
      if (r.mutating()) {
        assertThat(paths.get(path).get(r.method().toLowerCase(java.util.Locale.ROOT)).has("security")).as(path).isTrue();
      }
    }
    assertThat(paths.has("/health/live")).isTrue();
    assertThat(paths.has("/health/ready")).isTrue();
  }

  private static void awaitCompletedAbove(long n) {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (Api.status(server).at("/ledger/completed").asLong() <= n) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("fewer than " + n + " frames completed in 60 s");
      }
      Thread.onSpinWait();
    }
  }
}
