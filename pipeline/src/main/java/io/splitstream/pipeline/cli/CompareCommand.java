package io.splitstream.pipeline.cli;

import io.splitstream.devices.io.OutputFiles;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.splitstream.devices.SplitstreamException;
import io.splitstream.pipeline.RunReport;
import io.splitstream.pipeline.Runner;
import io.splitstream.pipeline.adapt.Controller;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code splitstream compare}: one scenario in simulation three ways: the plan chosen at the start
 * kept throughout (static), the controller re-planning from measurements (adaptive), and the best
 * plan for each phase between events known in hindsight, switching for free (oracle).
 */
@Command(
    name = "compare",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Run one scenario in simulation three ways (static, adaptive, oracle) and print one table.",
      "Emulated processors only; every figure is virtual time on the SoC profile, not a hardware measurement."
    })
final class CompareCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @picocli.CommandLine.Mixin LoggingOptions logging = new LoggingOptions();

  @picocli.CommandLine.Mixin StreamOptions stream = new StreamOptions();

  @Option(names = "--json", description = "also write the table as JSON to this file")
  Path json;

  /** One row of the table. */
  record Row(String mode, double throughputFps, double p50Ms, double p99Ms, double withinBudget, long offered,
      long shed, long failed, long retried, int switches, double loadMs, boolean audit) {
    static Row of(String mode, RunReport r) {
      return new Row(mode, r.throughputFps(), r.latency().p50Ms(), r.latency().p99Ms(), r.withinBudgetShare(),
          r.ledger().offered(), r.ledger().shed(), r.ledger().failed(), r.retried(), r.adaptation().decisions().size(),
          r.adaptation().loadMs(), r.sound());
    }
  }

  /** The whole comparison, as {@code --json} writes it. */
  record Result(String scenario, String model, String soc, String source, double budgetMs, double durationSeconds,
      List<Row> rows, double adaptiveOverStaticWithinBudget, double adaptiveOverOracleThroughput, boolean emulated) {}

  @Override
  public Integer call() {
    stream.applyScenarioDefaults(spec.commandLine().getParseResult());
    if (stream.platform.processors != null) {
      throw new SplitstreamException("compare runs in simulation, where only emulated processors run: leave out --processors"
          + " and give --soc ID (sd855-pixel4 when left out)");
    }
    if (stream.scenario().isEmpty()) {
      throw new SplitstreamException("compare needs a scenario: give --scenario FILE or a built-in name (see ./splitstream run --help)");
    }
    if (json != null) {
      OutputFiles.checkWritableFile(json, "--json");
    }
    PrintWriter out = spec.commandLine().getOut();
    Runner.Options base = stream.options(true, false, false, -1, Optional.empty(), Controller.Mode.OFF,
        Optional.empty(), false);
    if (base.budget().isEmpty()) {
      double ms = Runner.startingPlan(base, false).latencyMs();
      Duration budget = Duration.ofMillis(Math.max(1, Math.round(3 * ms)));
      out.printf(Locale.ROOT, "budget: %d ms (3x the predicted latency of the highest-throughput plan, %.2f ms;"
          + " give --budget to choose)%n", budget.toMillis(), ms);
      base = base.withBudget(Optional.of(budget));
    }
    List<Row> rows = new ArrayList<>();
    Map<String, RunReport> reports = new LinkedHashMap<>();
    for (Controller.Mode m : List.of(Controller.Mode.OFF, Controller.Mode.ADAPTIVE, Controller.Mode.ORACLE)) {
      RunReport r = Runner.run(base.withAdapt(base.adapt().withMode(m)), new PrintWriter(new StringWriter()));
      String name = m == Controller.Mode.OFF ? "static" : m.label();
      reports.put(name, r);
      rows.add(Row.of(name, r));
    }
    RunReport first = reports.get("static");
    out.printf(Locale.ROOT, "compare: scenario %s, %s on %s (emulated, simulated), %s, budget %.1f ms, %.1f s%n",
        base.adapt().scenario().orElse(""), first.model(), first.platform(), first.source(), first.budgetMs(),
        first.durationSeconds());
    out.printf(Locale.ROOT, "  %-9s %9s %8s %8s %9s %9s %8s %7s %8s %8s %8s %6s%n", "mode", "fps", "p50 ms", "p99 ms",
        "in budget", "offered", "shed", "failed", "retried", "switches", "load ms", "audit");
    for (Row r : rows) {
      out.printf(Locale.ROOT, "  %-9s %9.1f %8.2f %8.2f %8.1f%% %9d %8d %7d %8d %8d %8.0f %6s%n", r.mode(),
          r.throughputFps(), r.p50Ms(), r.p99Ms(), 100 * r.withinBudget(), r.offered(), r.shed(), r.failed(),
          r.retried(), r.switches(), r.loadMs(), r.audit() ? "passed" : "FAILED");
    }
    double withinRatio = ratio(rows.get(1).withinBudget(), rows.get(0).withinBudget());
    double oracleRatio = ratio(rows.get(1).throughputFps(), rows.get(2).throughputFps());
    out.printf(Locale.ROOT, "  adaptive / static share within budget: %.2f; adaptive / oracle throughput: %.3f%n",
        withinRatio, oracleRatio);
    out.println("  figures are emulated (SoC profile) in virtual time, not hardware measurements");
    if (json != null) {
      Result res = new Result(base.adapt().scenario().orElse(""), first.model(), first.platform(), first.source(),
          first.budgetMs(), first.durationSeconds(), rows, withinRatio, oracleRatio, true);
      try {
        OutputFiles.writeString(json, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(res) + "\n");
      } catch (IOException e) {
        throw new SplitstreamException("cannot write " + json + ": " + OutputFiles.reason(e) + "; choose a writable path for --json", e);
      }
      out.println("json: " + json.toAbsolutePath());
    }
    out.flush();
    boolean sound = rows.stream().allMatch(Row::audit);
    return sound ? 0 : Main.EXIT_INTERNAL;
  }

  private static double ratio(double a, double b) {
    return b > 0 ? a / b : (a > 0 ? Double.POSITIVE_INFINITY : 1);
  }
}
