package io.splitstream.pipeline.cli;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.catalog.ModelStore;
import io.splitstream.devices.emulated.SocProfiles;
import io.splitstream.devices.onnx.InputShapes;
import io.splitstream.devices.onnx.OnnxModel;
import io.splitstream.devices.onnx.gen.OnnxModelGenerator;
import io.splitstream.devices.platform.Platforms;
import io.splitstream.devices.processor.Platform;
import io.splitstream.pipeline.RunReport;
import io.splitstream.pipeline.Runner;
import io.splitstream.pipeline.adapt.Controller;
import io.splitstream.pipeline.calibrate.HostBench;
import io.splitstream.pipeline.plan.Plan;
import io.splitstream.pipeline.plan.Planner;
import io.splitstream.pipeline.plan.PlannerOptions;
import io.splitstream.pipeline.plan.ProfileTable;
import io.splitstream.pipeline.profile.Profiler;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code splitstream pitfall}: the study's first pitfall measured. For every model and shipped SoC:
 * the planner's plan, its predicted throughput, the best single processor and the gain; then the
 * plan run in simulation (virtual time, timing only, overloaded so it runs flat out), and the
 * simulated throughput over the plan's predicted bound.
 */
@Command(
    name = "pitfall",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Pitfall 1: the auto plan against the best single processor, per model and shipped SoC.",
      "For each model x shipped SoC: the auto plan, its predicted throughput, the best single processor and the",
      "gain; and the plan simulated flat out (virtual time, emulated figures): simulated / predicted throughput."
    })
final class PitfallCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--models", split = ",", description = "models (default: blazeface, ppocr-det and the generated "
      + "families mobilenet-small, mobilenet-large, resnet-small, resnet-large)")
  List<String> models;

  @Option(names = "--socs", split = ",", description = "SoC profiles (default: every shipped one)")
  List<String> socs;

  @Option(names = "--duration", defaultValue = "20s", converter = Converters.DurationConverter.class,
      description = "simulated time per row (default: ${DEFAULT-VALUE})")
  Duration duration;

  @Option(names = "--no-simulate", negatable = false, description = "only the planner's table")
  boolean noSimulate;

  @Option(names = "--capacity", defaultValue = "32", description = "frames each stage's queue holds in the simulation "
      + "(default: ${DEFAULT-VALUE}, as run)")
  int capacity;

  @Option(names = "--thermal", defaultValue = "off", description = "emulated GPUs and NPUs heat in the simulation: on or "
      + "off (default: ${DEFAULT-VALUE}, as the planner's bound is at full clock)")
  String thermal;

  @Override
  public Integer call() throws java.io.IOException {
    PrintWriter w = spec.commandLine().getOut();
    List<String> names = models == null ? Stream.concat(HostBench.CATALOGUE.stream(), HostBench.GENERATED.stream())
        .toList() : models;
    if (capacity < 1) {
      throw new SplitstreamException("--capacity " + capacity + " must be at least 1");
    }
    if (!thermal.equals("on") && !thermal.equals("off")) {
      throw new SplitstreamException("--thermal " + thermal + ": use on or off");
    }
    List<String> soc = socs == null ? SocProfiles.list() : socs;
    soc.forEach(SocProfiles::resolve); // unknown ids fail here, before any work
    Path dir = Files.createTempDirectory("splitstream-pitfall");
    List<String[]> refs = new ArrayList<>();
    for (String n : names) {
      OnnxModel m = HostBench.open(n.strip(), ModelStore.defaultStore());
      String ref = n.strip();
      if (HostBench.GENERATED.contains(ref)) {
        Path f = dir.resolve(ref + ".onnx");
        Files.write(f, m.bytes());
        ref = f.toString();
      }
      refs.add(new String[] {n.strip(), ref});
    }
    w.printf(Locale.ROOT, "%-16s %-16s %-34s %9s %-10s %9s %6s %10s %8s%n", "model", "soc", "auto plan", "pred fps",
        "single", "fps", "gain", "sim fps", "sim/pred");
    PrintWriter quiet = new PrintWriter(java.io.Writer.nullWriter());
    for (String[] ref : refs) {
      OnnxModel m = HostBench.open(ref[0], ModelStore.defaultStore());
      for (String s : soc) {
        ProfileTable t;
        try (Platform p = Platforms.emulated(s, 1, false)) {
          t = Profiler.profile(m, p, Profiler.Options.defaults());
        }
        PlannerOptions opts = PlannerOptions.defaults();
        Plan plan = Planner.plan(t, Optional.empty(), opts);
        Plan single = Planner.bestSingle(t, opts);
        String sim = "-";
        String ratio = "-";
        if (!noSimulate) {
          double rate = Math.ceil(plan.throughputFps() * 1.5);
          Runner.Options o = new Runner.Options(ref[1], InputShapes.none(), "synthetic:constant,rate=" + rate,
              Optional.of(s), List.of(), plan.label(), Optional.of("drop-oldest"), Optional.empty(),
              Optional.of(duration), -1, true, false, false, Optional.empty(), 1, Profiler.Options.defaults().maxBlocks(),
              capacity, 1).withAdapt(new Runner.Adapt(Controller.Mode.OFF, Optional.empty(), Optional.empty(), thermal.equals("on"), false,
                  Controller.Settings.defaults()));
          RunReport r = Runner.run(o, quiet);
          if (r.error() != null && !r.error().isEmpty()) {
            throw new SplitstreamException("simulating " + ref[0] + " on " + s + " failed: " + r.error());
          }
          sim = String.format(Locale.ROOT, "%.1f", r.steadyThroughputFps());
          ratio = String.format(Locale.ROOT, "%.4f", r.steadyThroughputFps() / plan.throughputFps());
        }
        w.printf(Locale.ROOT, "%-16s %-16s %-34s %9.1f %-10s %9.1f %5.2fx %10s %8s%n", ref[0], s, plan.label(),
            plan.throughputFps(), single.label(), single.throughputFps(), plan.throughputFps() / single.throughputFps(),
            sim, ratio);
        w.flush();
      }
    }
    w.println("emulated: predicted and simulated figures follow the SoC profiles, not hardware measurements");
    w.flush();
    return 0;
  }
}
