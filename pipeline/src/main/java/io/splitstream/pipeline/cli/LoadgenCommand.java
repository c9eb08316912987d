package io.splitstream.pipeline.cli;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.onnx.InputShapes;
import io.splitstream.pipeline.FedPipeline;
import io.splitstream.pipeline.Runner;
import io.splitstream.pipeline.ingest.Ingest;
import io.splitstream.pipeline.mlperf.LoadTest;
import io.splitstream.pipeline.mlperf.MlperfScenario;
import io.splitstream.pipeline.mlperf.TestSettings;
import io.splitstream.pipeline.net.FrameClient;
import io.splitstream.pipeline.net.HostPort;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code splitstream loadgen --scenario ...}: MLPerf LoadGen's scenarios and validity rules. */
@Command(
    name = "loadgen",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "MLPerf LoadGen's scenarios, with its validity rules, against a local or a remote pipeline.",
      "MLPerf LoadGen's scenarios against the local pipeline (real time, or --simulate in virtual time on an",
      "emulated SoC) or a remote one (--target HOST:PORT, a './splitstream serve'). The summary says VALID or",
      "INVALID and why, by LoadGen's rules: minimum duration (600 s) and query count, early stopping at 99%%",
      "confidence, and for Server p99 within the target latency. Figures on an emulated SoC are emulated.",
      "With --kafka BOOTSTRAP it publishes frames of any source to a topic instead, for 'serve --kafka' workers (docs/kafka.md)."
    })
final class LoadgenCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--scenario", description = "single-stream, multi-stream, server or offline (needed unless --kafka)")
  String scenario;

  @Option(names = "--kafka", description = "BOOTSTRAP (host:port): publish frames to Kafka instead of testing a pipeline (docs/kafka.md)")
  String kafka;

  @Option(names = "--topic", defaultValue = "frames", description = "with --kafka: the topic frames go to (default: ${DEFAULT-VALUE})")
  String topic;

  @Option(names = "--source", split = ";", description = "with --kafka: source spec(s), e.g. synthetic:constant,rate=30 (default: testvideo)")
  List<String> sources;

  @Option(names = "--streams", defaultValue = "1", converter = Converters.PositiveInt.class, description = "with --kafka: streams, each a source of its own (default: ${DEFAULT-VALUE})")
  int streams;

  @Option(names = "--duration", converter = Converters.RunDurationConverter.class, defaultValue = "20s",
      description = "with --kafka: publish this long (default: ${DEFAULT-VALUE})")
  Duration kafkaDuration;

  @Option(names = "--max-record-bytes", defaultValue = "1048576",
      description = "with --kafka: the largest record sent; Kafka's default limit is 1 MiB (default: ${DEFAULT-VALUE})")
  int maxRecordBytes;

  @Option(names = "--results", description = "with --kafka: then read this results topic, drop duplicates and report frames without a result")
  String results;

  @Option(names = "--results-wait", converter = Converters.DurationConverter.class, defaultValue = "60s",
      description = "with --results: wait at most this long for the last result (default: ${DEFAULT-VALUE})")
  Duration resultsWait;

  @picocli.CommandLine.Mixin PipelineOptions pipeline = new PipelineOptions();

  @Option(names = "--split", defaultValue = "auto", description = "auto, or stages by hand: NODE:PROC,... (default: ${DEFAULT-VALUE})")
  String split;

  @Option(names = "--simulate", description = "virtual time on an emulated SoC: ten minutes of test take seconds")
  boolean simulate;

  @Option(names = "--target", description = "HOST:PORT of a './splitstream serve' to test instead of the local pipeline")
  String target;

  @Option(names = "--min-duration", converter = Converters.DurationConverter.class,
      description = "minimum test duration (default: LoadGen's 600s; shorten to try out, the summary judges by what was given)")
  Duration minDuration;

  @Option(names = "--min-queries", description = "minimum query count (default: 100; multi-stream 662; offline 24576 samples)")
  Long minQueries;

  @Option(names = "--max-queries", defaultValue = "0", description = "stop after this many queries, 0: no cap (default: ${DEFAULT-VALUE})")
  long maxQueries;

  @Option(names = "--samples-per-query", description = "multi-stream samples per query (default: 8)")
  Integer samplesPerQuery;

  @Option(names = "--target-latency", converter = Converters.DurationConverter.class,
      description = "server: the p99 bound (default: LoadGen's 10ms); single/multi-stream: reported against")
  Duration targetLatency;

  @Option(names = "--target-qps", defaultValue = "1", description = "server: Poisson arrival rate; --find-peak's lower bound (default: ${DEFAULT-VALUE})")
  double targetQps;

  @Option(names = "--find-peak", description = "server: binary-search the highest QPS that passes, from --target-qps up")
  boolean findPeak;

  @Option(names = "--peak-precision", defaultValue = "1", description = "--find-peak stops when its bounds are this many QPS apart (default: ${DEFAULT-VALUE})")
  double peakPrecision;

  @Option(names = "--expected-qps", description = "offline: samples/s the system is expected to take; sizes its one query (default: the plan's estimate)")
  Double expectedQps;

  @Option(names = "--trace-out", description = "write one line per query (issue, completion, latency of each sample) to this CSV")
  Path traceOut;

  @Option(names = "--seed", defaultValue = "1", description = "seed of Server's arrivals (default: ${DEFAULT-VALUE})")
  long seed;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    if (kafka != null) {
      return KafkaLoadgen.run(out, kafka, topic, pipeline.model, pipeline.inputShape == null ? InputShapes.none() : pipeline.inputShape,
          sources == null ? List.of("testvideo") : sources, streams, kafkaDuration, seed, maxRecordBytes, results, resultsWait);
    }
    if (scenario == null) {
      throw new SplitstreamException("loadgen needs --scenario (single-stream, multi-stream, server or offline), or --kafka BOOTSTRAP to publish frames");
    }
    MlperfScenario sc = MlperfScenario.parse(scenario);
    TestSettings settings = settings(sc);
    if (findPeak && sc != MlperfScenario.SERVER) {
      throw new SplitstreamException("--find-peak applies to --scenario server only: drop it or use --scenario server");
    }
    if (!(peakPrecision > 0)) {
      throw new SplitstreamException("--peak-precision " + peakPrecision + " is not positive: give one, e.g. 1");
    }
    Supplier<Ingest> open;
    if (target != null) {
      if (simulate) {
        throw new SplitstreamException("--simulate and --target exclude each other: the remote server keeps its own clock");
      }
      HostPort hp = HostPort.parse(target, "--target");
      open = () -> FrameClient.connect(hp.host(), hp.port(), loadgenStream());
    } else {
      Runner.Options o = pipeline.options(split, simulate, !simulate, seed);
      open = () -> FedPipeline.open(o).start();
    }
    out.println("loadgen: " + sc.label() + (target != null ? " against " + target : simulate ? " (simulated, virtual time)" : "")
        + "; " + settings.describe());
    out.flush();
    LoadTest.Run run;
    if (findPeak) {
      out.println("find peak (Server):");
      LoadTest.Peak peak = LoadTest.findPeak(open, settings, peakPrecision, out);
      run = peak.atPeak();
      out.print(run.result().render());
      out.println(String.format(Locale.ROOT, "peak: %.2f QPS passes (within %.2f QPS of the first that fails)",
          peak.qps(), peakPrecision));
    } else {
      run = LoadTest.once(open, settings);
      out.print(run.result().render());
    }
    out.println(run.audit());
    if (traceOut != null) {
      run.result().writeTrace(traceOut);
      out.println("trace: " + traceOut.toAbsolutePath());
    }
    out.flush();
    if (!run.auditPassed()) {
      spec.commandLine().getErr().println("error: internal failure (a bug): the run's audit failed: " + run.audit());
      return Main.EXIT_INTERNAL;
    }
    return 0;
  }

  private static String loadgenStream() {
    return io.splitstream.pipeline.mlperf.LoadGenerator.STREAM;
  }

  private TestSettings settings(MlperfScenario sc) {
    Duration latency = targetLatency != null ? targetLatency : Duration.ofMillis(10);
    TestSettings d = TestSettings.defaults(sc, latency, targetQps);
    return new TestSettings(sc,
        minDuration != null ? minDuration : d.minDuration(),
        minQueries != null ? minQueries : d.minQueryCount(),
        samplesPerQuery != null ? samplesPerQuery : d.samplesPerQuery(),
        latency, targetQps,
        expectedQps != null ? OptionalDouble.of(expectedQps) : OptionalDouble.empty(),
        maxQueries, seed);
  }
}
