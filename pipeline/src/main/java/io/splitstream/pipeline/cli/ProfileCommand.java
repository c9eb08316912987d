package io.splitstream.pipeline.cli;

import io.splitstream.devices.io.OutputFiles;
import io.splitstream.devices.model.Model;
import io.splitstream.devices.model.OpClass;
import io.splitstream.devices.platform.FormatMatch;
import io.splitstream.devices.processor.Platform;
import io.splitstream.devices.processor.Processor;
import io.splitstream.pipeline.Runner;
import io.splitstream.pipeline.InputShapeChoice;
import io.splitstream.pipeline.plan.ProfileTable;
import io.splitstream.pipeline.plan.SplitSpec;
import io.splitstream.pipeline.profile.Profiler;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code splitstream profile}: what each block of a model costs on each processor. */
@Command(
    name = "profile",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Measure what each block of a model costs on each processor.",
      "Prints a table: block, op mix, FLOPs, ms per processor, bytes crossing the cut after it.",
      "--json writes it for ./splitstream plan.",
      "Real processors are timed (median of at least --runs and 50 ms of runs, after a warm-up that lasts",
      "while times still fall); emulated ones give their profile's time (marked *). Each processor's",
      "invocation cost is measured apart and printed: the planner adds it once per stage."
    })
final class ProfileCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @picocli.CommandLine.Mixin LoggingOptions logging = new LoggingOptions();

  @Option(names = "--model", required = true, description = "catalogue name or .onnx/.tflite file")
  String model;

  @picocli.CommandLine.Mixin InputShapeOption inputShape = new InputShapeOption();

  @Mixin PlatformOptions platform = new PlatformOptions();

  @Option(names = "--max-blocks", defaultValue = "24", converter = Converters.PositiveInt.class, description = "at most this many blocks (default: ${DEFAULT-VALUE})")
  int maxBlocks;

  @Option(names = "--runs", defaultValue = "15", converter = Converters.PositiveInt.class, description = "the fewest timed runs per block on real processors; more are timed until they add up to 50 ms (default: ${DEFAULT-VALUE})")
  int runs;

  @Option(names = "--json", description = "write the table here, for ./splitstream plan and run --split")
  Path json;

  @Option(names = "--split", description = "also cut at the stage starts of this split, e.g. 0:cpu,63:npu, as run --split"
      + " does, so that plan --profile can evaluate it")
  String split;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    if (json != null) {
      OutputFiles.checkWritableFile(json, "--json");
    }
    Model m = InputShapeChoice.requireShapes(inputShape.open(model));
    // without --processors or --soc, the processor that runs the model's format (cpu or tflite)
    try (Platform p = platform.open(FormatMatch.hostDefaults(m.format()))) {
      FormatMatch.requireRunnable(m, p);
      out.println("profiling " + m.name() + " (" + m.format() + ") on " + p.description());
      ProfileTable t = Profiler.profile(m, p, new Profiler.Options(maxBlocks, 3, runs, 1),
          split == null || SplitSpec.isAuto(split) ? List.of() : Runner.stageStarts(split));
      out.print(render(t, p));
      if (json != null) {
        t.write(json);
        out.println("wrote " + json.toAbsolutePath());
      }
      out.flush();
    }
    return 0;
  }

  static String render(ProfileTable t, Platform p) {
    StringBuilder b = new StringBuilder();
    List<String> ids = p.processors().stream().map(Processor::id).toList();
    b.append(String.format(Locale.ROOT, "%-5s %-12s %-34s %10s", "block", "nodes", "op mix (share of FLOPs)", "MFLOPs"));
    for (Processor proc : p.processors()) {
      b.append(String.format(Locale.ROOT, " %10s", proc.id() + (proc.emulated() ? "*" : "") + " ms"));
    }
    b.append(String.format(Locale.ROOT, " %14s%n", "cut bytes"));
    for (ProfileTable.Block blk : t.blocks()) {
      b.append(String.format(Locale.ROOT, "%-5d %-12s %-34s %10.2f", blk.index(),
          "[" + blk.firstNode() + "," + blk.endNode() + ")", opMix(blk), blk.flops() / 1e6));
      for (String id : ids) {
        b.append(blk.ms(id).isPresent()
            ? String.format(Locale.ROOT, " %10.3f", blk.ms(id).getAsDouble())
            : String.format(Locale.ROOT, " %10s", "unsupp."));
      }
      long bytes = blk.index() < t.cuts().size() ? t.cuts().get(blk.index()).bytes() : t.outputBytes();
      b.append(String.format(Locale.ROOT, " %14d%n", bytes));
    }
    b.append(String.format(Locale.ROOT, "input %d bytes, output %d bytes; valid cut points at the block starts: %s%n",
        t.inputBytes(), t.outputBytes(), t.cutPoints()));
    b.append("invocation cost, kept out of the block times (the planner adds it once per stage):");
    b.append(t.processors().stream()
        .map(info -> String.format(Locale.ROOT, " %s%s %.3f ms", info.id(), info.emulated() ? "*" : "", info.invocationMs()))
        .collect(Collectors.joining(",")));
    b.append('\n');
    if (p.emulated()) {
      b.append("* emulated: times follow the SoC profile, not a hardware measurement\n");
    }
    return b.toString();
  }

  private static String opMix(ProfileTable.Block blk) {
    double total = blk.opMix().values().stream().mapToDouble(Double::doubleValue).sum();
    if (total <= 0) {
      return String.join(",", blk.opTypes());
    }
    return blk.opMix().entrySet().stream()
        .filter(e -> e.getValue() > 0)
        .sorted(Map.Entry.<OpClass, Double>comparingByValue(Comparator.reverseOrder()))
        .limit(3)
        .map(e -> String.format(Locale.ROOT, "%s %.0f%%", e.getKey().name().toLowerCase(Locale.ROOT), 100 * e.getValue() / total))
        .collect(Collectors.joining(" "));
  }
}
