package io.splitstream.pipeline.cli;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.pipeline.RunReport;
import io.splitstream.pipeline.Runner;
import io.splitstream.pipeline.adapt.Controller;
import java.nio.file.Path;
import java.util.Locale;
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
      "Stream frames through a model split across processors, re-planning the split live, with metrics on /metrics.",
      "With no options: BlazeFace at 250 frames/s (synthetic) on an emulated Snapdragon 855 (CPU + GPU + NPU,",
      "emulated) for 20 s, under the built-in scenario 'cpu-contention': it starts on the CPU alone and at 8 s another",
      "app takes 70%% of the CPU; the controller sees it in measured service times and re-plans. At the end a",
      "simulation of the same run says what the static plan would have done."
    })
final class RunCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @picocli.CommandLine.Mixin LoggingOptions logging = new LoggingOptions();

  @picocli.CommandLine.Mixin StreamOptions stream = new StreamOptions();

  @picocli.CommandLine.Mixin LoadOptions load = new LoadOptions();

  @Option(names = "--adapt", defaultValue = "on", description = "on: re-plan from measurements; off: keep the starting plan (the static baseline) (default: on, or off with a hand-given --split)")
  String adapt;

  @Option(names = "--decisions", description = "write the controller's decisions to this file, one JSON object per line")
  Path decisions;

  @picocli.CommandLine.Mixin ServerOptions server = new ServerOptions();

  @Option(names = "--simulate", description = "virtual time: emulated processors only; an hour of stream takes seconds")
  boolean simulate;

  @Option(names = "--compute-outputs", description = "in simulation, still compute real outputs on the host (slower)")
  boolean computeOutputs;

  @Option(names = "--no-progress", negatable = false, description = "no progress line while running")
  boolean noProgress;

  @Option(names = "--no-counterfactual", negatable = false, description = "skip the simulated static-plan counterfactual after a real-time run with a scenario")
  boolean noCounterfactual;

  @Option(names = "--report", description = "write the summary as JSON to this file")
  Path report;

  @Override
  public Integer call() {
    stream.applyScenarioDefaults(spec.commandLine().getParseResult());
    boolean byHand = !stream.split.trim().equalsIgnoreCase("auto");
    if (byHand && !spec.commandLine().getParseResult().hasMatchedOption("--adapt")) {
      adapt = "off"; // a split placed by hand is kept unless re-planning is asked for
    }
    Controller.Mode mode = switch (adapt.trim().toLowerCase(Locale.ROOT)) {
      case "on" -> Controller.Mode.ADAPTIVE;
      case "off" -> Controller.Mode.OFF;
      default -> throw new SplitstreamException("--adapt '" + adapt + "' is not on or off: give --adapt on or --adapt off");
    };
    boolean counterfactual = !simulate && !noCounterfactual && mode == Controller.Mode.ADAPTIVE
        && stream.scenario().isPresent();
    Runner.Serve serve = server.serve();
    Runner.Options o = stream.options(simulate, computeOutputs || !simulate, !noProgress && !simulate,
        server.port(simulate), Optional.ofNullable(report), mode, Optional.ofNullable(decisions), counterfactual);
    RunReport r = Runner.run(o, load.extras(stream.moreSources(), !noProgress), spec.commandLine().getOut(), serve);
    if (!r.sound()) {
      spec.commandLine().getErr().println("error: internal failure (a bug): the run's audit failed: " + r.audit().summary()
          + (r.orderViolations() > 0 ? "; " + r.orderViolations() + " frames out of order" : ""));
      return Main.EXIT_INTERNAL;
    }
    return 0;
  }
}
