package io.splitstream.pipeline.cli;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.splitstream.devices.SplitstreamException;
import io.splitstream.pipeline.FedPipeline;
import io.splitstream.pipeline.Runner;
import io.splitstream.pipeline.kafka.KafkaWorker;
import io.splitstream.pipeline.metrics.MetricsServer;
import java.io.PrintWriter;
import java.time.Duration;

/** {@code serve --kafka}: the pipeline {@link ServeCommand}'s options describe, as one worker of a consumer group. */
final class KafkaServe {
  private final ServeCommand c;

  KafkaServe(ServeCommand c) {
    this.c = c;
  }

  int call(PrintWriter out, PrintWriter err) {
    String name = c.workerName != null ? c.workerName : "worker-" + ProcessHandle.current().pid();
    KafkaWorker.Settings settings = new KafkaWorker.Settings(c.kafka, c.inTopic, c.outTopic, c.group, name, c.credits,
        c.maxFrameBytes != null ? c.maxFrameBytes : Integer.MAX_VALUE, Duration.ofSeconds(10), Duration.ofSeconds(20));
    Runner.Options o = c.pipelineOptions.options(c.split, false, c.computeOutputs, 1);
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (FedPipeline pipeline = FedPipeline.open(o).start()) {
      int limit = c.maxFrameBytes != null ? c.maxFrameBytes : (int) Math.min(Integer.MAX_VALUE - 8, 4 * pipeline.input().bytes() + 65_536);
      settings = new KafkaWorker.Settings(settings.bootstrap(), settings.inTopic(), settings.outTopic(), settings.group(), name,
          settings.maxInFlight(), limit, settings.sessionTimeout(), settings.drainTimeout());
      MetricsServer metrics = c.metricsPort >= 0 ? MetricsServer.start(registry, c.metricsPort) : null;
      StopSignal stop = new StopSignal("splitstream-kafka-stop", Duration.ofSeconds(40)); // drain 20 s, commit, report
      KafkaWorker worker = KafkaWorker.start(pipeline, settings, registry);
      out.println("kafka worker " + name + ": " + pipeline.description());
      out.println("consuming '" + c.inTopic + "' on " + c.kafka + " in group '" + c.group + "', results to '" + c.outTopic + "'; "
          + c.credits + " frames in flight before pausing" + (metrics != null ? "; metrics on :" + metrics.port() + "/metrics" : "")
          + "; Ctrl-C stops");
      out.flush();
      stop.await(c.duration);
      worker.close(); // drains, commits, leaves the group
      pipeline.complete();
      out.println("kafka worker " + name + ": " + worker.recordsIn() + " records in, " + worker.recordsOut() + " results out, "
          + worker.badRecords() + " bad, " + worker.commits() + " commits, " + worker.rebalances() + " assignments, "
          + worker.pauses() + " pauses, " + worker.duplicatesDropped() + " replays of its own results dropped");
      out.println(pipeline.audit());
      out.flush();
      if (metrics != null) {
        metrics.close();
      }
      boolean sound = worker.failure() == null && pipeline.auditPassed();
      stop.reported();
      if (!sound) {
        err.println("error: internal failure (a bug): " + (worker.failure() != null ? "the worker stopped: " + worker.failure()
            : "the end-of-run audit failed"));
        return Main.EXIT_INTERNAL;
      }
    }
    return 0;
  }
}
