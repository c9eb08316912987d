package io.splitstream.pipeline.cli;

import io.splitstream.pipeline.plan.ExhaustiveSearch;
import io.splitstream.pipeline.plan.Plan;
import io.splitstream.pipeline.plan.Planner;
import io.splitstream.pipeline.plan.PlannerOptions;
import io.splitstream.pipeline.plan.ProfileTable;
import io.splitstream.pipeline.plan.SplitSpec;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code splitstream plan}: choose a split from a profile table and compare it. */
@Command(
    name = "plan",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Choose a split from a profile table and compare it.",
      "Picks the split and placement that maximise throughput (slowest stage, transfers counted) from a",
      "profile table, under an optional latency budget; compare with the best single processor and, for",
      "tables of at most " + ExhaustiveSearch.MAX_BLOCKS + " blocks, with exhaustive search."
    })
final class PlanCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @picocli.CommandLine.Mixin LoggingOptions logging = new LoggingOptions();

  @Option(names = "--profile", required = true, description = "a table written by ./splitstream profile --json")
  Path profile;

  @Option(names = "--split", defaultValue = "auto", description = "auto, or a split to evaluate, e.g. 0:cpu,37:npu (default: ${DEFAULT-VALUE})")
  String split;

  @Option(names = "--budget", converter = Converters.DurationConverter.class, description = "end-to-end latency budget, e.g. 30ms")
  Duration budget;

  @Option(names = "--no-replicas", negatable = false, description = "one processor per stage")
  boolean noReplicas;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    ProfileTable t = ProfileTable.read(profile);
    PlannerOptions opts = noReplicas ? PlannerOptions.defaults().withoutReplicas() : PlannerOptions.defaults();
    Optional<Duration> b = Optional.ofNullable(budget);
    if (!SplitSpec.isAuto(split)) {
      for (int start : io.splitstream.pipeline.Runner.stageStarts(split)) {
        if (!t.cutPoints().contains(start)) {
          // run profiles for its own split; a stored profile has only the cuts it was made with
          throw new io.splitstream.devices.SplitstreamException("--split " + split + " starts a stage at node " + start
              + ", which the profile " + profile + " has no cut at (it cuts at " + t.cutPoints() + "); make a profile"
              + " that cuts there: ./splitstream profile --model " + t.model() + " --split " + split + " --json FILE"
              + " (on the --soc or --processors it was made on)");
        }
      }
    }
    Plan plan = SplitSpec.isAuto(split) ? Planner.plan(t, b, opts) : SplitSpec.parse(split, t, opts);
    out.print(plan.describe());
    out.print(computeBreakdown(plan, t));
    Plan single = Planner.bestSingle(t, opts);
    out.printf(Locale.ROOT, "best single processor: %s, %.1f frames/s, %.3f ms -> this plan is %.2fx its throughput%n",
        single.label(), single.throughputFps(), single.latencyMs(), plan.throughputFps() / single.throughputFps());
    if (t.blockCount() <= ExhaustiveSearch.MAX_BLOCKS) {
      ExhaustiveSearch.best(t, b, opts).ifPresentOrElse(
          best -> out.printf(Locale.ROOT, "exhaustive search optimum: %s, %.1f frames/s -> this plan reaches %.4f of it%n",
              best.label(), best.throughputFps(), plan.throughputFps() / best.throughputFps()),
          () -> out.println("exhaustive search: no feasible plan"));
    } else {
      out.printf(Locale.ROOT, "exhaustive search skipped: %d blocks (at most %d; profile with --max-blocks %d)%n",
          t.blockCount(), ExhaustiveSearch.MAX_BLOCKS, ExhaustiveSearch.MAX_BLOCKS);
    }
    out.flush();
    return 0;
  }

  /**
   * How each replica's compute time is made: the sum of its blocks' times in the profile plus the
   * processor's invocation cost, which the profile keeps out of the block times and the planner
   * adds once per stage.
   */
  static String computeBreakdown(Plan plan, ProfileTable t) {
    StringBuilder b = new StringBuilder("compute ms = blocks (profile) + one invocation cost per stage:");
    for (Plan.Stage s : plan.stages()) {
      for (Plan.Replica r : s.replicas()) {
        double blocks = 0;
        for (ProfileTable.Block blk : t.blocks().subList(s.firstBlock(), s.endBlock())) {
          blocks += blk.ms(r.processor()).orElse(Double.NaN);
        }
        double invocation = t.processors().stream().filter(p -> p.id().equals(r.processor()))
            .mapToDouble(ProfileTable.ProcessorInfo::invocationMs).findFirst().orElse(0);
        b.append(String.format(Locale.ROOT, " stage %d %s %.3f + %.3f;", s.index(), r.processor(), blocks, invocation));
      }
    }
    b.setLength(b.length() - 1);
    return b.append(System.lineSeparator()).toString();
  }
}
