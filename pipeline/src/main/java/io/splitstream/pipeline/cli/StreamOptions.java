package io.splitstream.pipeline.cli;

import io.splitstream.pipeline.Runner;
import io.splitstream.pipeline.adapt.Controller;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Option;

/** What to stream and how: the options {@code run} and {@code compare} share. */
final class StreamOptions {
  /** The scenario of the embedded default run: another app takes most of the CPU part-way through. */
  static final String DEFAULT_SCENARIO = "cpu-contention";

  @Option(names = "--model", defaultValue = "blazeface", description = "catalogue name or .onnx/.tflite file (default: the scenario's model when it names one, else ${DEFAULT-VALUE})")
  String model;

  @picocli.CommandLine.Mixin InputShapeOption inputShape = new InputShapeOption();

  @Option(names = "--source", defaultValue = "testvideo",
      description = "video:FILE[,fps=native|max|N][,loop=true] (a --duration longer than the file needs loop=true), testvideo[:seconds=..,fps=..,replay=native|max|N,loop=false] (a clip that loops to fill --duration), synthetic:constant|poisson|burst|gamma|mmpp|ramp|trace,.., sensor:FILE.csv[,..], audio:FILE.wav[,..]; give it several times for several streams (default: the scenario's source when it names one, else ${DEFAULT-VALUE})")
  List<String> sources;

  String source;

  /** The sources after the first ({@code --source} given several times). */
  List<String> moreSources() {
    return sources == null || sources.size() < 2 ? List.of() : sources.subList(1, sources.size());
  }

  @picocli.CommandLine.Mixin PlatformOptions platform = new PlatformOptions();

  @Option(names = "--split", defaultValue = "auto", description = "auto, or stages by hand: NODE:PROC[+PROC],... e.g. 0:cpu,37:npu (default: ${DEFAULT-VALUE})")
  String split;

  @Option(names = "--policy", description = "overload policy: block, drop-oldest, drop-newest, deadline (default: block for file replay, drop-oldest for live sources)")
  String policy;

  @Option(names = "--budget", converter = Converters.DurationConverter.class,
      description = "end-to-end latency budget, e.g. 50ms, bounding a frame's time from capture to leaving the last stage: the planner keeps to it, the deadline policy sheds (uncomputed) every frame forecast to finish later than it, and the summary counts frames within it")
  Duration budget;

  @Option(names = "--duration", defaultValue = "20s", converter = Converters.RunDurationConverter.class,
      description = "how long to stream, e.g. 20s, 10m, 1h (default: the scenario's duration when it has one, else ${DEFAULT-VALUE})")
  Duration duration;

  @Option(names = "--scenario",
      description = "a timeline of events on the pipeline clock: a .yaml/.json file or a built-in name (step, cpu-contention, contention, throttling, processor-loss, load-step, bursts, small-model, stable); 'none' for none (default: cpu-contention on the embedded default SoC, none otherwise)")
  String scenario;

  @Option(names = "--thermal", defaultValue = "on", description = "on or off: emulated processors heat under sustained load, per their profile's thermal model (default: ${DEFAULT-VALUE})")
  String thermal;

  @Option(names = "--max-blocks", defaultValue = "24", converter = Converters.PositiveInt.class, description = "profile at most this many blocks for the planner (default: ${DEFAULT-VALUE})")
  int maxBlocks;

  @Option(names = "--capacity", defaultValue = "32", converter = Converters.PositiveInt.class, description = "admission buffer in frames (default: ${DEFAULT-VALUE})")
  int capacity;

  @Option(names = "--seed", defaultValue = "1", description = "seed for every random choice (default: ${DEFAULT-VALUE})")
  long seed;

  /**
   * Takes the scenario's {@code defaults} (model, source, soc, duration) for each of those options
   * the user did not give. Call once, after parsing.
   */
  void applyScenarioDefaults(picocli.CommandLine.ParseResult parsed) {
    source = sources == null || sources.isEmpty() ? "testvideo" : sources.get(0);
    Optional<String> name = scenario();
    if (name.isEmpty()) {
      return;
    }
    io.splitstream.pipeline.scenario.Scenario sc = io.splitstream.pipeline.scenario.Scenario.load(name.get());
    var d = sc.defaults();
    if (!parsed.hasMatchedOption("--model")) {
      d.model().ifPresent(m -> model = m);
    }
    if (!parsed.hasMatchedOption("--source")) {
      d.source().ifPresent(src -> source = src);
    }
    if (!parsed.hasMatchedOption("--soc") && !parsed.hasMatchedOption("--processors")) {
      d.soc().ifPresent(soc -> platform.soc = soc);
    }
    if (!parsed.hasMatchedOption("--duration")) {
      sc.runDuration().ifPresent(du -> duration = du);
    }
  }

  /** The scenario to apply: the one given, none for 'none', the default step on the default SoC. */
  Optional<String> scenario() {
    if (scenario != null) {
      return scenario.equalsIgnoreCase("none") ? Optional.empty() : Optional.of(scenario);
    }
    return platform.soc == null && platform.processors == null ? Optional.of(DEFAULT_SCENARIO) : Optional.empty();
  }

  boolean thermal() {
    return switch (thermal.trim().toLowerCase(java.util.Locale.ROOT)) {
      case "on" -> true;
      case "off" -> false;
      default -> throw new io.splitstream.devices.SplitstreamException("--thermal '" + thermal + "' is not on or off: give --thermal on or --thermal off");
    };
  }

  Runner.Options options(boolean simulate, boolean computeOutputs, boolean progress, int metricsPort,
      Optional<Path> report, Controller.Mode mode, Optional<Path> decisions, boolean counterfactual) {
    Optional<String> socId = platform.socOrDefault("sd855-pixel4");
    return new Runner.Options(
        model,
        inputShape.shapes(),
        source,
        socId,
        platform.processors == null ? List.of() : platform.processors,
        split,
        Optional.ofNullable(policy),
        Optional.ofNullable(budget),
        Optional.of(duration),
        metricsPort,
        simulate,
        computeOutputs,
        progress,
        report,
        platform.threads,
        maxBlocks,
        capacity,
        seed,
        new Runner.Adapt(mode, scenario(), decisions, thermal(), counterfactual, Controller.Settings.defaults()));
  }
}
