package io.splitstream.pipeline.cli;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.splitstream.devices.model.Model;
import io.splitstream.devices.model.TensorSpec;
import io.splitstream.devices.onnx.InputShapes;
import io.splitstream.devices.onnx.OnnxModel;
import io.splitstream.devices.onnx.SampleInputs;
import io.splitstream.devices.platform.Platforms;
import io.splitstream.devices.processor.LoadedSegment;
import io.splitstream.devices.processor.Platform;
import io.splitstream.devices.tensor.Tensor;
import io.splitstream.devices.tensor.TensorMap;
import io.splitstream.operators.ShedPolicy;
import io.splitstream.pipeline.Assembly;
import io.splitstream.pipeline.InputShapeChoice;
import io.splitstream.pipeline.Pipeline;
import io.splitstream.pipeline.RunReport;
import io.splitstream.pipeline.Runner;
import io.splitstream.pipeline.adapt.Controller;
import io.splitstream.pipeline.frame.Frame;
import io.splitstream.pipeline.plan.Plan;
import io.splitstream.pipeline.plan.ProfileTable;
import io.splitstream.pipeline.plan.SplitSpec;
import io.splitstream.pipeline.profile.Profiler;
import io.splitstream.pipeline.source.FrameSource;
import io.splitstream.pipeline.time.NanoClock;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/** {@code splitstream bench}: benchmarks that print figures (never assertions). */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Benchmarks that print figures (never assertions), measured side by side in one run.",
    subcommands = {BenchCommand.PipelineOverhead.class, BenchCommand.SimVsReal.class, BenchCommand.Adapt.class,
        ScrapeBench.class, ServeBench.class, KafkaBench.class})
final class BenchCommand implements Runnable {
  @Spec CommandSpec spec;
  @picocli.CommandLine.Mixin LoggingOptions logging = new LoggingOptions();

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** One-stage CPU pipeline against a plain loop over the same loaded segment and frames. */
  @Command(name = "pipeline", mixinStandardHelpOptions = true, sortOptions = false,
      description = {
        "Pipeline overhead: a one-stage pipeline against a plain loop on the same real CPU segment.",
        "Runs a one-stage pipeline on the real ONNX Runtime/TFLite CPU processor and a plain loop calling",
        "the same loaded segment on the same frames, alternating rounds in one run; prints throughput of",
        "each and their ratio (pipeline / loop)."
      })
  static final class PipelineOverhead implements Callable<Integer> {
    @Spec CommandSpec spec;
    @picocli.CommandLine.Mixin LoggingOptions logging = new LoggingOptions();

    @Option(names = "--model", defaultValue = "blazeface", description = "catalogue name or file (default: ${DEFAULT-VALUE})")
    String model;

    @Option(names = "--processor", defaultValue = "cpu", description = "real processor spec (default: ${DEFAULT-VALUE}; tflite for TFLite models)")
    String processor;

    @picocli.CommandLine.Mixin InputShapeOption inputShape = new InputShapeOption();

    @Option(names = "--frames", defaultValue = "1000", converter = Converters.PositiveInt.class, description = "frames per round (default: ${DEFAULT-VALUE})")
    int frames;

    @Option(names = "--rounds", defaultValue = "5", converter = Converters.PositiveInt.class, description = "rounds of each, alternating (default: ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--threads", defaultValue = "2", converter = Converters.Threads.class, description = "intra-op threads (default: ${DEFAULT-VALUE})")
    int threads;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      Model m = InputShapeChoice.requireShapes(
          inputShape.open(model));
      try (Platform platform = Platforms.host(List.of(processor), threads)) {
        String id = platform.processors().get(0).id();
        ProfileTable table = Profiler.profile(m, platform, new Profiler.Options(1, 0, 1, 1));
        Plan plan = SplitSpec.parse("0:" + id, table);
        Scheduler clock = new NanoClock(Schedulers.parallel());
        Assembly.Loaded loaded = Assembly.load(m, platform, plan);
        LoadedSegment segment = loaded.stages().get(0).replicas().get(0).loaded();
        List<TensorMap> inputs = inputs(m);
        out.printf(Locale.ROOT, "%s on %s (%s), %d frames per round, %d rounds%n", m.name(), id,
            platform.processors().get(0).description(), frames, rounds);
        // warm both paths (JIT, ONNX Runtime arenas) before anything is timed
        for (int i = 0; i < frames; i++) {
          segment.run(inputs.get(i % inputs.size()));
        }
        for (int w = 0; w < 2; w++) {
          onePass(m, platform, plan, loaded, inputs, clock);
        }
        double[] loop = new double[rounds];
        double[] pipe = new double[rounds];
        double[] loopCpu = new double[rounds];
        double[] pipeCpu = new double[rounds];
        for (int r = 0; r < rounds; r++) {
          long c0 = processCpuNanos();
          long t0 = System.nanoTime();
          for (int i = 0; i < frames; i++) {
            segment.run(inputs.get(i % inputs.size()));
          }
          loop[r] = frames / ((System.nanoTime() - t0) / 1e9);
          loopCpu[r] = (processCpuNanos() - c0) / 1e6 / frames;
          long c1 = processCpuNanos();
          long t1 = System.nanoTime();
          RunReport report = onePass(m, platform, plan, loaded, inputs, clock);
          pipe[r] = frames / ((System.nanoTime() - t1) / 1e9);
          pipeCpu[r] = (processCpuNanos() - c1) / 1e6 / frames;
          if (report == null || report.ledger().completed() != frames) {
            throw new IllegalStateException("pipeline round did not complete every frame: " + report);
          }
          out.printf(Locale.ROOT, "round %d: loop %.1f fps (%.3f CPU ms/frame), pipeline %.1f fps (%.3f CPU ms/frame), ratio %.3f%n",
              r + 1, loop[r], loopCpu[r], pipe[r], pipeCpu[r], pipe[r] / loop[r]);
        }
        out.printf(Locale.ROOT, "median: loop %.1f fps, pipeline %.1f fps, throughput ratio %.3f (pipeline / loop)%n",
            median(loop), median(pipe), median(pipe) / median(loop));
        out.printf(Locale.ROOT, "median process CPU per frame: loop %.3f ms, pipeline %.3f ms, ratio %.3f (loop / pipeline;"
            + " robust to other load on the machine)%n", median(loopCpu), median(pipeCpu), median(loopCpu) / median(pipeCpu));
        loaded.release().run();
      }
      out.flush();
      return 0;
    }

    /** One pipeline pass over the prepared frames, on the already loaded stages. */
    private RunReport onePass(Model m, Platform platform, Plan plan, Assembly.Loaded loaded, List<TensorMap> inputs,
        Scheduler clock) {
      Pipeline p = Pipeline.builder().model(m.name()).platform(platform).plan(plan).stages(loaded.stages())
          .source(fixed(inputs, frames, clock)).policy(ShedPolicy.BLOCK).clock(clock, false)
          .registry(new SimpleMeterRegistry()).build();
      try {
        return p.run().block();
      } finally {
        p.metrics().close();
      }
    }

    private static FrameSource fixed(List<TensorMap> inputs, int count, Scheduler clock) {
      return new FrameSource() {
        @Override
        public Flux<Frame> frames() {
          return Flux.range(0, count)
              .map(i -> Frame.of("bench", i, clock.now(TimeUnit.NANOSECONDS), inputs.get(i % inputs.size())));
        }

        @Override
        public String description() {
          return count + " prepared frames";
        }

        @Override
        public boolean live() {
          return false;
        }
      };
    }
  }

  /** The same emulated run in real time and in virtual time, side by side. */
  @Command(name = "sim-vs-real", mixinStandardHelpOptions = true, sortOptions = false,
      description = {
        "The same emulated run in real time and in simulation, side by side.",
        "Runs the same pipeline on an emulated SoC twice, in real time and in simulation (virtual time),",
        "and prints ledger, throughput and latency of both with their ratios."
      })
  static final class SimVsReal implements Callable<Integer> {
    @Spec CommandSpec spec;
    @picocli.CommandLine.Mixin LoggingOptions logging = new LoggingOptions();

    @Option(names = "--model", defaultValue = "blazeface", description = "catalogue name or file (default: ${DEFAULT-VALUE})")
    String model;

    @Option(names = "--soc", defaultValue = "sd855-pixel4", description = "emulated SoC profile (default: ${DEFAULT-VALUE})")
    String soc;

    @Option(names = "--source", defaultValue = "synthetic:constant,rate=30", description = "where frames come from, as run --source (default: ${DEFAULT-VALUE})")
    String source;

    @Option(names = "--split", defaultValue = "auto", description = "auto, or stages by hand as run --split (default: ${DEFAULT-VALUE})")
    String split;

    @Option(names = "--duration", defaultValue = "10s", converter = Converters.RunDurationConverter.class,
        description = "how long each run streams (default: ${DEFAULT-VALUE})")
    Duration duration;

    @Option(names = "--compute-outputs", description = {
        "emulated processors compute real outputs on the host in both runs; without it both runs emulate",
        "timing only, so the comparison isolates the clocks (on a host slower than the emulated processors,",
        "real-time latency then includes the host's lag)"})
    boolean computeOutputs;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter quiet = new PrintWriter(java.io.Writer.nullWriter());
      Map<String, RunReport> reports = new LinkedHashMap<>();
      for (boolean simulate : new boolean[] {false, true}) {
        Runner.Options o = new Runner.Options(model, InputShapes.none(), source, Optional.of(soc), List.of(), split,
            Optional.empty(), Optional.empty(), Optional.of(duration), -1, simulate, computeOutputs, false, Optional.empty(), 2,
            24, 32, 1).withAdapt(Runner.Adapt.defaults().withMode(Controller.Mode.OFF));
        long t0 = System.nanoTime();
        RunReport r = Runner.run(o, quiet);
        out.printf(Locale.ROOT, "%s run took %.1f s of wall time%n", simulate ? "simulated" : "real-time",
            (System.nanoTime() - t0) / 1e9);
        reports.put(simulate ? "simulated" : "real time", r);
      }
      RunReport real = reports.get("real time");
      RunReport sim = reports.get("simulated");
      out.printf(Locale.ROOT, "%s on %s (emulated), plan %s, source %s, %.3f s, outputs %s%n", model, soc, sim.plan(), source,
          duration.toNanos() / 1e9, computeOutputs ? "computed on the host" : "not computed (timing only)");
      out.printf(Locale.ROOT, "%-22s %12s %12s %8s%n", "", "real time", "simulated", "ratio");
      row(out, "offered", real.ledger().offered(), sim.ledger().offered());
      row(out, "completed", real.ledger().completed(), sim.ledger().completed());
      row(out, "shed", real.ledger().shed(), sim.ledger().shed());
      row(out, "throughput fps", real.throughputFps(), sim.throughputFps());
      row(out, "latency p50 ms", real.latency().p50Ms(), sim.latency().p50Ms());
      row(out, "latency p99 ms", real.latency().p99Ms(), sim.latency().p99Ms());
      out.printf(Locale.ROOT, "real-time invocations where the host computed slower than the emulated processor: %d%n",
          real.emulationLagFrames());
      out.flush();
      return 0;
    }

    private static void row(PrintWriter out, String what, double real, double sim) {
      out.printf(Locale.ROOT, "%-22s %12.2f %12.2f %8s%n", what, real, sim, ratio(sim, real));
    }

    /** {@code sim / real} to three decimals; "n/a" where the real-time figure is 0 (no ratio exists). */
    static String ratio(double sim, double real) {
      return real == 0 ? "n/a" : String.format(Locale.ROOT, "%.3f", sim / real);
    }
  }

  /**
   * How fast the controller follows a change: one scenario in simulation, adaptive and oracle, at
   * a load above what any plan sustains; prints when the first change came, when the controller
   * decided, what loading cost, and when throughput reached 90 % of the new optimum's bound.
   */
  @Command(name = "adapt", mixinStandardHelpOptions = true, sortOptions = false,
      description = {
        "How fast the controller follows a change, in simulation (emulated figures).",
        "Time from a scenario's first change until throughput is within 90% of the new optimum's bound,",
        "detection and load cost included, in simulation on an emulated SoC (virtual time, emulated figures)."
      })
  static final class Adapt implements Callable<Integer> {
    @Spec CommandSpec spec;
    @picocli.CommandLine.Mixin LoggingOptions logging = new LoggingOptions();

    @Option(names = "--model", defaultValue = "ppocr-det", description = "a model whose split matters (default: ${DEFAULT-VALUE})")
    String model;

    @Option(names = "--soc", defaultValue = "sd855-pixel4", description = "emulated SoC profile (default: ${DEFAULT-VALUE})")
    String soc;

    @Option(names = "--source", defaultValue = "synthetic:constant,rate=1000",
        description = "a source above what any plan sustains, so the figure is the plan's capacity (default: ${DEFAULT-VALUE})")
    String source;

    @Option(names = "--scenario", defaultValue = "step", description = "a scenario file or built-in name; its first event is the change timed (default: ${DEFAULT-VALUE})")
    String scenario;

    @Option(names = "--seed", defaultValue = "1", description = "seed for every random choice (default: ${DEFAULT-VALUE})")
    long seed;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter quiet = new PrintWriter(java.io.Writer.nullWriter());
      io.splitstream.pipeline.scenario.Scenario sc = io.splitstream.pipeline.scenario.Scenario.load(scenario);
      double t0 = sc.events().get(0).at().toNanos() / 1e9;
      Duration length = sc.runDuration().orElse(Duration.ofSeconds(30));
      Runner.Options base = new Runner.Options(model, InputShapes.none(), source, Optional.of(soc), List.of(), "auto",
          Optional.empty(), Optional.empty(), Optional.of(length), -1, true, false, false, Optional.empty(), 2, 24, 32,
          seed);
      Map<Controller.Mode, RunReport> r = new LinkedHashMap<>();
      for (Controller.Mode m : List.of(Controller.Mode.ADAPTIVE, Controller.Mode.ORACLE)) {
        r.put(m, Runner.run(base.withAdapt(new Runner.Adapt(m, Optional.of(scenario), Optional.empty(), true, false,
            Controller.Settings.defaults())), quiet));
      }
      RunReport adaptive = r.get(Controller.Mode.ADAPTIVE);
      RunReport oracle = r.get(Controller.Mode.ORACLE);
      double bound = oracle.adaptation().decisions().stream()
          .filter(d -> d.atSeconds() >= t0 - 1e-6)
          .mapToDouble(io.splitstream.pipeline.adapt.Decision::predictedNewFps)
          .findFirst()
          .orElse(Double.NaN);
      out.printf(Locale.ROOT, "%s on %s (emulated, simulated), %s, scenario %s: first change at t=%.3f s (%s)%n",
          model, soc, source, scenario, t0, sc.events().get(0).summary());
      out.printf(Locale.ROOT, "  before the change: plan %s, %.1f fps predicted%n", adaptive.plan(),
          adaptive.predictedThroughputFps());
      for (io.splitstream.pipeline.adapt.Decision d : adaptive.adaptation().decisions()) {
        out.println("  decision " + d.describe());
      }
      out.printf(Locale.ROOT, "  new optimum (oracle, hindsight): %s%n", oracle.adaptation().decisions().stream()
          .filter(d -> d.atSeconds() >= t0 - 1e-6).map(d -> d.newPlan() + String.format(Locale.ROOT,
              ", bound %.1f fps", d.predictedNewFps())).findFirst().orElse("the same plan"));
      if (!Double.isNaN(bound)) {
        double reached = adaptive.timeline().firstReaching(t0, 0.9 * bound, 2);
        out.printf(Locale.ROOT, "  time from the change to >= 90%% of the new optimum's bound (%.1f fps, over 200 ms): %s%n",
            0.9 * bound, reached < 0 ? "never" : String.format(Locale.ROOT, "%.2f s", reached - t0));
      }
      out.printf(Locale.ROOT, "  frames: offered %d, completed %d, shed %d, failed %d, retried %d; reordered %d; %s%n",
          adaptive.ledger().offered(), adaptive.ledger().completed(), adaptive.ledger().shed(), adaptive.ledger().failed(),
          adaptive.retried(), adaptive.orderViolations(), adaptive.audit().summary());
      out.println("  emulated processors in virtual time: not a hardware measurement");
      out.flush();
      return adaptive.sound() && oracle.sound() ? 0 : Main.EXIT_INTERNAL;
    }
  }

  static List<TensorMap> inputs(Model m) {
    List<TensorMap> list = new ArrayList<>();
    for (int seed = 1; seed <= 8; seed++) {
      if (m instanceof OnnxModel onnx) {
        list.add(SampleInputs.forModel(onnx, onnx.inputShapes(), seed));
      } else {
        Map<String, Tensor> t = new LinkedHashMap<>();
        for (TensorSpec s : m.inputs()) {
          t.put(s.name(), Tensor.zeros(s.type(), s.shapeArray()));
        }
        list.add(TensorMap.of(t));
      }
    }
    return list;
  }

  /** CPU time of this whole process (every thread), where the JVM reports it; 0 otherwise. */
  static long processCpuNanos() {
    if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime();
    }
    return 0;
  }

  static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }
}
