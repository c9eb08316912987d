package io.splitstream.pipeline.server;

import io.splitstream.devices.onnx.InputShapes;
import io.splitstream.devices.onnx.gen.OnnxModelGenerator;
import io.splitstream.pipeline.RunReport;
import io.splitstream.pipeline.Runner;
import io.splitstream.pipeline.adapt.Controller;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A real-time run of a generated MobileNet on an emulated Snapdragon 855 (or on real processors),
 * started in the background as {@code ./splitstream run} starts one, with its server on a free
 * loopback port; the tests talk to it over HTTP and end it with a drain.
 */
final class LiveRun implements AutoCloseable {
  static final String TOKEN = "test-token-0123456789abcdef";

  final WebServer server;
  final CompletableFuture<RunReport> report = new CompletableFuture<>();
  private final StringWriter output = new StringWriter();
  private final Path dir;

  private LiveRun(Optional<String> soc, List<String> processors, String source, Duration duration) {
    try {
      dir = Files.createTempDirectory("splitstream-live-run");
      Path model = dir.resolve("mobilenet-small.onnx");
      Files.write(model, OnnxModelGenerator.mobileNetV2(OnnxModelGenerator.mobileNetSmall()).toByteArray());
      Runner.Options o = new Runner.Options(model.toString(), InputShapes.none(), source, soc, processors, "auto",
          Optional.of("drop-oldest"), Optional.empty(), Optional.of(duration), 0, false, false, false,
          Optional.empty(), 1, 6, 32, 1, Runner.Adapt.defaults().withMode(Controller.Mode.ADAPTIVE));
      CompletableFuture<WebServer> listening = new CompletableFuture<>();
      Runner.Serve serve = new Runner.Serve(WebServer.LOOPBACK, Optional.of(TOKEN), true, listening::complete);
      Thread t = new Thread(() -> {
        try {
          report.complete(Runner.run(o, new PrintWriter(output, true), serve));
        } catch (Throwable e) {
          report.completeExceptionally(e);
          listening.completeExceptionally(e);
        }
      }, "live-run");
      t.setDaemon(true);
      t.start();
      server = listening.get(120, TimeUnit.SECONDS);
      // the server listens before the pipeline streams: tests start once the status says running
      boolean settled = io.splitstream.pipeline.Eventually.holds(Duration.ofSeconds(120), Duration.ofMillis(50),
          () -> report.isDone() || Api.status(server).path("running").asBoolean());
      if (!settled || report.isDone()) {
        throw new IllegalStateException("the run served but did not start streaming: " + output);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (Exception e) {
      throw new IllegalStateException("the run did not start its server: " + output, e);
    }
  }

  /** On the emulated Snapdragon 855 (CPU, GPU, NPU, all emulated), at 200 frames/s. */
  static LiveRun emulated(Duration duration) {
    return new LiveRun(Optional.of("sd855-pixel4"), List.of(), "paced:200", duration);
  }

  /** On this host's real CPU (ONNX Runtime, one thread), at 20 frames/s. */
  static LiveRun realCpu(Duration duration) {
    return new LiveRun(Optional.empty(), List.of("cpu:1"), "paced:20", duration);
  }

  String output() {
    return output.toString();
  }

  /** Drains the run (if it still streams) and waits for its report. */
  RunReport finish() throws Exception {
    if (!report.isDone()) {
      Api.send(server, "POST", "/api/v1/drain", null, TOKEN);
    }
    return report.get(60, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws Exception {
    try {
      finish();
    } finally {
      try (var files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
