package io.splitstream.pipeline.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.splitstream.devices.SplitstreamException;
import io.splitstream.pipeline.RunControl;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.ChannelBindException;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * The run's one HTTP server (reactor-netty), on 127.0.0.1 unless told otherwise:
 *
 * <ul>
 *   <li>{@code GET /metrics}: the registry in the format the Accept header negotiates (the
 *       Prometheus library's {@link ExpositionFormats#findWriter}: OpenMetrics when asked for,
 *       else Prometheus text 0.0.4);
 *   <li>{@code GET /health/live} (200 while the process serves) and {@code GET /health/ready} (200
 *       while the run streams, 503 once it drains or ends; 200 for a server without a run);
 *   <li>with a run to control: the live page at {@code /} (its script, style and uPlot from the
 *       jar), and the control API under {@code /api/v1} ({@link ControlApi}); without one, {@code
 *       /} is a short text index.
 * </ul>
 *
 * <p>Every path answers HEAD where it answers GET; a known path asked with another method answers
 * 405 with an {@code Allow} header; an unknown path 404; errors are JSON ({@link ApiError}). Request
 * headers over {@value #MAX_HEADER_BYTES} bytes answer 431, bodies over {@value #MAX_BODY_BYTES}
 * bytes 413. Every mutating call needs {@code Authorization: Bearer TOKEN} (401 otherwise); reads
 * and {@code /metrics} stay open.
 *
 * <p>Nothing blocks an event loop: a scrape and each API call run on {@link
 * Schedulers#boundedElastic()}. Before each scrape the {@code beforeScrape} hook runs (pass {@code
 * PipelineMetrics::refresh}); if it throws, that scrape answers 500 and the server keeps serving.
 * Thread-safe.
 */
public final class WebServer implements AutoCloseable {
  /** The address the server binds unless told otherwise; not reachable from elsewhere. */
  public static final String LOOPBACK = "127.0.0.1";

  /** The longest {@link #close()} waits for open connections. */
  public static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

  /** The longest {@link #start} waits for the bind. */
  public static final Duration START_TIMEOUT = Duration.ofSeconds(30);

  /** The largest request body accepted. */
  public static final int MAX_BODY_BYTES = 16 * 1024;

  /** The largest total of request header names and values accepted. */
  public static final int MAX_HEADER_BYTES = 8 * 1024;

  static final String INDEX =
      "Splitstream metrics\n"
          + "/metrics       Prometheus text 0.0.4, or OpenMetrics 1.0.0 when the Accept header asks\n"
          + "/health/live   200 while the process serves\n"
          + "/health/ready  200 while the run streams\n";

  static final String UPLOT = "/webjars/uplot/1.6.30/dist/";

  /**
   * What to serve and where.
   *
   * @param host the address to bind; {@link #LOOPBACK} unless a person asked otherwise
   * @param port 0 picks a free one
   * @param control the run to show and steer; empty for a metrics-only server
   * @param token the bearer token mutating calls need; required with a control
   * @param web whether {@code /} serves the live page (with a control)
   */
  public record Config(String host, int port, PrometheusMeterRegistry registry, Runnable beforeScrape,
      Optional<RunControl> control, Optional<String> token, boolean web) {
    public Config {
      Objects.requireNonNull(host, "host");
      Objects.requireNonNull(registry, "registry");
      Objects.requireNonNull(beforeScrape, "beforeScrape");
      Objects.requireNonNull(control, "control");
      Objects.requireNonNull(token, "token");
      if (control.isPresent() && token.map(String::isBlank).orElse(true)) {
        throw new IllegalArgumentException("a server with a run to control needs a token");
      }
    }

    /** A metrics-only server on loopback. */
    public static Config metricsOnly(PrometheusMeterRegistry registry, int port, Runnable beforeScrape) {
      return new Config(LOOPBACK, port, registry, beforeScrape, Optional.empty(), Optional.empty(), false);
    }
  }

  /** What a handler answers: a body, or a stream of Server-Sent Events. */
  record Reply(int status, String contentType, byte[] body, Flux<String> events, Map<String, String> headers) {
    static Reply of(int status, String contentType, byte[] body) {
      return new Reply(status, contentType, body, null, Map.of());
    }

    static Reply text(String body) {
      return of(200, "text/plain; charset=utf-8", body.getBytes(StandardCharsets.UTF_8));
    }
  }

  /** One request as a handler sees it: path parameters and, for calls with a body, the body. */
  record Call(HttpServerRequest request, Map<String, String> params, byte[] body) {}

  @FunctionalInterface
  interface Handler {
    Mono<Reply> handle(Call call);
  }

  /**
   * One path and method. {@code mutating} calls need the token; {@code takesBody} calls read a JSON
   * body (415 unless its type is JSON).
   */
  record Route(String method, Pattern path, List<String> params, boolean mutating, boolean takesBody,
      Handler handler) {}

  static final ObjectMapper JSON = new ObjectMapper();

  private final DisposableServer server;
  private final String host;
  private final Runnable onClose;

  private WebServer(DisposableServer server, String host, Runnable onClose) {
    this.server = server;
    this.host = host;
    this.onClose = onClose;
  }

  /**
   * Binds and emits the server once it listens.
   *
   * @return a Mono that fails with {@link SplitstreamException} when the port is taken or out of
   *     range, or the address is not one of this host's
   */
  public static Mono<WebServer> bind(Config c) {
    if (c.port() < 0 || c.port() > 65535) {
      return Mono.error(new SplitstreamException("metrics port " + c.port()
          + " is out of range: choose 1..65535 with --metrics-port, or 0 for a free one"));
    }
    InetAddress address;
    try {
      address = InetAddress.getByName(c.host());
    } catch (UnknownHostException e) {
      return Mono.error(new SplitstreamException("--bind '" + c.host()
          + "' is not an address of this host: give an IP address such as 127.0.0.1", e));
    }
    Optional<ControlApi> api = c.control().map(control -> new ControlApi(control, c.registry()));
    List<Route> routes = routes(c, api);
    Runnable onClose = () -> api.ifPresent(ControlApi::close);
    return HttpServer.create()
        .host(address.getHostAddress())
        .port(c.port())
        // Netty refuses beyond this without a body we control; below it, handle() answers 431 in JSON
        .httpRequestDecoder(spec -> spec.maxHeaderSize(8 * MAX_HEADER_BYTES))
        .handle((req, res) -> dispatch(routes, c.token(), req, res))
        .bind()
        .map(s -> new WebServer(s, address.getHostAddress(), onClose))
        .doOnError(e -> onClose.run())
        .onErrorMap(ChannelBindException.class, e -> new SplitstreamException("port " + c.port() + " on "
            + c.host() + " is in use: choose another with --metrics-port or stop the process holding it", e));
  }

  /** Binds and waits, at most {@link #START_TIMEOUT}, until the server listens. */
  public static WebServer start(Config c) {
    return Objects.requireNonNull(bind(c).block(START_TIMEOUT), "bound server");
  }

  /** The port the server listens on. */
  public int port() {
    return server.port();
  }

  /** {@code http://HOST:PORT}, the base of every path this server answers. */
  public String baseUri() {
    return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port();
  }

  /** Unbinds without blocking; completes once the server and its connections are closed. */
  public Mono<Void> stop() {
    return Mono.defer(() -> {
      onClose.run();
      server.dispose();
      return server.onDispose();
    });
  }

  /** Unbinds and waits up to {@link #CLOSE_TIMEOUT} for open connections. Idempotent. */
  @Override
  public void close() {
    onClose.run();
    if (!server.isDisposed()) {
      server.disposeNow(CLOSE_TIMEOUT);
    }
  }

  private static List<Route> routes(Config c, Optional<ControlApi> api) {
    List<Route> r = new ArrayList<>();
    Scraper scraper = new Scraper(c.registry(), c.beforeScrape());
    r.add(get("/metrics", scraper::handle));
    r.add(get("/health/live", call -> Mono.just(json(200, Map.of("status", "live")))));
    r.add(get("/health/ready", call -> {
      boolean ready = c.control().map(RunControl::running).orElse(true);
      return Mono.just(json(ready ? 200 : 503, Map.of("status", ready ? "ready" : "not ready",
          "message", ready ? "the run streams" : "the run has drained or ended")));
    }));
    if (c.control().isPresent() && c.web()) {
      r.add(get("/", call -> resource("web/index.html", "text/html; charset=utf-8")));
      r.add(get("/app.js", call -> resource("web/app.js", "text/javascript; charset=utf-8")));
      r.add(get("/app.css", call -> resource("web/app.css", "text/css; charset=utf-8")));
      r.add(get(UPLOT + "uPlot.iife.min.js",
          call -> webjar("uPlot.iife.min.js", "text/javascript; charset=utf-8")));
      r.add(get(UPLOT + "uPlot.min.css", call -> webjar("uPlot.min.css", "text/css; charset=utf-8")));
    } else {
      r.add(get("/", call -> Mono.just(Reply.text(INDEX))));
    }
    api.ifPresent(a -> r.addAll(a.routes()));
    return r;
  }

  static Route get(String path, Handler h) {
    return route("GET", path, false, false, h);
  }

  /** A route; {@code {name}} in {@code path} matches one path segment, handed to the handler. */
  static Route route(String method, String path, boolean mutating, boolean takesBody, Handler h) {
    List<String> params = new ArrayList<>();
    Matcher m = Pattern.compile("\\{([a-z]+)}").matcher(path);
    StringBuilder regex = new StringBuilder();
    int last = 0;
    while (m.find()) {
      regex.append(Pattern.quote(path.substring(last, m.start()))).append("([^/]+)");
      params.add(m.group(1));
      last = m.end();
    }
    regex.append(Pattern.quote(path.substring(last)));
    return new Route(method, Pattern.compile(regex.toString()), params, mutating, takesBody, h);
  }

  private static Mono<Void> dispatch(List<Route> routes, Optional<String> token, HttpServerRequest req,
      HttpServerResponse res) {
    Mono<Reply> reply;
    boolean head = req.method().equals(HttpMethod.HEAD);
    try {
      reply = answer(routes, token, req, head);
    } catch (ApiError e) {
      reply = Mono.just(error(e));
    }
    return reply
        .onErrorResume(ApiError.class, e -> Mono.just(error(e)))
        .onErrorResume(e -> !(e instanceof ApiError), e -> Mono.just(error(new ApiError(500, "",
            "internal failure (a bug): " + e))))
        .flatMap(r -> send(res, r, head));
  }

  private static Mono<Reply> answer(List<Route> routes, Optional<String> token, HttpServerRequest req, boolean head) {
    int headerBytes = 0;
    for (Map.Entry<String, String> h : req.requestHeaders()) {
      headerBytes += h.getKey().length() + h.getValue().length() + 4;
    }
    if (headerBytes > MAX_HEADER_BYTES) {
      throw new ApiError(431, "", "request headers take " + headerBytes + " bytes, over the limit of "
          + MAX_HEADER_BYTES + ": send fewer or shorter headers");
    }
    String path = req.fullPath().isEmpty() ? "/" : req.fullPath();
    String method = head ? "GET" : req.method().name();
    List<Route> onPath = new ArrayList<>();
    Matcher found = null;
    Route chosen = null;
    for (Route r : routes) {
      Matcher m = r.path().matcher(path);
      if (m.matches()) {
        onPath.add(r);
        if (r.method().equals(method) && chosen == null) {
          chosen = r;
          found = m;
        }
      }
    }
    if (onPath.isEmpty()) {
      throw new ApiError(404, "path", "no resource at " + path + ": see / for what this server answers"
          + " (the API is described in docs/api.yaml)");
    }
    if (chosen == null) {
      String allow = onPath.stream().map(Route::method).distinct()
          .flatMap(m -> m.equals("GET") ? java.util.stream.Stream.of("GET", "HEAD") : java.util.stream.Stream.of(m))
          .collect(Collectors.joining(", "));
      throw new ApiError(405, "method", req.method().name() + " is not allowed on " + path + ": use " + allow,
          allow);
    }
    Map<String, String> params = new LinkedHashMap<>();
    for (int i = 0; i < chosen.params().size(); i++) {
      params.put(chosen.params().get(i), java.net.URLDecoder.decode(found.group(i + 1), StandardCharsets.UTF_8));
    }
    if (chosen.mutating()) {
      authorize(token, req.requestHeaders().get(HttpHeaderNames.AUTHORIZATION));
    }
    Route r = chosen;
    if (!r.takesBody()) {
      return req.receive().then(Mono.defer(() -> r.handler().handle(new Call(req, params, new byte[0]))));
    }
    String type = req.requestHeaders().get(HttpHeaderNames.CONTENT_TYPE);
    if (type == null || !type.toLowerCase(java.util.Locale.ROOT).trim().startsWith("application/json")) {
      throw new ApiError(415, "Content-Type", "the body must be JSON: send Content-Type: application/json"
          + (type == null ? "" : " (got " + type + ")"));
    }
    String length = req.requestHeaders().get(HttpHeaderNames.CONTENT_LENGTH);
    if (length != null && parseLength(length) > MAX_BODY_BYTES) {
      throw new ApiError(413, "body", "the body of " + length + " bytes is over the limit of " + MAX_BODY_BYTES
          + " bytes: send a smaller one");
    }
    return req.receive().asByteArray()
        .reduce(new ByteArrayOutputStream(), (out, chunk) -> {
          if (out.size() + chunk.length > MAX_BODY_BYTES) {
            throw new ApiError(413, "body", "the body is over the limit of " + MAX_BODY_BYTES
                + " bytes: send a smaller one");
          }
          out.writeBytes(chunk);
          return out;
        })
        .map(ByteArrayOutputStream::toByteArray)
        .flatMap(body -> r.handler().handle(new Call(req, params, body)));
  }

  private static long parseLength(String length) {
    try {
      return Long.parseLong(length.trim());
    } catch (NumberFormatException e) {
      throw new ApiError(400, "Content-Length", "Content-Length '" + length + "' is not a number of bytes");
    }
  }

  private static void authorize(Optional<String> token, String header) {
    String expected = token.orElseThrow(() -> new ApiError(401, "Authorization", "this server takes no changes"));
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      throw new ApiError(401, "Authorization", "a change needs Authorization: Bearer TOKEN, with the token given"
          + " by --api-token or written to the file the run printed");
    }
    byte[] given = header.substring(7).trim().getBytes(StandardCharsets.UTF_8);
    if (!MessageDigest.isEqual(given, expected.getBytes(StandardCharsets.UTF_8))) {
      throw new ApiError(401, "Authorization", "the bearer token is wrong: use the one given by --api-token or"
          + " written to the file the run printed");
    }
  }

  private static Mono<Void> send(HttpServerResponse res, Reply r, boolean head) {
    res.status(r.status());
    r.headers().forEach(res::header);
    if (r.events() != null) {
      res.header(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8")
          .header(HttpHeaderNames.CACHE_CONTROL, "no-cache");
      if (head) {
        return res.send();
      }
      return res.sendString(r.events(), StandardCharsets.UTF_8).then();
    }
    res.header(HttpHeaderNames.CONTENT_TYPE, r.contentType());
    res.header(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(r.body().length));
    if (head) {
      return res.send();
    }
    return res.sendByteArray(Mono.just(r.body())).then();
  }

  static Reply error(ApiError e) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("status", e.status);
    body.put("error", HttpResponseStatus.valueOf(e.status).reasonPhrase());
    body.put("field", e.field);
    body.put("message", e.getMessage());
    Reply r = json(e.status, body);
    if (e.status == 405) {
      return new Reply(r.status(), r.contentType(), r.body(), null, Map.of("Allow", e.allow));
    }
    if (e.status == 401) {
      return new Reply(r.status(), r.contentType(), r.body(), null, Map.of("WWW-Authenticate", "Bearer"));
    }
    return r;
  }

  static Reply json(int status, Object value) {
    try {
      return Reply.of(status, "application/json", JSON.writeValueAsBytes(value));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Mono<Reply> resource(String name, String type) {
    return classpath("io/splitstream/pipeline/server/" + name, type);
  }

  private static Mono<Reply> webjar(String name, String type) {
    return classpath("META-INF/resources" + UPLOT + name, type);
  }

  private static Mono<Reply> classpath(String name, String type) {
    return Mono.fromCallable(() -> {
      try (InputStream in = WebServer.class.getClassLoader().getResourceAsStream(name)) {
        if (in == null) {
          throw new IllegalStateException(name + " is missing from the jar");
        }
        return Reply.of(200, type, in.readAllBytes());
      }
    }).subscribeOn(Schedulers.boundedElastic());
  }

  /** Serialises the registry in the format the request's Accept header negotiates. */
  private static final class Scraper {
    private final PrometheusMeterRegistry registry;
    private final Runnable beforeScrape;
    private final ExpositionFormats formats = ExpositionFormats.init();

    Scraper(PrometheusMeterRegistry registry, Runnable beforeScrape) {
      this.registry = registry;
      this.beforeScrape = beforeScrape;
    }

    Mono<Reply> handle(Call call) {
      String accept = call.request().requestHeaders().get(HttpHeaderNames.ACCEPT);
      ExpositionFormatWriter writer = formats.findWriter(accept);
      return Mono.fromCallable(() -> {
        beforeScrape.run();
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
        writer.write(out, registry.getPrometheusRegistry().scrape(), EscapingScheme.fromAcceptHeader(accept));
        return Reply.of(200, writer.getContentType(), out.toByteArray());
      }).subscribeOn(Schedulers.boundedElastic());
    }
  }
}
