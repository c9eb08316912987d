package io.splitstream.pipeline.metrics;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.splitstream.devices.SplitstreamException;
import io.splitstream.pipeline.server.WebServer;
import java.time.Duration;
import java.util.Objects;
import reactor.core.publisher.Mono;

/**
 * A metrics-only {@link WebServer} on 127.0.0.1: {@code /metrics}, {@code /health/live}, {@code
 * /health/ready} and a text index at {@code /}; no live page, no control API. For a pipeline (or a
 * test) that only exports metrics; a run serves the full {@link WebServer}.
 *
 * <p>Lifecycle: {@link #bind} binds without blocking and {@link #stop()} unbinds without blocking;
 * {@link #start} and {@link #close()} are their waiting forms. Thread-safe.
 */
public final class MetricsServer implements AutoCloseable {
  /** The loopback address the server binds. */
  public static final String HOST = WebServer.LOOPBACK;

  /** The longest {@link #close()} waits for open connections. */
  public static final Duration CLOSE_TIMEOUT = WebServer.CLOSE_TIMEOUT;

  private final WebServer server;

  private MetricsServer(WebServer server) {
    this.server = server;
  }

  /**
   * Binds a server for {@code registry} on {@code port} of 127.0.0.1 (0 picks a free port);
   * {@code beforeScrape} runs before each scrape (pass {@link PipelineMetrics#refresh()}).
   *
   * @return a Mono that fails with {@link SplitstreamException} when the port is taken or out of
   *     range
   */
  public static Mono<MetricsServer> bind(PrometheusMeterRegistry registry, int port, Runnable beforeScrape) {
    Objects.requireNonNull(registry, "registry");
    Objects.requireNonNull(beforeScrape, "beforeScrape");
    return WebServer.bind(WebServer.Config.metricsOnly(registry, port, beforeScrape)).map(MetricsServer::new);
  }

  /** {@link #bind} with no hook before scrapes. */
  public static Mono<MetricsServer> bind(PrometheusMeterRegistry registry, int port) {
    return bind(registry, port, () -> {});
  }

  /** Binds and waits until the server listens. @throws SplitstreamException as {@link #bind} */
  public static MetricsServer start(PrometheusMeterRegistry registry, int port, Runnable beforeScrape) {
    return Objects.requireNonNull(bind(registry, port, beforeScrape).block(WebServer.START_TIMEOUT), "bound server");
  }

  /** {@link #start(PrometheusMeterRegistry, int, Runnable)} with no hook before scrapes. */
  public static MetricsServer start(PrometheusMeterRegistry registry, int port) {
    return start(registry, port, () -> {});
  }

  public int port() {
    return server.port();
  }

  /** {@code http://127.0.0.1:<port>}, the base of every path this server answers. */
  public String baseUri() {
    return server.baseUri();
  }

  /** Unbinds without blocking. Idempotent. */
  public Mono<Void> stop() {
    return server.stop();
  }

  /** Unbinds and waits up to {@link #CLOSE_TIMEOUT} for open connections. Idempotent. */
  @Override
  public void close() {
    server.close();
  }
}
