package io.splitstream.pipeline.cli;

import io.splitstream.devices.onnx.InputShapes;
import io.splitstream.pipeline.RunReport;
import io.splitstream.pipeline.Runner;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code splitstream run}: stream frames through a model split across processors. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Stream frames through a model split across processors, with metrics on /metrics.",
      "With no options: BlazeFace on a test video the project generates, on an emulated Snapdragon 855",
      "(CPU + GPU + NPU, emulated), split chosen by the planner, for 20 s."
    })
final class RunCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--model", defaultValue = "blazeface", description = "catalogue name or .onnx/.tflite file (default: ${DEFAULT-VALUE})")
  String model;

  @Option(names = "--input-shape", converter = Converters.ShapesConverter.class,
      description = "shapes for dynamic inputs, e.g. x=1,3,320,320 (';' between inputs)")
  InputShapes inputShape;

  @Option(names = "--source", defaultValue = "testvideo",
      description = "video:FILE[,fps=native|max|N], testvideo[:seconds=..], synthetic:constant|poisson|burst,rate=.. (default: ${DEFAULT-VALUE})")
  String source;

  @picocli.CommandLine.Mixin PlatformOptions platform = new PlatformOptions();

  @Option(names = "--split", defaultValue = "auto", description = "auto, or stages by hand: NODE:PROC[+PROC],... e.g. 0:cpu,37:npu (default: ${DEFAULT-VALUE})")
  String split;

  @Option(names = "--policy", description = "overload policy: block, drop-oldest, drop-newest, deadline (default: block for file replay, drop-oldest for live sources)")
  String policy;

  @Option(names = "--budget", converter = Converters.DurationConverter.class,
      description = "end-to-end latency budget, e.g. 50ms: the planner keeps to it and the deadline policy sheds frames older than it")
  Duration budget;

  @Option(names = "--duration", defaultValue = "20s", converter = Converters.DurationConverter.class,
      description = "how long to stream, e.g. 20s, 10m, 1h (default: ${DEFAULT-VALUE})")
  Duration duration;

  @Option(names = "--metrics-port", defaultValue = "9464", description = "port on 127.0.0.1 for /metrics; 0 picks a free one, -1 serves none (default: ${DEFAULT-VALUE})")
  int metricsPort;

  @Option(names = "--simulate", description = "virtual time: emulated processors only; an hour of stream takes seconds")
  boolean simulate;

  @Option(names = "--compute-outputs", description = "in simulation, still compute real outputs on the host (slower)")
  boolean computeOutputs;

  @Option(names = "--no-progress", negatable = false, description = "no progress line while running")
  boolean noProgress;

  @Option(names = "--report", description = "write the summary as JSON to this file")
  Path report;

  @Option(names = "--max-blocks", defaultValue = "24", description = "profile at most this many blocks for the planner (default: ${DEFAULT-VALUE})")
  int maxBlocks;

  @Option(names = "--capacity", defaultValue = "32", description = "admission buffer in frames (default: ${DEFAULT-VALUE})")
  int capacity;

  @Option(names = "--seed", defaultValue = "1", description = "seed for every random choice (default: ${DEFAULT-VALUE})")
  long seed;

  @Override
  public Integer call() {
    Optional<String> socId = platform.socOrDefault("sd855-pixel4");
    Runner.Options o = new Runner.Options(
        model,
        inputShape == null ? InputShapes.none() : inputShape,
        source,
        socId,
        platform.processors == null ? List.of() : platform.processors,
        split,
        Optional.ofNullable(policy),
        Optional.ofNullable(budget),
        Optional.of(duration),
        metricsPort,
        simulate,
        computeOutputs || !simulate,
        !noProgress && !simulate,
        Optional.ofNullable(report),
        platform.threads,
        maxBlocks,
        capacity,
        seed);
    RunReport r = Runner.run(o, spec.commandLine().getOut());
    return r.ledger().balanced() && r.orderViolations() == 0 ? 0 : Main.EXIT_INTERNAL;
  }
}
