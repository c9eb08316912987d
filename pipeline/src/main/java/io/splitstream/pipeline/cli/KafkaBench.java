package io.splitstream.pipeline.cli;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.onnx.InputShapes;
import io.splitstream.devices.tensor.Tensor;
import io.splitstream.devices.tensor.TensorMap;
import io.splitstream.pipeline.FedPipeline;
import io.splitstream.pipeline.Runner;
import io.splitstream.pipeline.frame.FrameEnvelope;
import io.splitstream.pipeline.kafka.FramePublisher;
import io.splitstream.pipeline.kafka.KafkaBroker;
import io.splitstream.pipeline.kafka.KafkaWorker;
import io.splitstream.pipeline.kafka.ResultsReader;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code splitstream bench kafka}: throughput of 1, 2, ... workers of one consumer group on an
 * in-process broker, each worker its own pipeline on an emulated SoC in timing-only mode (outputs not
 * computed on the host, so the figure shows the design, not this host's cores). Each round consumes
 * a backlog of the same frames in topics of its own, timed from the moment its group has settled.
 */
@Command(name = "kafka", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Throughput of 1, 2 and 3 Kafka workers of one consumer group, emulated and timing only.",
        "One group on an in-process broker consumes a backlog of --frames frames of --streams streams in --partitions",
        "partitions; each worker is its own pipeline on an emulated SoC, timing only (emulated figures). Prints",
        "frames/s per round and the ratio to one worker."})
final class KafkaBench implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--model", defaultValue = "blazeface", description = "model (default: ${DEFAULT-VALUE})")
  String model;

  @Option(names = "--soc", defaultValue = "sd855-pixel4", description = "emulated SoC of every worker (default: ${DEFAULT-VALUE})")
  String soc;

  @Option(names = "--split", defaultValue = "auto",
      description = "auto, or stages by hand, e.g. 0:cpu for a slower plan whose pipeline, not the host, bounds a worker (default: ${DEFAULT-VALUE})")
  String split;

  @Option(names = "--workers", split = ",", converter = Converters.PositiveInt.class, defaultValue = "1,2,3", description = "worker counts, one round each (default: ${DEFAULT-VALUE})")
  List<Integer> workers;

  @Option(names = "--frames", converter = Converters.PositiveInt.class, defaultValue = "960", description = "frames in each round's backlog (default: ${DEFAULT-VALUE})")
  int frames;

  @Option(names = "--streams", converter = Converters.PositiveInt.class, defaultValue = "16", description = "streams (default: ${DEFAULT-VALUE})")
  int streams;

  @Option(names = "--partitions", converter = Converters.PositiveInt.class, defaultValue = "12", description = "partitions of the frames topic (default: ${DEFAULT-VALUE})")
  int partitions;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    int most = workers.stream().mapToInt(Integer::intValue).max().getAsInt();
    Runner.Options o = new Runner.Options(model, InputShapes.none(), "kafka", Optional.of(soc), List.of(), split,
        Optional.of("block"), Optional.empty(), Optional.empty(), -1, false, false, false, Optional.empty(), 0, 24, 32, 1);
    List<FedPipeline> pipelines = new ArrayList<>();
    try (KafkaBroker broker = KafkaBroker.startTemporary(partitions)) {
      for (int i = 0; i < most; i++) {
        pipelines.add(FedPipeline.open(o).start());
      }
      out.println("bench kafka: " + pipelines.get(0).description() + " (emulated, timing only), per worker; the plan's estimate "
          + String.format(Locale.ROOT, "%.0f", pipelines.get(0).expectedRate()) + " frames/s a worker; " + frames + " frames, "
          + streams + " streams, " + partitions + " partitions; broker in-process on " + broker.bootstrap());
      out.flush();
      Tensor zeros = Tensor.zeros(pipelines.get(0).input().type(), pipelines.get(0).input().shapeArray());
      TensorMap input = TensorMap.of(pipelines.get(0).input().name(), zeros);
      Properties ap = new Properties();
      ap.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
      double one = -1;
      try (Admin admin = Admin.create(ap)) {
        round(admin, broker, pipelines, input, most, Math.min(frames, 320), "warm-up"); // JIT, connections: untimed
        for (int k : workers) {
          Round r = round(admin, broker, pipelines, input, k, frames, "r" + k);
          if (k == 1) {
            one = r.fps();
          }
          out.println(String.format(Locale.ROOT, "%d worker(s): %.1f frames/s (emulated)%s over %d frames once the group had settled"
              + " (%d of %d were consumed while it formed); %d duplicates; records per worker: %s", k, r.fps(),
              one > 0 ? String.format(Locale.ROOT, ", %.2f x one worker", r.fps() / one) : "", r.measured(), frames - r.measured(),
              frames, r.duplicates(), r.share()));
          out.flush();
        }
      }
    } finally {
      pipelines.forEach(p -> {
        p.complete();
        p.close();
      });
    }
    return 0;
  }

  private record Round(double fps, long measured, long duplicates, String share) {}

  /**
   * Publishes {@code frames} frames to topics of their own, then starts {@code k} workers of a new
   * group and times consumption from the moment the group has settled (every worker owns partitions)
   * to the last result: the rate of {@code k} workers together, not of their joining.
   */
  private Round round(Admin admin, KafkaBroker broker, List<FedPipeline> pipelines, TensorMap input, int k, int frames, String tag)
      throws Exception {
    String in = "frames-" + tag;
    String res = "results-" + tag;
    admin.createTopics(List.of(new NewTopic(in, partitions, (short) 1), new NewTopic(res, partitions, (short) 1))).all().get();
    try (FramePublisher pub = new FramePublisher(broker.bootstrap(), in, FramePublisher.DEFAULT_LIMIT)) {
      for (int i = 0; i < frames; i++) {
        pub.publish(FrameEnvelope.of("cam" + (i % streams), i / streams, 0, input));
      }
      pub.flush();
    }
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    List<KafkaWorker> ws = new ArrayList<>();
    try (ResultsReader reader = new ResultsReader(broker.bootstrap(), res)) {
      for (int i = 0; i < k; i++) {
        ws.add(KafkaWorker.start(pipelines.get(i), new KafkaWorker.Settings(broker.bootstrap(), in, res, "bench-" + tag,
            "w" + i, 32, Integer.MAX_VALUE, Duration.ofSeconds(10), Duration.ofSeconds(20)), registry));
      }
      long settle = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (!(ws.stream().allMatch(w -> w.owned() > 0) && ws.stream().mapToInt(KafkaWorker::owned).sum() == partitions)) {
        if (System.nanoTime() > settle) {
          throw new IllegalStateException("the group of " + k + " worker(s) did not settle in 60 s");
        }
        reader.readFor(Duration.ofMillis(20));
      }
      long t0 = System.nanoTime();
      long before = reader.results().size();
      long got = reader.readUntil(frames, Duration.ofMinutes(5));
      double s = (System.nanoTime() - t0) / 1e9;
      if (got < frames) {
        throw new IllegalStateException("round of " + k + " worker(s): only " + got + " of " + frames + " results in 5 minutes");
      }
      StringBuilder share = new StringBuilder();
      ws.forEach(w -> share.append(share.length() > 0 ? " " : "").append(w.name()).append("=").append(w.recordsIn()));
      return new Round((frames - before) / s, frames - before, reader.duplicates(), share.toString());
    } finally {
      ws.forEach(KafkaWorker::close);
    }
  }
}
