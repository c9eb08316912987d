package io.splitstream.pipeline.cli;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.pipeline.FedPipeline;
import io.splitstream.pipeline.Runner;
import io.splitstream.pipeline.net.FrameServer;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code splitstream serve}: a pipeline that takes frames from clients over TCP. */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Serve a pipeline to clients over length-prefixed TCP, results in order per stream.",
      "Run a pipeline that accepts frames from clients over length-prefixed TCP (see docs/serve.md) and returns",
      "each result to its sender, in order per stream. Each connection gets a window of credits; a frame over it",
      "is shed and the reply says so. Bad frames are rejected with an error and counted; the server goes on.",
      "Ends after --duration, or on Ctrl-C, with its counts and the end-of-run audit. Binds 127.0.0.1 by default.",
      "With --kafka BOOTSTRAP it is instead one worker of a consumer group: frames from --in, results to --out (docs/kafka.md)."
    })
final class ServeCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @picocli.CommandLine.Mixin PipelineOptions pipelineOptions = new PipelineOptions();

  @Option(names = "--split", defaultValue = "auto", description = "auto, or stages by hand: NODE:PROC,... (default: ${DEFAULT-VALUE})")
  String split;

  @Option(names = "--host", defaultValue = "127.0.0.1", description = "address to listen on (default: ${DEFAULT-VALUE}, loopback only)")
  String host;

  @Option(names = "--port", defaultValue = "7878", description = "TCP port; 0 picks a free one (default: ${DEFAULT-VALUE})")
  int port;

  @Option(names = "--credits", defaultValue = "32", description = "frames each connection may have in flight (default: ${DEFAULT-VALUE})")
  int credits;

  @Option(names = "--max-frame-bytes", description = "largest message the server reads (default: 4 x the model input + 64 KiB)")
  Integer maxFrameBytes;

  @Option(names = "--duration", converter = Converters.DurationConverter.class, description = "serve this long, then stop (default: until Ctrl-C)")
  Duration duration;

  @Option(names = "--compute-outputs", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "emulated processors compute real outputs on the host (default: ${DEFAULT-VALUE}); --no-compute-outputs: timing only")
  boolean computeOutputs;

  @Option(names = "--kafka", description = "BOOTSTRAP (host:port): be a worker of a consumer group instead of a TCP server (docs/kafka.md)")
  String kafka;

  @Option(names = "--in", defaultValue = "frames", description = "with --kafka: the topic of frame records (default: ${DEFAULT-VALUE})")
  String inTopic;

  @Option(names = "--out", defaultValue = "results", description = "with --kafka: the topic result records go to (default: ${DEFAULT-VALUE})")
  String outTopic;

  @Option(names = "--group", defaultValue = "splitstream", description = "with --kafka: the consumer group (default: ${DEFAULT-VALUE})")
  String group;

  @Option(names = "--name", description = "with --kafka: this worker's name in results and metrics (default: worker-PID)")
  String workerName;

  @Option(names = "--metrics-port", defaultValue = "-1", converter = Converters.MetricsPort.class, description = "with --kafka: serve /metrics on this port, 0 any (default: none)")
  int metricsPort;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    if (credits < 1) {
      throw new SplitstreamException("--credits " + credits + " is not positive: give at least 1");
    }
    if (kafka != null) {
      return new KafkaServe(this).call(out, spec.commandLine().getErr());
    }
    if (port < 0 || port > 65535) {
      throw new SplitstreamException("--port " + port + " is not in 0..65535: give e.g. --port 7878");
    }
    Runner.Options o = pipelineOptions.options(split, false, computeOutputs, 1);
    try (FedPipeline pipeline = FedPipeline.open(o).start()) {
      long inputBytes = pipeline.input().bytes();
      int limit = maxFrameBytes != null ? maxFrameBytes : (int) Math.min(Integer.MAX_VALUE - 8, 4 * inputBytes + 65_536);
      StopSignal stop = new StopSignal("splitstream-serve-stop", Duration.ofSeconds(30));
      try (FrameServer server = FrameServer.start(pipeline, new FrameServer.Settings(host, port, credits, limit))) {
        out.println("serving " + pipeline.description());
        out.println("listening on " + server.address() + " (length-prefixed TCP; " + credits + " credits a connection; messages up to "
            + limit + " bytes); Ctrl-C stops");
        if (!io.splitstream.pipeline.server.WebServer.LOOPBACK.equals(host)) {
          out.println("warning: listening on " + host + ", not only on this machine: anyone who can reach it can send"
              + " frames and read their results");
        }
        out.flush();
        stop.await(duration);
        server.close();
        pipeline.complete();
        String pipelineAudit = pipeline.audit(); // waits for the frames in flight to leave
        out.println(server.stats());
        out.println(server.audit());
        out.println(pipelineAudit);
        out.flush();
        boolean sound = server.auditPassed() && pipeline.auditPassed();
        stop.reported();
        if (!sound) {
          spec.commandLine().getErr().println("error: internal failure (a bug): the end-of-run audit failed");
          return Main.EXIT_INTERNAL;
        }
      }
    }
    return 0;
  }
}
