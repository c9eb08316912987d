package io.splitstream.pipeline.cli;

import ai.onnxruntime.OrtEnvironment;
import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.catalog.ModelStore;
import io.splitstream.devices.emulated.HostCalibration;
import io.splitstream.devices.emulated.SocProfile;
import io.splitstream.devices.emulated.SocProfiles;
import io.splitstream.devices.onnx.OnnxModel;
import io.splitstream.devices.ort.OnnxRuntimeProcessor;
import io.splitstream.pipeline.calibrate.HostBench;
import io.splitstream.pipeline.calibrate.HostFit;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.Callable;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code splitstream calibrate}: times real model blocks on this host's CPU and either fits a host
 * profile to them ({@code --out}) or shows how well a profile predicts them ({@code --check}).
 */
@Command(
    name = "calibrate",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Fit the host profile to real model blocks, or check how well a profile predicts them.",
      "Time real model blocks on this host's CPU (ONNX Runtime) and fit a host profile to them (--out),",
      "or print how well a profile predicts them (--check, the default: host-2core).",
      "Prints model, block, predicted, measured and error for every block and whole model.",
      "One thread (the default) is timed in thread CPU time; every round also times a reference workload and",
      "its runs are scaled by it, so the figures are at the speed the profile was fitted at (docs/profiles.md)."
    })
final class CalibrateCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--models", split = ",",
      description = "ONNX models to time (default: the catalogue's ONNX models and the generated families: "
          + "blazeface, ppocr-det, mobilenet-small, mobilenet-large, resnet-small, resnet-large); also the published "
          + "architectures mobilenetv1, mobilenetv2, squeezenet, resnet50, inceptionv4, or an .onnx file")
  List<String> models;

  @Option(names = "--out", description = "fit a profile to the timings and write it here")
  Path out;

  @Option(names = "--check", description = "compare the timings with this profile's cpu (id or .json; default host-2core)")
  String check;

  @Option(names = "--id", defaultValue = "host-2core", description = "id of the written profile (default: ${DEFAULT-VALUE})")
  String id;

  @Option(names = "--threads", defaultValue = "1", description = "ONNX Runtime intra-op threads (default: ${DEFAULT-VALUE})")
  int threads;

  @Option(names = "--max-blocks", defaultValue = "6", description = "blocks per model (default: ${DEFAULT-VALUE})")
  int maxBlocks;

  @Option(names = "--warmup", defaultValue = "5", description = "untimed runs per segment (default: ${DEFAULT-VALUE})")
  int warmup;

  @Option(names = "--runs", defaultValue = "60", description = "timed runs per segment, median kept (default: ${DEFAULT-VALUE})")
  int runs;

  @Option(names = "--rounds", defaultValue = "30", description = "rounds the runs are spread over, each timing the "
      + "reference workload too (default: ${DEFAULT-VALUE})")
  int rounds;

  /** The notes of a fitted processor: where the cost of small ops went. */
  static final String NOTES = "Fitted by splitstream calibrate to real model blocks (docs/profiles.md). What makes "
      + "small ops expensive here is fitted, not assumed: dispatchOverheadMicros is the cost of one session call "
      + "(input and output hand-over), perNodeOverheadMicros that of each kernel ONNX Runtime runs (an activation or "
      + "batch norm it fuses into the conv before it costs nothing: runtime.fusesActivations), the elementwise and "
      + "other rates are those of the ops it does not fuse, runtime.opRates give Resize, Transpose and sigmoid-like "
      + "activations their own, and runtime.weightCache charges the weights a segment holds beyond what stays cached "
      + "between its runs. A class whose fitted cost is 0 gets rate " + (int) HostFit.FREE_RATE + ". loadMillis is "
      + "the median session creation of the whole models; no cache across sessions.";

  @Override
  public Integer call() {
    PrintWriter w = spec.commandLine().getOut();
    if (out != null && check != null) {
      throw new SplitstreamException("give either --out (fit and write a profile) or --check (compare with one), "
          + "not both");
    }
    HostBench.Options options = new HostBench.Options(threads, maxBlocks, warmup, runs, rounds);
    SocProfile.ProcessorProfile checked = null;
    OptionalDouble base = OptionalDouble.empty();
    String baseNote = "";
    if (out == null) {
      String c = check == null ? "host-2core" : check;
      checked = SocProfiles.resolve(c).processor("cpu").orElseThrow(() -> new SplitstreamException(
          "profile " + c + " has no processor 'cpu': give a host profile, e.g. host-2core"));
      Optional<HostCalibration> cal = SocProfiles.calibration(c);
      if (cal.isEmpty()) {
        baseNote = "profile " + c + " records no reference time: runs are scaled to this run's median reference";
      } else if (!HostBench.comparable(cal.get(), threads)) {
        baseNote = "profile " + c + " was fitted with " + cal.get().threads() + " thread(s), " + cal.get().clock()
            + ", reference '" + cal.get().reference() + "': not this run's, so runs are scaled to this run's median "
            + "reference";
      } else {
        base = OptionalDouble.of(cal.get().referenceMillis());
      }
    } else if (Files.isDirectory(out)) {
      throw new SplitstreamException("--out " + out + " is a folder: give a file name, e.g. out/host.json");
    }
    List<String> names = models == null ? Stream.concat(HostBench.CATALOGUE.stream(), HostBench.GENERATED.stream())
        .toList() : models;
    List<OnnxModel> opened = new ArrayList<>();
    for (String n : names) {
      opened.add(HostBench.open(n.strip(), ModelStore.defaultStore()));
    }
    double loadBefore = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    HostBench.Measurement m;
    try (OnnxRuntimeProcessor cpu = OnnxRuntimeProcessor.cpu("cpu", threads)) {
      w.printf(Locale.ROOT, "timing %s on %s: %d warm-up + %d timed runs per segment over %d rounds, median %s; "
          + "load average %.2f%n", String.join(", ", names), cpu.description(), warmup, runs, options.rounds(),
          HostBench.clockName(threads), loadBefore);
      w.flush();
      m = HostBench.measure(opened, cpu, options, base);
    }
    List<HostBench.Observation> obs = m.observations();
    w.printf(Locale.ROOT, "reference workload: median %.3f ms (rounds %.3f to %.3f ms)%s%n", m.referenceMs(),
        m.referenceLowMs(), m.referenceHighMs(), base.isPresent() ? String.format(Locale.ROOT,
            "; %.3f ms when the profile was fitted: this host runs %.2fx %s now, and every round's runs are scaled by "
                + "its reference to the profile's speed", m.baseMs(), Math.max(m.slowdown(), 1 / m.slowdown()),
            m.slowdown() >= 1 ? "slower" : "faster") : "; every round's runs are scaled by its reference to that median");
    if (!baseNote.isEmpty()) {
      w.println(baseNote);
    }
    double loadAfter = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    SocProfile.ProcessorProfile predictor = checked;
    if (out != null) {
      HostFit.Result fit = HostFit.fit(obs);
      SocProfile.ProcessorProfile fitted = fit.processor("x", 0, "");
      String stats = errors(fitted, obs, HostBench.Observation::measuredMs).summary();
      String when = Instant.now().truncatedTo(ChronoUnit.MINUTES).toString();
      String how = String.format(Locale.ROOT, "splitstream calibrate on this host, %s: %s; %d blocks per model and the "
          + "whole model, %d runs each over %d rounds, median %s scaled by each round's reference workload, load "
          + "average %.1f to %.1f; non-negative least squares (Lawson-Hanson) "
          + "of t = dispatch + sum over unfused nodes (perNode + flops / rate(class or op group)) + weights beyond the "
          + "cache / weightRate, the cache size chosen by least error, over %d timed segments, rows weighted by "
          + "1/measured (relative error); in-sample %s", when, String.join(", ", names), maxBlocks, runs,
          options.rounds(), HostBench.clockName(threads), loadBefore, loadAfter, fit.observations(), stats);
      double loadMillis = HostFit.median(obs.stream().filter(HostBench.Observation::whole)
          .mapToDouble(HostBench.Observation::loadMs).toArray());
      String name = cpuName() + " (ONNX Runtime " + OrtEnvironment.getEnvironment().getVersion() + ", " + threads
          + " intra-op thread" + (threads == 1 ? "" : "s") + ")";
      predictor = fit.processor(name, HostFit.round(loadMillis), NOTES);
      HostCalibration calibration = new HostCalibration(HostBench.REFERENCE, HostFit.round(m.referenceMs()),
          HostBench.clockName(threads), threads);
      SocProfile profile = new SocProfile(id, cpuName() + " (" + Runtime.getRuntime().availableProcessors() + " vCPUs)",
          "this build host", "This host's CPU through ONNX Runtime with " + threads + " intra-op thread"
          + (threads == 1 ? "" : "s") + ", fitted by splitstream calibrate (docs/profiles.md)",
          List.of(new SocProfile.Source("splitstream calibrate (docs/profiles.md)", "docs/profiles.md", how)),
          List.of(predictor), List.of());
      HostFit.write(profile, calibration, out);
      // predict from the file as written (rounded), which must read back as a valid profile
      predictor = SocProfiles.fromFile(out).processor("cpu").orElseThrow();
      w.println("fitted: " + describe(predictor));
    }
    w.print(table(predictor, obs));
    w.printf(Locale.ROOT, "load average %.2f before, %.2f after%n", loadBefore, loadAfter);
    if (out != null) {
      w.print(against(predictor, obs, id, m.referenceMs(), threads));
      w.println("wrote " + out.toAbsolutePath());
    }
    w.flush();
    return 0;
  }

  /**
   * How far the new fit's whole-model predictions are from those of the shipped profile of the same
   * id (if there is one): the reproducibility of a calibration, as the shipped profile is the one
   * the project's figures were made with. When the shipped profile records its reference time (and
   * the same reference, clock and threads), its predictions are also shown at this fit's reference
   * speed ({@code shipped x referenceMs / its referenceMillis}): the host's speed of the moment
   * taken out, what is left is the fit's own spread. Empty when no shipped profile has that id.
   */
  static String against(SocProfile.ProcessorProfile fitted, List<HostBench.Observation> obs, String id,
      double referenceMs, int threads) {
    if (!SocProfiles.list().contains(id)) {
      return "";
    }
    Optional<SocProfile.ProcessorProfile> shipped = SocProfiles.load(id).processor("cpu");
    if (shipped.isEmpty()) {
      return "";
    }
    Optional<HostCalibration> cal = SocProfiles.calibration(id).filter(c -> HostBench.comparable(c, threads));
    double speed = cal.map(c -> referenceMs / c.referenceMillis()).orElse(Double.NaN);
    StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "this fit against the shipped %s, whole models%s:%n",
        id, cal.isPresent() ? String.format(Locale.ROOT, " (its reference %.4f ms, this fit's %.4f ms: at this "
            + "fit's speed its figures are x %.3f)", cal.get().referenceMillis(), referenceMs, speed) : ""));
    b.append(String.format(Locale.ROOT, "%-16s %12s %12s %9s%s%n", "model", "shipped ms", "this fit ms", "change",
        cal.isPresent() ? String.format(Locale.ROOT, " %18s %9s", "shipped, same speed", "change") : ""));
    List<Double> changes = new ArrayList<>();
    List<Double> sameSpeed = new ArrayList<>();
    for (HostBench.Observation o : obs) {
      if (o.whole()) {
        double was = HostFit.predictedMs(shipped.get(), o);
        double now = HostFit.predictedMs(fitted, o);
        changes.add(Math.abs(now / was - 1));
        b.append(String.format(Locale.ROOT, "%-16s %12.3f %12.3f %+8.1f%%", o.model(), was, now, 100 * (now / was - 1)));
        if (cal.isPresent()) {
          sameSpeed.add(Math.abs(now / (was * speed) - 1));
          b.append(String.format(Locale.ROOT, " %18.3f %+8.1f%%", was * speed, 100 * (now / (was * speed) - 1)));
        }
        b.append('\n');
      }
    }
    b.append("median change ").append(medianAndLargest(changes));
    if (cal.isPresent()) {
      b.append("; at the same reference speed: median ").append(medianAndLargest(sameSpeed));
    }
    return b.append('\n').toString();
  }

  /** {@code "M%, largest L%"} of absolute relative changes. */
  private static String medianAndLargest(List<Double> v) {
    double[] a = v.stream().mapToDouble(Double::doubleValue).toArray();
    return String.format(Locale.ROOT, "%.1f%%, largest %.1f%%", 100 * HostFit.median(a), 100 * Errors.max(a));
  }

  /** The fitted figures in one line. */
  static String describe(SocProfile.ProcessorProfile p) {
    StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "dispatch %.1f us, per node %.2f us, GFLOP/s conv "
        + "%.2f, depthwise %.3f, matmul %.2f, elementwise %.3f, other %.3f", p.dispatchOverheadMicros(),
        p.perNodeOverheadMicros(), p.gflops().conv(), p.gflops().depthwiseConv(), p.gflops().matmul(),
        p.gflops().elementwise(), p.gflops().other()));
    p.runtime().ifPresent(rt -> {
      Map<Double, List<String>> byRate = new TreeMap<>();
      new TreeMap<>(rt.opRates()).forEach((op, r) -> byRate.computeIfAbsent(r, k -> new ArrayList<>()).add(op));
      byRate.forEach((r, ops) -> b.append(String.format(Locale.ROOT, ", %s %.3f", String.join("/", ops), r)));
      b.append(rt.fusesActivations() ? "; activations after a conv fused" : "");
      rt.weightCache().ifPresent(wc -> b.append(String.format(Locale.ROOT,
          "; weights beyond %.1f MB read at %.1f GB/s", wc.bytes() / 1e6, wc.gbPerSecond())));
    });
    return b.toString();
  }

  /** The per-segment table and the goal lines. */
  static String table(SocProfile.ProcessorProfile p, List<HostBench.Observation> obs) {
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "%-16s %-6s %-11s %6s %10s %12s %12s %8s %12s%n", "model", "block", "nodes",
        "count", "MFLOP", "predicted ms", "measured ms", "error", "as timed ms"));
    for (HostBench.Observation o : obs) {
      double pred = HostFit.predictedMs(p, o);
      b.append(String.format(Locale.ROOT, "%-16s %-6s %-11s %6d %10.2f %12.3f %12.3f %+7.1f%% %12.3f%n", o.model(),
          o.whole() ? "whole" : String.valueOf(o.block()), "[" + o.firstNode() + "," + o.endNode() + ")",
          o.cost().nodeCount(), o.cost().flops() / 1e6, pred, o.measuredMs(), 100 * (pred / o.measuredMs() - 1),
          o.rawMs()));
    }
    b.append(errors(p, obs, HostBench.Observation::measuredMs).summary()).append('\n');
    b.append("as timed, not scaled by the reference: ").append(errors(p, obs, HostBench.Observation::rawMs).summary())
        .append('\n');
    return b.toString();
  }

  /** Absolute relative errors of whole models and of blocks. */
  record Errors(double[] whole, double[] blocks) {
    String summary() {
      return String.format(Locale.ROOT, "whole models: median %.1f%%, worst %.1f%% (goal <= 15%%); blocks: median %.1f%%, "
          + "worst %.1f%% (goal <= 30%%)", 100 * HostFit.median(whole), 100 * max(whole), 100 * HostFit.median(blocks),
          100 * max(blocks));
    }

    private static double max(double[] v) {
      return java.util.Arrays.stream(v).max().orElse(Double.NaN);
    }
  }

  static Errors errors(SocProfile.ProcessorProfile p, List<HostBench.Observation> obs,
      ToDoubleFunction<HostBench.Observation> measured) {
    return new Errors(
        obs.stream().filter(HostBench.Observation::whole).mapToDouble(o -> err(p, o, measured)).toArray(),
        obs.stream().filter(o -> !o.whole()).mapToDouble(o -> err(p, o, measured)).toArray());
  }

  private static double err(SocProfile.ProcessorProfile p, HostBench.Observation o,
      ToDoubleFunction<HostBench.Observation> measured) {
    return Math.abs(HostFit.predictedMs(p, o) / measured.applyAsDouble(o) - 1);
  }

  /** The CPU's model name from /proc/cpuinfo, or the architecture when there is none. */
  static String cpuName() {
    try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
      return lines.filter(l -> l.startsWith("model name")).map(l -> l.substring(l.indexOf(':') + 1).strip())
          .findFirst().orElse(System.getProperty("os.arch"));
    } catch (java.io.IOException | java.io.UncheckedIOException e) {
      return System.getProperty("os.arch");
    }
  }
}
