package io.splitstream.pipeline;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.catalog.ModelStore;
import io.splitstream.devices.catalog.Models;
import io.splitstream.devices.model.Model;
import io.splitstream.devices.model.TensorSpec;
import io.splitstream.devices.onnx.InputShapes;
import io.splitstream.devices.onnx.OnnxModel;
import io.splitstream.devices.platform.Platforms;
import io.splitstream.devices.processor.Platform;
import io.splitstream.operators.ShedPolicy;
import io.splitstream.operators.time.SimulatedTime;
import io.splitstream.pipeline.metrics.MetricsServer;
import io.splitstream.pipeline.plan.Plan;
import io.splitstream.pipeline.plan.Planner;
import io.splitstream.pipeline.plan.PlannerOptions;
import io.splitstream.pipeline.plan.ProfileTable;
import io.splitstream.pipeline.plan.SplitSpec;
import io.splitstream.pipeline.profile.Profiler;
import io.splitstream.pipeline.source.FrameSource;
import io.splitstream.pipeline.source.SourceContext;
import io.splitstream.pipeline.source.Sources;
import io.splitstream.pipeline.time.NanoClock;
import java.io.PrintWriter;
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
      long seed) {
    public Options {
      processors = List.copyOf(processors);
    }
  }

  private Runner() {}

  public static RunReport run(Options o, PrintWriter out) {
    if (o.simulate() && o.soc().isEmpty()) {
      throw new SplitstreamException("--simulate needs an emulated SoC (--soc): real processors run only in real time");
    }
    Model model = Models.open(o.model(), o.inputShapes(), ModelStore.defaultStore());
    boolean compute = o.computeOutputs();
    try (Platform platform = o.soc().isPresent()
        ? Platforms.emulated(o.soc().get(), 1, compute)
        : Platforms.host(o.processors(), o.threads())) {
      out.println("platform: " + platform.description());
      ProfileTable table = Profiler.profile(model, platform,
          new Profiler.Options(o.maxBlocks(), 2, 10, o.seed()), SplitSpec.isAuto(o.split()) ? List.of() : stageStarts(o.split()));
      Plan plan = SplitSpec.isAuto(o.split())
          ? Planner.plan(table, o.budget(), PlannerOptions.defaults())
          : SplitSpec.parse(o.split(), table);
      out.println("plan (" + (SplitSpec.isAuto(o.split()) ? "auto" : "by hand") + "):");
      out.print(plan.describe());
      out.flush();

      Scheduler clock = o.simulate() ? new SimulatedTime() : new NanoClock(Schedulers.parallel());
      TensorSpec input = concreteInput(model);
      SourceContext ctx = new SourceContext(input, "stream0", clock, o.duration(), o.seed(), true);
      FrameSource source = Sources.open(o.source(), ctx);
      ShedPolicy policy = policy(o, source);
      out.println("source: " + source.description() + "; policy " + policy.name());

      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      Assembly.Loaded loaded = Assembly.load(model, platform, plan, o.simulate(), clock);
      Pipeline pipeline = Pipeline.builder()
          .model(model.name())
          .platform(platform)
          .plan(plan)
          .stages(loaded.stages())
          .source(source)
          .policy(policy)
          .capacity(o.capacity())
          .clock(clock, o.simulate())
          .registry(registry)
          .onClose(loaded.release())
          .build();
      MetricsServer server = null;
      CountDownLatch reported = new CountDownLatch(1);
      try {
        String url = "";
        if (o.metricsPort() >= 0) {
          server = MetricsServer.start(registry, o.metricsPort(), () -> pipeline.metrics().refresh());
          url = server.baseUri() + "/metrics";
          out.println("metrics: " + url);
        }
        out.flush();
        RunReport report = (o.simulate() ? simulate(pipeline, (SimulatedTime) clock)
            : realTime(pipeline, o.progress(), out, reported)).withMetricsUrl(url);
        out.print(report.render());
        o.report().ifPresent(p -> {
          report.write(p);
          out.println("report: " + p.toAbsolutePath());
        });
        out.flush();
        return report;
      } finally {
        if (server != null) {
          server.close();
        }
        pipeline.close();
        registry.close();
        reported.countDown();
      }
    }
  }

  /**
   * Runs in real time. Ctrl-C (or any JVM shutdown) drains the pipeline: admission stops, frames in
   * flight finish, and the summary is printed before the JVM goes (waiting up to 30 s for it).
   */
  private static RunReport realTime(Pipeline pipeline, boolean progress, PrintWriter out, CountDownLatch reported) {
    Thread hook = new Thread(() -> {
      pipeline.drain();
      try {
        reported.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "splitstream-drain");
    Runtime.getRuntime().addShutdownHook(hook);
    Disposable ticker = progress
        ? Flux.interval(Duration.ofSeconds(1), Schedulers.parallel()).subscribe(t -> {
          out.println(progressLine(pipeline));
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
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running: it drains, which is what we want
      }
    }
  }

  private static RunReport simulate(Pipeline pipeline, SimulatedTime sim) {
    AtomicReference<RunReport> result = new AtomicReference<>();
    AtomicReference<Throwable> error = new AtomicReference<>();
    pipeline.run().subscribe(result::set, error::set);
    sim.run();
    if (error.get() != null) {
      throw error.get() instanceof RuntimeException re ? re : new IllegalStateException(error.get());
    }
    if (result.get() == null) {
      throw new IllegalStateException("the simulation ran out of events before the pipeline finished: "
          + pipeline.ledger());
    }
    return result.get();
  }

  static String progressLine(Pipeline p) {
    Pipeline.Progress g = p.progress();
    var l = g.ledger();
    double fps = g.elapsedSeconds() > 0 ? l.completed() / g.elapsedSeconds() : 0;
    return String.format(Locale.ROOT, "[%6.1fs] %7.1f fps  p50 %7.2f ms  p99 %7.2f ms  completed %d  shed %d  failed %d  in flight %d  plan %s",
        g.elapsedSeconds(), fps, g.p50Ms(), g.p99Ms(), l.completed(), l.shed(), l.failed(), l.inFlight(), p.plan().label());
  }

  /** The node indices where a hand-given split starts its stages; malformed parts are left to SplitSpec. */
  static List<Integer> stageStarts(String split) {
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

  private static ShedPolicy policy(Options o, FrameSource source) {
    String name = o.policy().orElse(source.live() ? "drop-oldest" : "block");
    try {
      return ShedPolicy.parse(name, o.budget());
    } catch (IllegalArgumentException e) {
      throw new SplitstreamException(e.getMessage().replace("give one, e.g. 100ms", "give one with --budget, e.g. --budget 100ms"));
    }
  }

  /** The model's first input with dynamic dimensions resolved to the shapes the model runs at. */
  static TensorSpec concreteInput(Model model) {
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
