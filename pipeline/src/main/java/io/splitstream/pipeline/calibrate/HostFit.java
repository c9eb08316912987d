package io.splitstream.pipeline.calibrate;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.emulated.HostCalibration;
import io.splitstream.devices.emulated.SocProfile;
import io.splitstream.devices.model.OpClass;
import io.splitstream.devices.model.SegmentCost;
import io.splitstream.devices.processor.ProcessorKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Fits the cost model of an emulated processor to timed blocks. The model is that of {@link
 * SocProfile.ProcessorProfile#serviceNanosAtFullSpeed} with {@link SocProfile.RuntimeTerms}: {@code
 * t = dispatch + Σ_nodes (perNode + flops / rate(node)) + max(0, weights - cache) / weightRate},
 * where a node ONNX Runtime fuses into the convolution before it costs nothing, and a node's rate
 * is its {@link #OP_GROUPS op group}'s when it has one, else its class's. For each candidate cache
 * size in {@link #CACHE_BYTES} (and none) this is linear in {@code dispatch}, {@code perNode},
 * {@code 1 / rate} and {@code 1 / weightRate}, solved by {@link Nnls} (no cost may be negative) on
 * rows divided by the measured time, so the fit minimises the sum of squared <em>relative</em>
 * errors: a 0.1 ms block counts as much as a 50 ms model. The cache size with the least error is
 * kept. A class or group no block spends measurable time on gets coefficient 0; its rate is then
 * written as {@link #FREE_RATE}; a group no block has at all is left out (its ops keep their class's
 * rate).
 */
public final class HostFit {
  /** The rate written for a class whose fitted cost is zero (GFLOP/s): it costs nothing measurable. */
  public static final double FREE_RATE = 10_000;

  /**
   * Op types that get their own rate, in groups fitted as one: on this host ONNX Runtime's Resize
   * and Transpose move data with little arithmetic, and a sigmoid-like activation costs an exp per
   * element, each far slower per counted FLOP than an Add, which sets the elementwise rate.
   */
  public static final Map<String, List<String>> OP_GROUPS = Map.of(
      "resize", List.of("Resize", "Upsample"),
      "transpose", List.of("Transpose"),
      "transcendental", List.of("Sigmoid", "HardSigmoid", "Tanh", "Exp", "Erf", "Softplus", "HardSwish"));

  /** Candidate sizes of the weights that stay cached between a segment's runs (bytes). */
  static final double[] CACHE_BYTES = {0.5e6, 1e6, 2e6, 3e6, 4e6, 5e6, 6e6, 8e6, 12e6, 16e6};

  /**
   * The fitted figures.
   *
   * @param gflops rate per op class
   * @param opRates rate per op type in {@link #OP_GROUPS} that the timed blocks hold
   * @param weightCache the cache size and the rate of the weights beyond it; empty when none fits better
   * @param observations how many timed segments the fit used
   */
  public record Result(double dispatchMicros, double perNodeMicros, SocProfile.Gflops gflops,
      Map<String, Double> opRates, Optional<SocProfile.WeightCache> weightCache, int observations) {
    /** This result as an emulated CPU of a profile. */
    public SocProfile.ProcessorProfile processor(String name, double loadMillis, String notes) {
      return new SocProfile.ProcessorProfile("cpu", ProcessorKind.CPU, name, gflops, dispatchMicros, perNodeMicros,
          loadMillis, loadMillis, List.of(), notes).withRuntime(new SocProfile.RuntimeTerms(opRates, true,
              weightCache));
    }
  }

  private HostFit() {}

  public static Result fit(List<HostBench.Observation> obs) {
    if (obs.isEmpty()) {
      throw new SplitstreamException("nothing was timed: give at least one model with --models");
    }
    Result best = null;
    double bestError = Double.POSITIVE_INFINITY;
    List<Double> caches = new ArrayList<>();
    caches.add(Double.NaN); // no weight cache term
    Arrays.stream(CACHE_BYTES).forEach(caches::add);
    for (double cache : caches) {
      Result r = fit(obs, cache);
      SocProfile.ProcessorProfile p = r.processor("x", 0, "");
      double error = 0;
      for (HostBench.Observation o : obs) {
        double e = predictedMs(p, o) / o.measuredMs() - 1;
        error += e * e;
      }
      if (error < bestError - 1e-12) {
        best = r;
        bestError = error;
      }
    }
    return best;
  }

  private static final List<String> GROUPS = OP_GROUPS.keySet().stream().sorted().toList();

  private static String group(SegmentCost.Node n) {
    for (String g : GROUPS) {
      if (OP_GROUPS.get(g).contains(n.opType())) {
        return g;
      }
    }
    return null;
  }

  /** The fit with a weight cache of {@code cache} bytes (NaN: without one). */
  private static Result fit(List<HostBench.Observation> obs, double cache) {
    OpClass[] classes = OpClass.values();
    int cols = 2 + classes.length + GROUPS.size() + 1;
    double[][] a = new double[obs.size()][cols];
    double[] b = new double[obs.size()];
    boolean[] seen = new boolean[GROUPS.size()];
    for (int i = 0; i < obs.size(); i++) {
      HostBench.Observation o = obs.get(i);
      double w = 1 / Math.max(1e-6, o.measuredMs() * 1e6); // rows in nanoseconds, weighted by 1/measured
      a[i][0] = 1e3 * w; // dispatch, in microseconds
      SegmentCost c = o.cost();
      if (c.nodes().isEmpty()) {
        a[i][1] = c.nodeCount() * 1e3 * w; // per node, in microseconds
        for (int k = 0; k < classes.length; k++) {
          a[i][2 + k] = c.flops(classes[k]) * w; // ns per FLOP = 1 / (GFLOP/s)
        }
      } else {
        for (SegmentCost.Node n : c.nodes()) {
          if (n.fusable()) {
            continue;
          }
          a[i][1] += 1e3 * w;
          String g = group(n);
          if (g == null) {
            a[i][2 + n.opClass().ordinal()] += n.flops() * w;
          } else {
            int k = GROUPS.indexOf(g);
            seen[k] = true;
            a[i][2 + classes.length + k] += n.flops() * w;
          }
        }
      }
      a[i][cols - 1] = Double.isNaN(cache) ? 0 : Math.max(0, c.paramBytes() - cache) * w; // ns per byte
      b[i] = 1;
    }
    double[] x = Nnls.solve(a, b);
    double[] rates = new double[classes.length];
    for (int k = 0; k < classes.length; k++) {
      rates[k] = rate(x[2 + k]);
    }
    SocProfile.Gflops g = new SocProfile.Gflops(rates[OpClass.CONV.ordinal()], rates[OpClass.DEPTHWISE_CONV.ordinal()],
        rates[OpClass.MATMUL.ordinal()], rates[OpClass.ELEMENTWISE.ordinal()], rates[OpClass.OTHER.ordinal()]);
    Map<String, Double> opRates = new TreeMap<>();
    for (int k = 0; k < GROUPS.size(); k++) {
      if (seen[k]) {
        double r = rate(x[2 + classes.length + k]);
        OP_GROUPS.get(GROUPS.get(k)).forEach(op -> opRates.put(op, r));
      }
    }
    Optional<SocProfile.WeightCache> wc = Double.isNaN(cache) || x[cols - 1] <= 0 ? Optional.empty()
        : Optional.of(new SocProfile.WeightCache(cache, 1 / x[cols - 1]));
    return new Result(x[0], x[1], g, opRates, wc, obs.size());
  }

  private static double rate(double nanosPerFlop) {
    return nanosPerFlop > 1 / FREE_RATE ? 1 / nanosPerFlop : FREE_RATE;
  }

  /** What {@code p} predicts for an observation's segment, in ms. */
  public static double predictedMs(SocProfile.ProcessorProfile p, HostBench.Observation o) {
    return p.serviceNanosAtFullSpeed(o.cost()) / 1e6;
  }

  /**
   * Writes {@code profile}, with how it was measured, as a profile file {@code SocProfiles.fromFile}
   * reads back.
   */
  public static void write(SocProfile profile, HostCalibration calibration, Path file) {
    ObjectMapper om = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode root = om.createObjectNode();
    root.put("id", profile.id()).put("soc", profile.soc()).put("device", profile.device())
        .put("description", profile.description());
    ArrayNode sources = root.putArray("sources");
    profile.sources().forEach(s -> sources.addObject().put("title", s.title()).put("url", s.url())
        .put("figure", s.figure()));
    ArrayNode procs = root.putArray("processors");
    for (SocProfile.ProcessorProfile p : profile.processors()) {
      ObjectNode n = procs.addObject().put("id", p.id()).put("kind", p.kind().name()).put("name", p.name());
      ObjectNode g = n.putObject("gflops");
      for (OpClass c : OpClass.values()) {
        g.put(c == OpClass.DEPTHWISE_CONV ? "depthwise_conv" : c.name().toLowerCase(Locale.ROOT),
            round(p.gflops().rate(c)));
      }
      n.put("dispatchOverheadMicros", round(p.dispatchOverheadMicros()))
          .put("perNodeOverheadMicros", round(p.perNodeOverheadMicros()))
          .put("loadMillis", round(p.loadMillis())).put("cachedLoadMillis", round(p.cachedLoadMillis()));
      ArrayNode un = n.putArray("unsupportedOps");
      p.unsupportedOps().forEach(un::add);
      n.put("notes", p.notes());
      p.runtime().ifPresent(rt -> {
        ObjectNode r = n.putObject("runtime");
        ObjectNode rates = r.putObject("opRates");
        new TreeMap<>(rt.opRates()).forEach((op, v) -> rates.put(op, round(v)));
        r.put("fusesActivations", rt.fusesActivations());
        rt.weightCache().ifPresent(wc -> r.putObject("weightCache").put("bytes", round(wc.bytes()))
            .put("gbPerSecond", round(wc.gbPerSecond())));
      });
    }
    root.putArray("links");
    root.putObject("calibration").put("reference", calibration.reference())
        .put("referenceMillis", calibration.referenceMillis()).put("clock", calibration.clock())
        .put("threads", calibration.threads());
    try {
      Path dir = file.toAbsolutePath().getParent();
      Files.createDirectories(dir);
      Files.writeString(file, om.writeValueAsString(root) + "\n");
    } catch (IOException e) {
      throw new SplitstreamException("cannot write profile " + file + ": " + e.getMessage()
          + "; check the folder exists and is writable", e);
    }
  }

  /** Four significant figures: enough for a timing model, short enough to read. */
  public static double round(double v) {
    if (v == 0 || Double.isInfinite(v) || Double.isNaN(v)) {
      return v;
    }
    return new java.math.BigDecimal(v).round(new java.math.MathContext(4)).doubleValue();
  }

  /** Median of {@code v} (empty: NaN). */
  public static double median(double[] v) {
    if (v.length == 0) {
      return Double.NaN;
    }
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }
}
