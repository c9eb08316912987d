package io.splitstream.pipeline.server;

import static io.splitstream.pipeline.server.WebServer.json;
import static io.splitstream.pipeline.server.WebServer.route;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.splitstream.devices.processor.Availability;
import io.splitstream.pipeline.RunControl;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The control API, version 1, as routes of a {@link WebServer}; {@code docs/api.yaml} is its
 * OpenAPI description. Reads: {@code GET /api/v1/status}, {@code GET /api/v1/decisions}, {@code GET
 * /api/v1/history} (the live page's charts so far) and {@code GET /api/v1/events} (the same, then
 * updates, as Server-Sent Events). Changes, each needing the bearer token:
 * {@code POST /api/v1/plan}, {@code PUT /api/v1/processors/{id}/availability}, {@code PUT
 * /api/v1/budget}, {@code POST /api/v1/drain}. Bodies are JSON objects; an unknown field, a value
 * of the wrong type or out of range answers 400 naming the field.
 */
final class ControlApi {
  /** {@code POST /api/v1/plan}: {@code auto} or a split string. */
  record PlanRequest(String split) {}

  /** {@code PUT /api/v1/processors/{id}/availability}: absent fields keep their value. */
  record AvailabilityRequest(Double share, Double throttle, Boolean online) {}

  /** {@code PUT /api/v1/budget}: milliseconds, or null for none. */
  record BudgetRequest(Double budgetMs) {}

  private static final ObjectMapper STRICT = new ObjectMapper()
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .disable(com.fasterxml.jackson.databind.MapperFeature.ALLOW_COERCION_OF_SCALARS);

  private final RunControl control;
  private final LiveFeed feed;

  ControlApi(RunControl control, io.micrometer.core.instrument.MeterRegistry registry) {
    this.control = control;
    this.feed = new LiveFeed(control, registry);
  }

  /** Stops the live feed's sampling and ends the pages' event streams. */
  void close() {
    feed.close();
  }

  List<WebServer.Route> routes() {
    return List.of(
        WebServer.get("/api/v1/status", call -> blocking(() -> json(200, control.status()))),
        WebServer.get("/api/v1/decisions", call -> blocking(() -> json(200, control.decisions()))),
        WebServer.get("/api/v1/history", call -> blocking(() -> json(200, feed.history()))),
        WebServer.get("/api/v1/events", call -> Mono.just(new WebServer.Reply(200, "", null, feed.events(),
            Map.of()))),
        route("POST", "/api/v1/plan", true, true, call -> {
          PlanRequest r = parse(call.body(), PlanRequest.class);
          if (r.split() == null) {
            throw new ApiError(400, "split", "split is missing: give {\"split\": \"auto\"} or a split such as"
                + " {\"split\": \"0:cpu,37:npu\"}");
          }
          return Mono.fromCallable(() -> control.plan(r.split()))
              .subscribeOn(Schedulers.boundedElastic())
              .flatMap(m -> m)
              .timeout(Duration.ofSeconds(30))
              .map(label -> json(200, Map.of("plan", label, "byHand", !r.split().trim().equalsIgnoreCase("auto"))))
              .onErrorMap(RunControl.Refused.class, ControlApi::refused);
        }),
        route("PUT", "/api/v1/processors/{id}/availability", true, true, call -> {
          AvailabilityRequest r = parse(call.body(), AvailabilityRequest.class);
          String id = call.params().get("id");
          return blocking(() -> {
            Availability.State s = control.availability(id, Optional.ofNullable(r.share()),
                Optional.ofNullable(r.throttle()), Optional.ofNullable(r.online()));
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("processor", id);
            body.put("availability", s);
            body.put("emulated", true);
            return json(200, body);
          });
        }),
        route("PUT", "/api/v1/budget", true, true, call -> {
          BudgetRequest r = parse(call.body(), BudgetRequest.class);
          if (r.budgetMs() != null && (!Double.isFinite(r.budgetMs()) || r.budgetMs() <= 0)) {
            throw new ApiError(400, "budgetMs", "budgetMs " + r.budgetMs()
                + " is not a positive number of milliseconds: give e.g. 50, or null for none");
          }
          Optional<Duration> b = Optional.ofNullable(r.budgetMs()).map(ms -> Duration.ofNanos(Math.round(ms * 1e6)));
          return blocking(() -> {
            control.budget(b);
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("budgetMs", r.budgetMs());
            return json(200, body);
          });
        }),
        route("POST", "/api/v1/drain", true, false, call -> blocking(() -> {
          control.drain();
          return json(202, Map.of("draining", true));
        })));
  }

  private static Mono<WebServer.Reply> blocking(java.util.concurrent.Callable<WebServer.Reply> work) {
    return Mono.fromCallable(work).subscribeOn(Schedulers.boundedElastic())
        .onErrorMap(RunControl.Refused.class, ControlApi::refused);
  }

  private static ApiError refused(RunControl.Refused e) {
    int status = switch (e.kind()) {
      case BAD_VALUE -> 400;
      case NOT_FOUND -> 404;
      case CONFLICT -> 409;
    };
    return new ApiError(status, e.field(), e.getMessage());
  }

  /** Parses a JSON object body strictly; every way it can be wrong is a 400 naming the field. */
  static <T> T parse(byte[] body, Class<T> type) {
    if (body.length == 0) {
      throw new ApiError(400, "body", "the body is empty: send a JSON object (see docs/api.yaml)");
    }
    try {
      T value = STRICT.readValue(body, type);
      if (value == null) {
        throw new ApiError(400, "body", "the body is null: send a JSON object (see docs/api.yaml)");
      }
      return value;
    } catch (UnrecognizedPropertyException e) {
      String known = e.getKnownPropertyIds() == null ? "" : e.getKnownPropertyIds().stream().map(String::valueOf)
          .sorted().collect(Collectors.joining(", "));
      throw new ApiError(400, e.getPropertyName(), "unknown field '" + e.getPropertyName() + "': this call takes "
          + known);
    } catch (JsonMappingException e) {
      String field = e.getPath().isEmpty() || e.getPath().get(0).getFieldName() == null ? "body"
          : e.getPath().get(0).getFieldName();
      throw new ApiError(400, field, field.equals("body") ? "the body is not a JSON object of this call's fields"
          + " (see docs/api.yaml)" : "field '" + field + "' has a value of the wrong type: " + e.getOriginalMessage());
    } catch (JsonProcessingException e) {
      throw new ApiError(400, "body", "the body is not well-formed JSON (line " + e.getLocation().getLineNr()
          + ", column " + e.getLocation().getColumnNr() + "): " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new ApiError(400, "body", "the body cannot be read: " + e.getMessage());
    }
  }
}
