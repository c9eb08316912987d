package io.splitstream.pipeline.cli;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.catalog.ModelStore;
import io.splitstream.devices.catalog.Models;
import io.splitstream.devices.model.Model;
import io.splitstream.devices.model.TensorSpec;
import io.splitstream.devices.onnx.InputShapes;
import io.splitstream.devices.platform.Platforms;
import io.splitstream.devices.processor.Platform;
import io.splitstream.operators.ShedPolicy;
import io.splitstream.operators.time.SimulatedTime;
import io.splitstream.pipeline.Assembly;
import io.splitstream.pipeline.Pipeline;
import io.splitstream.pipeline.RunReport;
import io.splitstream.pipeline.adapt.Controller;
import io.splitstream.pipeline.metrics.MetricsServer;
import io.splitstream.pipeline.plan.Plan;
import io.splitstream.pipeline.plan.ProfileTable;
import io.splitstream.pipeline.profile.Profiler;
import io.splitstream.pipeline.source.FrameSource;
import io.splitstream.pipeline.source.SourceContext;
import io.splitstream.pipeline.source.Sources;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code splitstream bench scrape}: what one Prometheus scrape of {@code /metrics} costs for a
 * 3-stage, 3-processor run, with the shipped histogram buckets against Micrometer's default
 * percentile histograms (the buckets before they were chosen), side by side in one run.
 */
@Command(name = "scrape", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
      "What one scrape of /metrics costs, with the shipped buckets and with Micrometer's defaults.",
      "What one scrape of /metrics costs. Runs the same 3-stage plan (CPU, GPU, NPU",
      "of an emulated SoC, timing only, virtual time) twice: with the shipped",
      "histogram buckets, and with Micrometer's default percentile histograms (the",
      "buckets before they were chosen). Scrapes both over loopback HTTP, alternating;",
      "prints bytes, series and time per scrape and the ratios (shipped / default)."
    })
final class ScrapeBench implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--model", defaultValue = "blazeface", description = "catalogue name or file (default: ${DEFAULT-VALUE})")
  String model;

  @Option(names = "--soc", defaultValue = "sd855-pixel4", description = "emulated SoC with cpu, gpu and npu (default: ${DEFAULT-VALUE})")
  String soc;

  @Option(names = "--duration", defaultValue = "20s", converter = Converters.DurationConverter.class,
      description = "virtual time each run streams before it is scraped (default: ${DEFAULT-VALUE})")
  Duration duration;

  @Option(names = "--scrapes", defaultValue = "200", description = "timed scrapes of each run (default: ${DEFAULT-VALUE})")
  int scrapes;

  private record Variant(String name, PrometheusMeterRegistry registry, Pipeline pipeline, MetricsServer server) {}

  @Override
  public Integer call() throws Exception {
    if (scrapes < 1) {
      throw new SplitstreamException("--scrapes " + scrapes + " is not positive: give at least 1");
    }
    if (duration.isNegative() || duration.isZero()) {
      throw new SplitstreamException("--duration " + duration + " is not positive: give e.g. 20s");
    }
    PrintWriter out = spec.commandLine().getOut();
    Model m = Models.open(model, InputShapes.none(), ModelStore.defaultStore());
    try (Platform platform = Platforms.emulated(soc, 1, false)) {
      ProfileTable table = Profiler.profile(m, platform, new Profiler.Options(24, 0, 1, 1));
      Plan plan = threeStages(table);
      out.printf(Locale.ROOT, "%s on emulated %s, plan %s, %d s of virtual time per run, %d scrapes of each%n",
          m.name(), soc, plan.label(), duration.toSeconds(), scrapes);
      Variant shipped = start("shipped buckets", m, platform, table, plan, false);
      Variant before = start("Micrometer default", m, platform, table, plan, true);
      try {
        HttpClient http = HttpClient.newHttpClient();
        List<Variant> both = List.of(shipped, before);
        for (Variant v : both) {
          for (int i = 0; i < 20; i++) {
            scrape(http, v, true); // warm-up: JIT, connections
          }
        }
        long[][] nanos = new long[2][scrapes];
        for (int i = 0; i < scrapes; i++) {
          for (int k = 0; k < 2; k++) {
            long t0 = System.nanoTime();
            scrape(http, both.get(k), true);
            nanos[k][i] = System.nanoTime() - t0;
          }
        }
        double[] om = new double[2];
        double[] text = new double[2];
        double[] series = new double[2];
        double[] median = new double[2];
        out.printf(Locale.ROOT, "%-20s %14s %14s %8s %10s %10s%n", "histograms", "OpenMetrics B", "text 0.0.4 B",
            "series", "median ms", "p90 ms");
        for (int k = 0; k < 2; k++) {
          Variant v = both.get(k);
          String body = scrape(http, v, true);
          om[k] = body.length();
          text[k] = scrape(http, v, false).length();
          series[k] = body.lines().filter(l -> !l.isEmpty() && !l.startsWith("#")).count();
          long[] sorted = nanos[k].clone();
          Arrays.sort(sorted);
          median[k] = sorted[sorted.length / 2] / 1e6;
          double p90 = sorted[(int) Math.min(sorted.length - 1, Math.round(sorted.length * 0.9))] / 1e6;
          out.printf(Locale.ROOT, "%-20s %,14.0f %,14.0f %8.0f %10.2f %10.2f%n", v.name(), om[k], text[k], series[k],
              median[k], p90);
        }
        out.printf(Locale.ROOT, "shipped / default: OpenMetrics bytes %.2f, text bytes %.2f, series %.2f, median time %.2f%n",
            om[0] / om[1], text[0] / text[1], series[0] / series[1], median[0] / median[1]);
        out.println("(emulated processors, virtual time; scrape times are this host's, over loopback)");
        out.flush();
      } finally {
        for (Variant v : List.of(shipped, before)) {
          v.server().close();
          v.pipeline().close();
          v.registry().close();
        }
      }
    }
    return 0;
  }

  /** The model in three contiguous thirds of its blocks: CPU, then GPU, then NPU. */
  private static Plan threeStages(ProfileTable table) {
    int n = table.blockCount();
    if (n < 3) {
      throw new SplitstreamException("model " + table.model() + " profiles into " + n
          + " block(s): a 3-stage plan needs at least 3; choose a larger model with --model");
    }
    return Plan.of(table, List.of(new Plan.Placement(0, n / 3, List.of("cpu")),
        new Plan.Placement(n / 3, 2 * n / 3, List.of("gpu")), new Plan.Placement(2 * n / 3, n, List.of("npu"))));
  }

  /** One run of {@code plan} to its end in virtual time, its meters kept and served. */
  private Variant start(String name, Model m, Platform platform, ProfileTable table, Plan plan, boolean defaultBuckets) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    if (defaultBuckets) {
      registry.config().meterFilter(percentileHistograms());
    }
    SimulatedTime sim = new SimulatedTime();
    Assembly.Loaded loaded = Assembly.load(m, platform, plan);
    Pipeline p = Pipeline.builder()
        .model(m.name())
        .platform(platform)
        .plan(plan)
        .stages(loaded.stages())
        .source(paced(m, sim, plan))
        .policy(ShedPolicy.parse("drop-oldest", Optional.empty()))
        .clock(sim, true)
        .registry(registry)
        .onClose(loaded.release())
        .build();
    new Controller(p, table, Optional.empty(), Controller.Settings.defaults(), Controller.Mode.OFF, () -> -1)
        .bindTo(registry, m.name());
    AtomicReference<RunReport> report = new AtomicReference<>();
    AtomicReference<Throwable> error = new AtomicReference<>();
    p.run().subscribe(report::set, error::set);
    sim.run();
    if (error.get() != null || report.get() == null) {
      p.close();
      throw new IllegalStateException("internal failure (a bug): the benchmark run did not finish", error.get());
    }
    return new Variant(name, registry, p, MetricsServer.start(registry, 0, () -> p.metrics().refresh()));
  }

  /** What the stage and latency timers had before their buckets were chosen. */
  private static MeterFilter percentileHistograms() {
    return new MeterFilter() {
      @Override
      public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
        boolean latency = id.getName().equals("splitstream.frame.latency");
        boolean stage = id.getName().startsWith("splitstream.stage.");
        if (!latency && !stage) {
          return config;
        }
        return DistributionStatisticConfig.builder()
            .percentilesHistogram(true)
            .serviceLevelObjectives(new double[0])
            .minimumExpectedValue((double) (latency ? Duration.ofMillis(1) : Duration.ofNanos(100_000)).toNanos())
            .maximumExpectedValue((double) Duration.ofSeconds(10).toNanos())
            .build()
            .merge(config);
      }
    };
  }

  /** A synthetic source at 90 % of the plan's predicted throughput, for {@code duration} of virtual time. */
  private FrameSource paced(Model m, SimulatedTime sim, Plan plan) {
    TensorSpec in = m.inputs().get(0);
    String spec = String.format(Locale.ROOT, "synthetic:constant,rate=%.1f", 0.9 * plan.throughputFps());
    return Sources.open(spec, new SourceContext(in, "stream0", sim, Optional.of(duration), 1, true));
  }

  private static String scrape(HttpClient http, Variant v, boolean openMetrics) throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(v.server().baseUri() + "/metrics"))
        .header("Accept", openMetrics ? "application/openmetrics-text; version=1.0.0; charset=utf-8" : "text/plain")
        .GET().build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException("internal failure (a bug): /metrics answered " + r.statusCode());
    }
    return r.body();
  }
}
