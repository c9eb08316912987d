package io.splitstream.pipeline;

import io.splitstream.devices.io.OutputFiles;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.catalog.ModelStore;
import io.splitstream.devices.catalog.Models;
import io.splitstream.devices.model.Model;
import io.splitstream.devices.model.TensorSpec;
import io.splitstream.devices.onnx.InputShapes;
import io.splitstream.devices.onnx.OnnxModel;
import io.splitstream.devices.platform.FormatMatch;
import io.splitstream.devices.platform.Platforms;
import io.splitstream.devices.processor.Platform;
import io.splitstream.operators.ShedPolicy;
import io.splitstream.operators.time.SimulatedTime;
import io.splitstream.pipeline.server.ApiToken;
import io.splitstream.pipeline.server.WebServer;
import io.splitstream.pipeline.plan.Plan;
import io.splitstream.pipeline.plan.PlannerOptions;
import io.splitstream.pipeline.plan.ProfileTable;
import io.splitstream.pipeline.plan.SplitSpec;
import io.splitstream.pipeline.profile.Profiler;
import io.splitstream.pipeline.source.FrameSource;
import io.splitstream.pipeline.source.SourceContext;
import io.splitstream.pipeline.source.Sources;
import io.splitstream.pipeline.time.NanoClock;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.splitstream.devices.emulated.EmulatedProcessor;
import io.splitstream.devices.processor.Processor;
import io.splitstream.pipeline.adapt.Controller;
import io.splitstream.pipeline.adapt.Decision;
import io.splitstream.pipeline.scenario.NoiseTarget;
import io.splitstream.pipeline.scenario.Scenario;
import io.splitstream.pipeline.scenario.ScenarioPlayer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * One run of the product, as {@code ./splitstream run} does it: open the model, build the platform
 * (an emulated SoC or this host's processors), profile, plan (auto or by hand), open the source,
 * serve {@code /metrics}, stream until the source ends or the duration is up, then report.
 */
public final class Runner {

  /**
   * How a run adapts, and what it is subjected to.
   *
   * @param mode {@code OFF} keeps the starting plan; {@code ADAPTIVE} re-plans from measurements;
   *     {@code ORACLE} re-plans at each scenario event from the truth, for free (compare's baseline)
   * @param scenario a scenario file or built-in name applied on the pipeline clock
   * @param decisions where to write the decisions, one JSON object per line
   * @param thermal whether emulated processors heat under sustained load (their profile's model)
   * @param counterfactual after a real-time run, simulate the same run with the static plan and
   *     print what it would have done
   * @param settings the controller's settings
   */
  public record Adapt(Controller.Mode mode, Optional<String> scenario, Optional<Path> decisions, boolean thermal,
      boolean counterfactual, Controller.Settings settings) {
    public static Adapt defaults() {
      return new Adapt(Controller.Mode.ADAPTIVE, Optional.empty(), Optional.empty(), true, false,
          Controller.Settings.defaults());
    }

    public Adapt withMode(Controller.Mode m) {
      return new Adapt(m, scenario, decisions, thermal, counterfactual, settings);
    }
  }

  /**
   * Everything a run is told.
   *
   * @param soc emulated SoC profile id or file; empty to use {@code processors} on this host
   * @param processors real processor specs on this host (used when {@code soc} is empty)
   * @param split {@code auto} or a split string such as {@code 0:cpu,37:npu}
   * @param policy shed policy name; empty for the default (block for file replay, drop-oldest for
   *     a live source)
   * @param budget end-to-end latency budget: a planner constraint, and the deadline policy's budget
   * @param duration stop after this long on the pipeline clock; empty to run to the source's end
   * @param metricsPort port on 127.0.0.1 for {@code /metrics}; 0 picks a free one, -1 serves none
   * @param simulate run on a simulated clock (virtual time; emulated processors only)
   * @param computeOutputs emulated processors compute real outputs on the host (the CLI turns it
   *     on in real time and off in simulation unless {@code --compute-outputs}); off, they return
   *     zero tensors of the right shapes and only their timing is emulated
   * @param progress print a progress line while running
   * @param adapt live re-planning and scenario
   */
  public record Options(
      String model,
      InputShapes inputShapes,
      String source,
      Optional<String> soc,
      List<String> processors,
      String split,
      Optional<String> policy,
      Optional<Duration> budget,
      Optional<Duration> duration,
      int metricsPort,
      boolean simulate,
      boolean computeOutputs,
      boolean progress,
      Optional<Path> report,
      int threads,
      int maxBlocks,
      int capacity,
      long seed,
      Adapt adapt) {
    public Options {
      processors = List.copyOf(processors);
    }

    /** Options with the default adaptation (adaptive, no scenario). */
    public Options(String model, InputShapes inputShapes, String source, Optional<String> soc, List<String> processors,
        String split, Optional<String> policy, Optional<Duration> budget, Optional<Duration> duration, int metricsPort,
        boolean simulate, boolean computeOutputs, boolean progress, Optional<Path> report, int threads, int maxBlocks,
        int capacity, long seed) {
      this(model, inputShapes, source, soc, processors, split, policy, budget, duration, metricsPort, simulate,
          computeOutputs, progress, report, threads, maxBlocks, capacity, seed, Adapt.defaults());
    }

    public Options withBudget(Optional<Duration> b) {
      return new Options(model, inputShapes, source, soc, processors, split, policy, b, duration, metricsPort,
          simulate, computeOutputs, progress, report, threads, maxBlocks, capacity, seed, adapt);
    }

    public Options withAdapt(Adapt a) {
      return new Options(model, inputShapes, source, soc, processors, split, policy, budget, duration, metricsPort,
          simulate, computeOutputs, progress, report, threads, maxBlocks, capacity, seed, a);
    }

    /** The same run in simulation, quiet: no metrics server, no progress, no report file. */
    public Options simulated() {
      return new Options(model, inputShapes, source, soc, processors, split, policy, budget, duration, -1, true,
          false, false, Optional.empty(), threads, maxBlocks, capacity, seed,
          new Adapt(adapt.mode(), adapt.scenario(), Optional.empty(), adapt.thermal(), false, adapt.settings()));
    }
  }

  /**
   * How the run's HTTP server serves, besides its port ({@link Options#metricsPort()}).
   *
   * @param bind the address to bind; {@code 127.0.0.1} unless a person asked otherwise (a warning is
   *     printed then)
   * @param apiToken the bearer token changes through the API need; empty to generate one and write
   *     it to a file only this user can read, whose path is printed
   * @param web whether {@code /} serves the live page
   * @param onListening told the server once it listens (tests use it to find the port)
   */
  public record Serve(String bind, Optional<String> apiToken, boolean web, java.util.function.Consumer<WebServer> onListening) {
    public static Serve defaults() {
      return new Serve(WebServer.LOOPBACK, Optional.empty(), true, s -> {});
    }
  }

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Runner.class);

  private Runner() {}

  /**
   * The plan a run with {@code o} would start with: profiles the model on the platform and opens
   * the source (on a simulated clock, without reading it) for its nominal rate.
   */
  public static Plan startingPlan(Options o) {
    return startingPlan(o, true);
  }

  /**
   * With {@code forRate} false, the highest-throughput plan whatever the source's rate (what
   * {@code compare} scales its default budget from).
   */
  public static Plan startingPlan(Options o, boolean forRate) {
    check(o);
    Model model = InputShapeChoice.resolve(Models.open(o.model(), o.inputShapes(), ModelStore.defaultStore()),
        o.source(), o.duration(), o.seed(), new PrintWriter(java.io.Writer.nullWriter()));
    // the source is opened (and so checked) before the platform, whose real processors take time to open
    SourceContext ctx = new SourceContext(concreteInput(model), "stream0", new SimulatedTime(), o.duration(),
        o.seed(), true);
    FrameSource source = Sources.open(o.source(), ctx);
    policy(o, source);
    double rate = source.nominalRate().orElse(-1.0);
    try (Platform platform = platform(o, false)) {
      FormatMatch.requireRunnable(model, platform);
      return choosePlan(o, profile(model, platform, o), forRate ? rate : -1);
    }
  }

  /** The run's processors: the emulated SoC when one is named, else real processors on this host. */
  static Platform platform(Options o, boolean computeOutputs) {
    return o.soc().isPresent()
        ? Platforms.emulated(o.soc().get(), 1, computeOutputs)
        : Platforms.host(o.processors(), o.threads());
  }

  static ProfileTable profile(Model model, Platform platform, Options o) {
    return Profiler.profile(model, platform, new Profiler.Options(o.maxBlocks(), 2, 10, o.seed()),
        SplitSpec.isAuto(o.split()) ? List.of() : stageStarts(o.split()));
  }

  /** The hand-given split, or the controller's starting plan for {@code rate} (-1: unknown). */
  static Plan choosePlan(Options o, ProfileTable table, double rate) {
    return SplitSpec.isAuto(o.split())
        ? Controller.startingPlan(table, o.budget(), PlannerOptions.defaults(), rate)
        : SplitSpec.parse(o.split(), table);
  }

  /**
   * Checks what can be checked before any work starts (what needs the model, the source, is checked
   * as soon as those are open, before the platform and profiling); one line naming the option and
   * the remedy.
   */
  static void check(Options o) {
    if (o.capacity() < 1) {
      throw new SplitstreamException("--capacity " + o.capacity() + " is not positive: give at least 1 frame");
    }
    if (o.maxBlocks() < 1) {
      throw new SplitstreamException("--max-blocks " + o.maxBlocks() + " is not positive: give at least 1");
    }
    if (o.metricsPort() < -1 || o.metricsPort() > 65535) {
      throw new SplitstreamException("--metrics-port " + o.metricsPort() + " is not a port: give 1 to 65535, 0 for a"
          + " free one, or -1 for none");
    }
    if (o.soc().isEmpty()) {
      io.splitstream.devices.platform.HostThreads.check(o.threads(), "--threads " + o.threads());
    }
    // the policy's name (and deadline's need of a budget) does not depend on the source
    o.policy().ifPresent(name -> policy(o, null));
    o.report().ifPresent(p -> OutputFiles.checkWritableFile(p, "--report"));
    o.adapt().decisions().ifPresent(p -> OutputFiles.checkWritableFile(p, "--decisions"));
  }

  public static RunReport run(Options o, PrintWriter out) {
    return run(o, RunExtras.none(), out, Serve.defaults());
  }

  /** A run whose HTTP server (when {@link Options#metricsPort()} is not -1) serves as {@code serve} says. */
  public static RunReport run(Options o, PrintWriter out, Serve serve) {
    return run(o, RunExtras.none(), out, serve);
  }

  /** A run with {@code extras}: several streams, a trace file, an HTML page. */
  public static RunReport run(Options o, RunExtras extras, PrintWriter out) {
    return run(o, extras, out, Serve.defaults());
  }

  /** A run with {@code extras}, its HTTP server serving as {@code serve} says. */
  public static RunReport run(Options o, RunExtras extras, PrintWriter out, Serve serve) {
    check(o);
    if (o.simulate() && o.soc().isEmpty()) {
      throw new SplitstreamException("--simulate needs an emulated SoC (--soc): real processors run only in real time");
    }
    Optional<Scenario> scenario = o.adapt().scenario().map(Scenario::load);
    Model model = InputShapeChoice.resolve(Models.open(o.model(), o.inputShapes(), ModelStore.defaultStore()),
        o.source(), o.duration(), o.seed(), out);
    Scheduler clock = o.simulate() ? new SimulatedTime() : new NanoClock(Schedulers.parallel());
    // the sources are opened (and so checked) before the platform, whose real processors take time to open
    TensorSpec input = concreteInput(model);
    SourceContext ctx = new SourceContext(input, "stream0", clock, o.duration(), o.seed(), true);
    List<String> specs = new java.util.ArrayList<>(List.of(o.source()));
    specs.addAll(extras.moreSources());
    FrameSource source = Sources.openStreams(specs, Math.max(extras.streams(), specs.size()), ctx);
    ShedPolicy policy = policy(o, source);
    RunReport result;
    try (Platform platform = platform(o, o.computeOutputs())) {
      FormatMatch.requireRunnable(model, platform);
      out.println("platform: " + platform.description());
      Set<String> ids = new LinkedHashSet<>();
      platform.processors().forEach(p -> ids.add(p.id()));
      // checked before any work starts
      scenario.ifPresent(sc -> sc.validate(ids, source.rateControl().isPresent()));

      ProfileTable table = profile(model, platform, o);
      followClock(platform, clock, o);
      double knownRate = source.nominalRate().orElse(-1.0);
      Plan plan = choosePlan(o, table, knownRate);
      out.println("plan (" + (SplitSpec.isAuto(o.split())
          ? knownRate > 0
              ? String.format(Locale.ROOT, "auto, for the source's %.0f frames/s", knownRate) : "auto"
          : "by hand") + "):");
      out.print(plan.describe());
      out.flush();
      out.println("source: " + source.description() + "; policy " + policy.name());
      scenario.ifPresent(sc -> {
        out.println("scenario: " + sc.name() + " (" + sc.events().size() + (sc.events().size() == 1 ? " event)" : " events)")
            + sc.description().map(d -> ": " + d).orElse(""));
        sc.warnings().forEach(w -> out.println("scenario warning: " + w));
      });
      out.println("adapt: " + o.adapt().mode().label());
      LOG.info("run {} on {}: plan {}, source {}, policy {}, {}, adapt {}", model.name(), platform.description(),
          plan.label(), source.description(), policy.name(), o.simulate() ? "simulated" : "real time",
          o.adapt().mode().label());

      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      SegmentCache cache = new SegmentCache(model, platform, () -> clock.now(TimeUnit.NANOSECONDS));
      AtomicReference<Pipeline> started = new AtomicReference<>();
      io.splitstream.pipeline.report.RunRecorder recorder = new io.splitstream.pipeline.report.RunRecorder(
          () -> started.get().startNanos(), o.duration(), extras.traceOut(), registry, model.name(),
          extras.streamMeterCap());
      Pipeline pipeline;
      try {
        pipeline = Pipeline.builder()
            .model(model.name())
            .platform(platform)
            .plan(plan, cache)
            .source(source)
            .policy(policy)
            .capacity(o.capacity())
            .budget(o.budget())
            .retryOnLoss(o.adapt().mode() != Controller.Mode.OFF)
            .clock(clock, o.simulate())
            .registry(registry)
            .onSettled(recorder)
            .build();
        started.set(pipeline);
      } catch (RuntimeException e) {
        cache.close();
        recorder.close();
        throw e;
      }
      WebServer server = null;
      ApiToken token = null;
      CountDownLatch reported = new CountDownLatch(1);
      List<String> applied = new CopyOnWriteArrayList<>();
      Disposable player = () -> {};
      try {
        Controller controller = new Controller(pipeline, table, o.budget(), o.adapt().settings(), o.adapt().mode(),
            () -> source.nominalRate().orElse(-1.0))
            .bindTo(registry, model.name());
        boolean live = !o.simulate() && o.progress();
        controller.onDecision(d -> {
          if (live && !d.measured()) {
            out.println("re-plan " + d.describe());
            out.flush();
          }
        });
        String url = "";
        if (o.metricsPort() >= 0) {
          token = serve.apiToken().map(ApiToken::given).orElseGet(ApiToken::generate);
          server = WebServer.start(new WebServer.Config(serve.bind(), o.metricsPort(), registry,
              () -> pipeline.metrics().refresh(), Optional.of(new RunControl(pipeline, controller, table)),
              Optional.of(token.value()), serve.web()));
          url = server.baseUri() + "/metrics";
          out.println("metrics: " + url);
          if (serve.web()) {
            out.println("live page: " + server.baseUri() + "/");
          }
          out.println("control API: " + server.baseUri() + "/api/v1/status; changes need the bearer token "
              + token.where());
          if (!WebServer.LOOPBACK.equals(serve.bind())) {
            out.println("warning: the server listens on " + serve.bind() + ", not only on this machine: anyone who"
                + " can reach it can read the run, and change it with the token");
          }
          serve.onListening().accept(server);
        }
        out.flush();
        controller.start();
        if (scenario.isPresent()) {
          player = ScenarioPlayer.start(scenario.get(), clock, platform::processor, source.rateControl(),
              Optional.of(noiseTarget(platform)), o.seed(), ev -> {
                applied.add(ev.toString());
                if (live) {
                  out.println("scenario " + ev);
                  out.flush();
                }
                controller.told(ev.toString());
              });
        }
        RunReport report = (o.simulate() ? simulate(pipeline, (SimulatedTime) clock, player,
                io.splitstream.pipeline.report.Eta.simulated(pipeline, o.duration(), out, extras.progress()), reported, out)
            : realTime(pipeline, o.progress(), out, reported, controller, o.duration())).withMetricsUrl(url);
        controller.stop();
        recorder.close();
        report = report.withAdaptation(new RunReport.Adaptation(o.adapt().mode().label(), pipeline.plan().label(),
            pipeline.plan().epoch(), report.adaptation().loadMs(), controller.decisions(), applied));
        report = report.withDetail(recorder.detail(report.durationSeconds(),
            controller.decisions().stream().map(Decision::activatedAtSeconds).toList()));
        LOG.info("run ended: {}; {} fps; {}", report.ledger(), String.format(Locale.ROOT, "%.1f", report.throughputFps()),
            report.audit().summary());
        out.print(report.render());
        RunReport finalReport = report;
        o.report().ifPresent(p -> {
          finalReport.write(p);
          out.println("report: " + p.toAbsolutePath());
        });
        RunReport withDetail = report;
        extras.traceOut().ifPresent(p -> out.println("trace: " + p.toAbsolutePath()));
        extras.html().ifPresent(p -> {
          io.splitstream.pipeline.report.HtmlReport.write(withDetail, p);
          out.println("html: " + p.toAbsolutePath());
        });
        o.adapt().decisions().ifPresent(p -> {
          writeDecisions(p, controller.decisions());
          out.println("decisions: " + p.toAbsolutePath());
        });
        out.flush();
        result = report;
      } finally {
        player.dispose();
        if (server != null) {
          server.close();
        }
        if (token != null) {
          token.close();
        }
        pipeline.close();
        registry.close();
        reported.countDown();
      }
    }
    if (o.adapt().counterfactual() && !o.simulate() && o.soc().isPresent()) {
      counterfactual(o, out);
    }
    return result;
  }

  /** Emulated processors heat on the pipeline clock, and start cold after profiling. */
  static void followClock(Platform platform, Scheduler clock, Options o) {
    for (Processor p : platform.processors()) {
      if (p instanceof EmulatedProcessor e) {
        e.useClock(() -> clock.now(TimeUnit.NANOSECONDS));
        if (e.profile().thermal().isPresent()) {
          e.setThermal(o.adapt().thermal());
        }
      }
    }
  }

  /** Simulates the same run twice, static and adaptive, and prints what each would have done. */
  private static void counterfactual(Options o, PrintWriter out) {
    StringWriter ignored = new StringWriter();
    PrintWriter quiet = new PrintWriter(ignored);
    Options sim = o.simulated();
    RunReport fixed = run(sim.withAdapt(sim.adapt().withMode(Controller.Mode.OFF)), quiet);
    RunReport adaptive = run(sim.withAdapt(sim.adapt().withMode(Controller.Mode.ADAPTIVE)), quiet);
    out.println("Counterfactual (simulated, virtual time, same model, SoC, source and scenario):");
    out.println(counterfactualLine("static plan", fixed));
    out.println(counterfactualLine("adaptive", adaptive));
    out.flush();
  }

  private static String counterfactualLine(String what, RunReport r) {
    String budget = r.budgetMs() > 0
        ? String.format(Locale.ROOT, ", %.1f%% within %.0f ms", 100 * r.withinBudgetShare(), r.budgetMs()) : "";
    return String.format(Locale.ROOT, "  %-12s %8.1f fps, p50 %.2f ms, p99 %.2f ms, shed %d, failed %d, %d switch(es)%s",
        what, r.throughputFps(), r.latency().p50Ms(), r.latency().p99Ms(), r.ledger().shed(), r.ledger().failed(),
        r.adaptation().decisions().size(), budget);
  }

  private static void writeDecisions(Path p, List<Decision> decisions) {
    ObjectMapper json = new ObjectMapper();
    try {
      StringBuilder b = new StringBuilder();
      for (Decision d : decisions) {
        b.append(json.writeValueAsString(d)).append('\n');
      }
      OutputFiles.writeString(p, b.toString());
    } catch (IOException e) {
      throw new SplitstreamException("cannot write decisions to " + p + ": " + OutputFiles.reason(e)
          + "; choose a writable path for --decisions", e);
    }
  }

  private static NoiseTarget noiseTarget(Platform platform) {
    return (id, fraction, seed) -> {
      if (platform.processor(id) instanceof EmulatedProcessor e) {
        e.setNoise(fraction, seed);
      } else {
        throw new SplitstreamException("processor '" + id + "' is real: noise applies to emulated processors only;"
            + " remove the noise event or run on an emulated SoC");
      }
    };
  }

  /**
   * Runs in real time. Ctrl-C (or any JVM shutdown) drains the pipeline: admission stops, frames in
   * flight finish, and the summary is printed before the JVM goes (waiting up to 30 s for it).
   */
  private static RunReport realTime(Pipeline pipeline, boolean progress, PrintWriter out, CountDownLatch reported,
      Controller controller, Optional<Duration> duration) {
    Thread hook = drainOnShutdown(pipeline::drain, reported);
    long[] last = {0, System.nanoTime()};
    Disposable ticker = progress
        ? Flux.interval(Duration.ofSeconds(1), Schedulers.parallel()).subscribe(t -> {
          out.println(progressLine(pipeline, controller, last)
              + io.splitstream.pipeline.report.Eta.realTime(pipeline, duration));
          out.flush();
        })
        : () -> {};
    try {
      RunReport r = pipeline.run().block();
      if (r == null) {
        throw new IllegalStateException("the pipeline ended without a report");
      }
      return r;
    } finally {
      ticker.dispose();
      removeHook(hook);
    }
  }

  /**
   * A shutdown hook (Ctrl-C, SIGTERM) that calls {@code drain} and then waits, up to 30 s, until
   * {@code reported} says the summary (and any report file) is out, so the JVM does not exit first.
   */
  private static Thread drainOnShutdown(Runnable drain, CountDownLatch reported) {
    Thread hook = new Thread(() -> {
      drain.run();
      try {
        reported.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "splitstream-drain");
    Runtime.getRuntime().addShutdownHook(hook);
    return hook;
  }

  private static void removeHook(Thread hook) {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running: it drains, which is what we want
    }
  }

  /**
   * Runs in virtual time. Ctrl-C drains as in real time: the drain is scheduled on the simulated
   * clock (so it runs on the simulation's own thread, between events), frames in flight finish in
   * virtual time, and the summary of what ran is printed.
   */
  private static RunReport simulate(Pipeline pipeline, SimulatedTime sim, Disposable player, Disposable eta,
      CountDownLatch reported, PrintWriter out) {
    AtomicReference<RunReport> result = new AtomicReference<>();
    AtomicReference<Throwable> error = new AtomicReference<>();
    // scenario events after the end of the stream must not keep the simulation going
    pipeline.finished().subscribe(null, null, player::dispose);
    pipeline.run().subscribe(result::set, error::set);
    Thread hook = drainOnShutdown(() -> sim.schedule(pipeline::drain), reported);
    out.println("simulating; Ctrl-C ends the run early with the summary of what ran");
    out.flush();
    try {
      sim.run();
    } finally {
      removeHook(hook);
      eta.dispose();
    }
    if (error.get() != null) {
      throw error.get() instanceof RuntimeException re ? re : new IllegalStateException(error.get());
    }
    if (result.get() == null) {
      throw new IllegalStateException("the simulation ran out of events before the pipeline finished: "
          + pipeline.ledger());
    }
    return result.get();
  }

  /**
   * One progress line: frames/s over the last interval ({@code last} holds the completed count and
   * wall time of the previous line, and is updated), latency percentiles since the start.
   */
  static String progressLine(Pipeline p, Controller c, long[] last) {
    Pipeline.Progress g = p.progress();
    var l = g.ledger();
    long nowWall = System.nanoTime();
    double fps = nowWall > last[1] ? (l.completed() - last[0]) / ((nowWall - last[1]) / 1e9) : 0;
    last[0] = l.completed();
    last[1] = nowWall;
    String speeds = c.estimates().snapshot().entrySet().stream()
        .map(e -> e.getKey() + " " + String.format(Locale.ROOT, "%.2f", e.getValue()))
        .collect(java.util.stream.Collectors.joining(" "));
    return String.format(Locale.ROOT, "[%6.1fs] %7.1f fps (last 1 s)  p50 %7.2f ms  p99 %7.2f ms (since start)  completed %d  shed %d  failed %d  retried %d  in flight %d  plan %s (epoch %d)  est. speed %s",
        g.elapsedSeconds(), fps, g.p50Ms(), g.p99Ms(), l.completed(), l.shed(), l.failed(), g.retried(), l.inFlight(),
        p.plan().label(), p.plan().epoch(), speeds);
  }

  /** The node indices where a hand-given split starts its stages; malformed parts are left to SplitSpec. */
  public static List<Integer> stageStarts(String split) {
    List<Integer> starts = new java.util.ArrayList<>();
    for (String part : split.split(",")) {
      int colon = part.indexOf(':');
      if (colon > 0) {
        try {
          starts.add(Integer.parseInt(part.substring(0, colon).trim()));
        } catch (NumberFormatException e) {
          // SplitSpec.parse names it
        }
      }
    }
    return starts;
  }

  /** The run's shed policy; {@code source} may be null when {@code o} names one. */
  private static ShedPolicy policy(Options o, FrameSource source) {
    String name = o.policy().orElseGet(() -> source.live() ? "drop-oldest" : "block");
    try {
      return ShedPolicy.parse(name, o.budget());
    } catch (IllegalArgumentException e) {
      throw new SplitstreamException(e.getMessage().replace("give one, e.g. 100ms", "give one with --budget, e.g. --budget 100ms"));
    }
  }

  /** The model's first input with dynamic dimensions resolved to the shapes the model runs at. */
  public static TensorSpec concreteInput(Model model) {
    TensorSpec in = model.inputs().get(0);
    if (model instanceof OnnxModel onnx) {
      Map<String, long[]> resolved = onnx.inputShapes().resolve(onnx.name(), onnx.inputs());
      long[] dims = resolved.get(in.name());
      if (dims != null) {
        return new TensorSpec(in.name(), in.type(), Arrays.stream(dims).boxed().toList());
      }
    }
    return in;
  }
}
