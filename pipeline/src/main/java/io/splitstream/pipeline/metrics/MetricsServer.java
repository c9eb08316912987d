package io.splitstream.pipeline.metrics;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.splitstream.devices.SplitstreamException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.ChannelBindException;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * The HTTP endpoint Prometheus scrapes, a reactor-netty server on 127.0.0.1:
 *
 * <ul>
 *   <li>{@code GET /metrics}: the registry in OpenMetrics 1.0.0 when the Accept header asks for
 *       {@code application/openmetrics-text}, otherwise in Prometheus text 0.0.4;
 *   <li>{@code GET /healthz}: 200 {@code ok};
 *   <li>{@code GET /}: a short index of the above; anything else is 404.
 * </ul>
 *
 * <p>Nothing blocks an event loop: a scrape is serialised on {@link Schedulers#boundedElastic()}.
 * Before each scrape the {@code beforeScrape} hook runs on that thread (pass {@link
 * PipelineMetrics#refresh()} so new shed and failure reasons show up in the same scrape); if it
 * throws, that scrape answers 500 and the server keeps serving.
 *
 * <p>Lifecycle: {@link #bind} binds without blocking and {@link #stop()} unbinds without blocking,
 * for a pipeline that composes its start and stop; {@link #start} and {@link #close()} are their
 * waiting forms for the CLI ({@link #close()} waits at most {@link #CLOSE_TIMEOUT} for open
 * connections). Thread-safe.
 */
public final class MetricsServer implements AutoCloseable {
  /** The loopback address the server binds; it is not meant to be reachable from elsewhere. */
  public static final String HOST = "127.0.0.1";

  /** The longest {@link #close()} waits for open connections. */
  public static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

  /** The longest {@link #start} waits for the bind. */
  public static final Duration START_TIMEOUT = Duration.ofSeconds(30);

  static final String INDEX =
      "Splitstream metrics\n"
          + "/metrics  Prometheus text 0.0.4, or OpenMetrics 1.0.0 when the Accept header asks\n"
          + "/healthz  ok while the process serves\n";

  private final DisposableServer server;

  private MetricsServer(DisposableServer server) {
    this.server = server;
  }

  /**
   * Binds a server for {@code registry} on {@code port} of 127.0.0.1 (0 picks a free port) and
   * emits it once it listens.
   *
   * @return a Mono that fails with {@link SplitstreamException} when the port is taken or out of
   *     range
   */
  public static Mono<MetricsServer> bind(
      PrometheusMeterRegistry registry, int port, Runnable beforeScrape) {
    Objects.requireNonNull(registry, "registry");
    Objects.requireNonNull(beforeScrape, "beforeScrape");
    if (port < 0 || port > 65535) {
      return Mono.error(
          new SplitstreamException(
              "metrics port "
                  + port
                  + " is out of range: choose 1..65535 with --metrics-port, or 0 for a free one"));
    }
    Scraper scraper = new Scraper(registry, beforeScrape);
    return HttpServer.create()
        .host(HOST)
        .port(port)
        .route(
            routes ->
                routes
                    .get("/metrics", scraper::handle)
                    .get("/healthz", (req, res) -> text(res, "ok\n"))
                    .get("/", (req, res) -> text(res, INDEX)))
        .bind()
        .map(MetricsServer::new)
        .onErrorMap(
            ChannelBindException.class,
            e ->
                new SplitstreamException(
                    "port "
                        + port
                        + " on "
                        + HOST
                        + " is in use: choose another with --metrics-port or stop the process"
                        + " holding it",
                    e));
  }

  /** {@link #bind} with no hook before scrapes. */
  public static Mono<MetricsServer> bind(PrometheusMeterRegistry registry, int port) {
    return bind(registry, port, () -> {});
  }

  /**
   * Binds and waits, at most {@link #START_TIMEOUT}, until the server listens.
   *
   * @throws SplitstreamException when the port is taken or out of range
   */
  public static MetricsServer start(
      PrometheusMeterRegistry registry, int port, Runnable beforeScrape) {
    return Objects.requireNonNull(
        bind(registry, port, beforeScrape).block(START_TIMEOUT), "bound server");
  }

  /** {@link #start(PrometheusMeterRegistry, int, Runnable)} with no hook before scrapes. */
  public static MetricsServer start(PrometheusMeterRegistry registry, int port) {
    return start(registry, port, () -> {});
  }

  /** The port the server listens on; the one the system chose when started with port 0. */
  public int port() {
    return server.port();
  }

  /** {@code http://127.0.0.1:<port>}, the base of every path this server answers. */
  public String baseUri() {
    return "http://" + HOST + ":" + port();
  }

  /**
   * Unbinds without blocking; the Mono completes once the server and its connections are closed.
   * Idempotent.
   */
  public Mono<Void> stop() {
    return Mono.defer(
        () -> {
          server.dispose();
          return server.onDispose();
        });
  }

  /** Unbinds and waits up to {@link #CLOSE_TIMEOUT} for open connections. Idempotent. */
  @Override
  public void close() {
    if (!server.isDisposed()) {
      server.disposeNow(CLOSE_TIMEOUT);
    }
  }

  private static Mono<Void> text(HttpServerResponse res, String body) {
    return res.header(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
        .sendString(Mono.just(body), StandardCharsets.UTF_8)
        .then();
  }

  /** Serialises the registry in the format the request asks for. */
  private static final class Scraper {
    private final PrometheusMeterRegistry registry;
    private final Runnable beforeScrape;
    private final ExpositionFormats formats = ExpositionFormats.init();

    Scraper(PrometheusMeterRegistry registry, Runnable beforeScrape) {
      this.registry = registry;
      this.beforeScrape = beforeScrape;
    }

    Mono<Void> handle(HttpServerRequest req, HttpServerResponse res) {
      String accept = req.requestHeaders().get(HttpHeaderNames.ACCEPT);
      ExpositionFormatWriter writer = ExpositionFormat.negotiate(accept).writer(formats);
      return Mono.fromCallable(() -> scrape(writer, accept))
          .subscribeOn(Schedulers.boundedElastic())
          .flatMap(
              body ->
                  res.header(HttpHeaderNames.CONTENT_TYPE, writer.getContentType())
                      .sendByteArray(Mono.just(body))
                      .then());
    }

    private byte[] scrape(ExpositionFormatWriter writer, String accept) throws IOException {
      beforeScrape.run();
      ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
      writer.write(
          out, registry.getPrometheusRegistry().scrape(), EscapingScheme.fromAcceptHeader(accept));
      return out.toByteArray();
    }
  }
}
