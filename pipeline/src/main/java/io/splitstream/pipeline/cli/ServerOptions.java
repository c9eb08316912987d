package io.splitstream.pipeline.cli;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.pipeline.Runner;
import io.splitstream.pipeline.server.ApiToken;
import io.splitstream.pipeline.server.WebServer;
import java.util.Locale;
import java.util.Optional;
import picocli.CommandLine.Option;

/** The run's HTTP server: port, address, live page and control API token. */
final class ServerOptions {
  /** The port a real-time run serves on when none is given. */
  static final int DEFAULT_PORT = 9464;

  @Option(names = "--metrics-port", description = "port for /metrics, the live page and the control API; 0 picks a free one, -1 serves none (default: " + DEFAULT_PORT + " in real time, none with --simulate: nobody could watch an hour that takes seconds)")
  Integer metricsPort;

  @Option(names = "--bind", defaultValue = WebServer.LOOPBACK, description = "address the server listens on (default: ${DEFAULT-VALUE}, this machine only; another address prints a warning)")
  String bind;

  @Option(names = "--api-token", description = "bearer token the control API's changes need, at least 16 characters (default: one generated at start and written to a file only you can read; its path is printed)")
  String apiToken;

  @Option(names = "--web", defaultValue = "on", description = "on or off: serve the live page at / (default: ${DEFAULT-VALUE})")
  String web;

  /** The port to serve on: the one given, else {@value #DEFAULT_PORT} in real time and none in simulation. */
  int port(boolean simulate) {
    if (metricsPort != null) {
      if (metricsPort < -1 || metricsPort > 65535) {
        throw new SplitstreamException("--metrics-port " + metricsPort
            + " is out of range: choose 1..65535, 0 for a free one, or -1 for none");
      }
      return metricsPort;
    }
    return simulate ? -1 : DEFAULT_PORT;
  }

  /** How the server serves; checked before any work starts. */
  Runner.Serve serve() {
    boolean page = switch (web.trim().toLowerCase(Locale.ROOT)) {
      case "on" -> true;
      case "off" -> false;
      default -> throw new SplitstreamException("--web '" + web + "' is not on or off: give --web on or --web off");
    };
    if (bind.isBlank()) {
      throw new SplitstreamException("--bind is empty: give an address such as 127.0.0.1");
    }
    Optional<String> token = Optional.ofNullable(apiToken);
    token.ifPresent(ApiToken::given); // checks it
    return new Runner.Serve(bind.trim(), token, page, s -> {});
  }
}
