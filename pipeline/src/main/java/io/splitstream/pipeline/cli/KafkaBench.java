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

  /**
   * The default plan: PP-OCRv4's detector at 64 x 64 (a 48 KiB frame) wholly on the emulated Adreno
   * 640, about 9 ms a frame (the GPU's per-node overhead, from the cited profile), so each worker's
   * pipeline bounds it while the host, which moves a frame's bytes through Kafka, has room for three.
   */
  static final String DEFAULT_MODEL = "ppocr-det";
  static final String DEFAULT_SHAPE = "x=1,3,64,64";

  @Option(names = "--model", defaultValue = DEFAULT_MODEL, description = "model (default: ${DEFAULT-VALUE}, at --input-shape "
      + DEFAULT_SHAPE + " unless given)")
  String model;

  @picocli.CommandLine.Mixin InputShapeOption inputShape = new InputShapeOption();

  @Option(names = "--soc", defaultValue = "sd855-pixel4", description = "emulated SoC of every worker (default: ${DEFAULT-VALUE})")
  String soc;

  @Option(names = "--split", defaultValue = "0:gpu",
      description = "auto, or stages by hand; the default, the whole model on the GPU, is a slow plan whose pipeline, not the host, bounds a worker (default: ${DEFAULT-VALUE})")
  String split;

  @Option(names = "--workers", split = ",", converter = Converters.PositiveInt.class, defaultValue = "1,2,3", description = "worker counts, one round each (default: ${DEFAULT-VALUE})")
  List<Integer> workers;

  @Option(names = "--frames", converter = Converters.PositiveInt.class, defaultValue = "3000", description = "frames in each round's backlog (default: ${DEFAULT-VALUE})")
  int frames;

  @Option(names = "--streams", converter = Converters.PositiveInt.class, defaultValue = "16", description = "streams (default: ${DEFAULT-VALUE})")
  int streams;

  @Option(names = "--partitions", converter = Converters.PositiveInt.class, defaultValue = "12", description = "partitions of the frames topic (default: ${DEFAULT-VALUE})")
  int partitions;

  @Option(names = "--window", defaultValue = "0.75", converter = Converters.PositiveDouble.class,
      description = "the timed share of the frames left once the group is stable, at most 1 (default: ${DEFAULT-VALUE})")
  double window;

  /** How long no worker's assignment may change before the group counts as stable. */
  static final Duration STABLE = Duration.ofSeconds(1);

  @Override
  public Integer call() throws Exception {
    if (window > 1) {
      throw new SplitstreamException("--window " + window + " is over 1: give a share of the frames, e.g. 0.75");
    }
    PrintWriter out = spec.commandLine().getOut();
    int most = workers.stream().mapToInt(Integer::intValue).max().getAsInt();
    Runner.Options o = new Runner.Options(model,
        inputShape.shapes == null && model.equals(DEFAULT_MODEL) ? InputShapes.parse(DEFAULT_SHAPE) : inputShape.shapes(), "kafka", Optional.of(soc), List.of(), split,
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
      double estimate = pipelines.get(0).expectedRate();
      try (Admin admin = Admin.create(ap)) {
        // every round's topics made up front: publishing to a topic created a moment ago met its leader
        // not yet elected, and the idempotent producer's retries then stuck on a sequence error
        List<NewTopic> topics = new ArrayList<>();
        List<String> tags = new ArrayList<>(List.of("warm-up"));
        workers.forEach(k -> tags.add("r" + k));
        for (String t : new java.util.LinkedHashSet<>(tags)) {
          topics.add(new NewTopic("frames-" + t, partitions, (short) 1));
          topics.add(new NewTopic("results-" + t, partitions, (short) 1));
        }
        admin.createTopics(topics).all().get();
        Thread.sleep(3000);
        round(admin, broker, pipelines, input, most, Math.min(frames, 320), "warm-up"); // JIT, connections: untimed
        for (int k : workers) {
          Round r = round(admin, broker, pipelines, input, k, frames, "r" + k);
          if (k == 1) {
            one = r.fps();
          }
          out.println(String.format(Locale.ROOT, "%d worker(s): %.1f frames/s (emulated, %.2f of %d x the plan's estimate)%s over %d frames from a stable group"
              + " (%d of %d were consumed while it formed); to the last result %.1f frames/s; %d duplicates; records per worker: %s",
              k, r.fps(), r.fps() / (k * estimate), k, one > 0 ? String.format(Locale.ROOT, ", %.2f x one worker", r.fps() / one) : "", r.measured(),
              r.beforeSettled(), frames, r.drainFps(), r.duplicates(), r.share()));
          if (r.beforeSettled() * 2 > frames) {
            out.println("  (most frames went before the group was stable: give more --frames)");
          }
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

  private record Round(double fps, double drainFps, long measured, long beforeSettled, long duplicates, String share) {}

  /**
   * Publishes {@code frames} frames to topics of their own, then starts {@code k} workers of a new
   * group. The timed window opens once the group is stable (every worker owns partitions, all
   * {@code partitions} are owned, and no worker's assignment changed for {@link #STABLE}) and
   * closes when {@code window} of the frames left then have a result acknowledged or a worker has
   * read to the end of its partitions, whichever is first: the rate of {@code k} workers that all
   * still have a backlog, not of their joining nor of the last ones finishing their partitions
   * (16 streams hash unevenly onto 12 partitions). The drain rate, to the last result, is reported too.
   */
  private Round round(Admin admin, KafkaBroker broker, List<FedPipeline> pipelines, TensorMap input, int k, int frames, String tag)
      throws Exception {
    String in = "frames-" + tag;
    String res = "results-" + tag;
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
      long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
      long stableSince = -1;
      long seen = -1;
      while (true) {
        long now = System.nanoTime();
        if (now > deadline) {
          throw new IllegalStateException("the group of " + k + " worker(s) did not settle in 120 s");
        }
        long changes = ws.stream().mapToLong(KafkaWorker::rebalances).sum();
        boolean spread = ws.stream().allMatch(w -> w.owned() > 0) && ws.stream().mapToInt(KafkaWorker::owned).sum() == partitions;
        if (!spread || changes != seen) {
          stableSince = spread ? now : -1;
          seen = changes;
        } else if (now - stableSince >= STABLE.toNanos()) {
          break;
        }
        Thread.sleep(10);
      }
      long t0 = System.nanoTime();
      long before = out(ws);
      long target = before + (long) Math.ceil(window * (frames - before));
      long end = System.nanoTime() + Duration.ofMinutes(10).toNanos();
      while (out(ws) < target && System.nanoTime() < end && ws.stream().noneMatch(KafkaBench::dry)) {
        Thread.sleep(5);
      }
      long t1 = System.nanoTime();
      long inWindow = out(ws) - before;
      long got = reader.readUntil(frames, Duration.ofMinutes(10));
      long t2 = System.nanoTime();
      if (got < frames) {
        throw new IllegalStateException("round of " + k + " worker(s): only " + got + " of " + frames + " results in 10 minutes");
      }
      StringBuilder share = new StringBuilder();
      ws.forEach(w -> share.append(share.length() > 0 ? " " : "").append(w.name()).append("=").append(w.recordsIn()));
      return new Round(inWindow / ((t1 - t0) / 1e9), (frames - before) / ((t2 - t0) / 1e9), inWindow, before,
          reader.duplicates(), share.toString());
    } finally {
      ws.forEach(KafkaWorker::close);
    }
  }

  /** Whether {@code w} has read to the end of every partition it owns: from then on it idles while others work. */
  private static boolean dry(KafkaWorker w) {
    java.util.Map<Integer, Long> lag = w.lag();
    return !lag.isEmpty() && lag.values().stream().allMatch(l -> l == 0);
  }

  /** Result records the workers have had acknowledged, together. */
  private static long out(List<KafkaWorker> ws) {
    return ws.stream().mapToLong(KafkaWorker::recordsOut).sum();
  }
}
