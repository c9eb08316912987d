package io.splitstream.pipeline.calibrate;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.emulated.HostCalibration;
import io.splitstream.devices.emulated.SocProfile;
import io.splitstream.devices.model.OpClass;
import io.splitstream.devices.processor.ProcessorKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Fits the cost model of an emulated processor to timed blocks:
 * {@code t = dispatch + nodes × perNode + Σ_c flops(c) / rate(c)}, linear in the unknowns
 * {@code dispatch}, {@code perNode} and {@code 1 / rate(c)}. Solved by {@link Nnls} (no cost may
 * be negative) on rows divided by the measured time, so the fit minimises the sum of squared
 * <em>relative</em> errors: a 0.1 ms block counts as much as a 50 ms model. A class no block
 * spends measurable time on gets coefficient 0; its rate is then written as {@link #FREE_RATE}.
 */
public final class HostFit {
  /** The rate written for a class whose fitted cost is zero (GFLOP/s): it costs nothing measurable. */
  public static final double FREE_RATE = 10_000;

  /**
   * The fitted figures.
   *
   * @param gflops rate per op class
   * @param observations how many timed segments the fit used
   */
  public record Result(double dispatchMicros, double perNodeMicros, SocProfile.Gflops gflops, int observations) {
    /** This result as an emulated CPU of a profile. */
    public SocProfile.ProcessorProfile processor(String name, double loadMillis, String notes) {
      return new SocProfile.ProcessorProfile("cpu", ProcessorKind.CPU, name, gflops, dispatchMicros, perNodeMicros,
          loadMillis, loadMillis, List.of(), notes);
    }
  }

  private HostFit() {}

  public static Result fit(List<HostBench.Observation> obs) {
    if (obs.isEmpty()) {
      throw new SplitstreamException("nothing was timed: give at least one model with --models");
    }
    OpClass[] classes = OpClass.values();
    double[][] a = new double[obs.size()][2 + classes.length];
    double[] b = new double[obs.size()];
    for (int i = 0; i < obs.size(); i++) {
      HostBench.Observation o = obs.get(i);
      double w = 1 / Math.max(1e-6, o.measuredMs() * 1e6); // rows in nanoseconds, weighted by 1/measured
      a[i][0] = 1e3 * w; // dispatch, in microseconds
      a[i][1] = o.cost().nodeCount() * 1e3 * w; // per node, in microseconds
      for (int c = 0; c < classes.length; c++) {
        a[i][2 + c] = o.cost().flops(classes[c]) * w; // ns per FLOP = 1 / (GFLOP/s)
      }
      b[i] = 1;
    }
    double[] x = Nnls.solve(a, b);
    double[] rates = new double[classes.length];
    for (int c = 0; c < classes.length; c++) {
      rates[c] = x[2 + c] > 1 / FREE_RATE ? 1 / x[2 + c] : FREE_RATE;
    }
    SocProfile.Gflops g = new SocProfile.Gflops(rates[OpClass.CONV.ordinal()], rates[OpClass.DEPTHWISE_CONV.ordinal()],
        rates[OpClass.MATMUL.ordinal()], rates[OpClass.ELEMENTWISE.ordinal()], rates[OpClass.OTHER.ordinal()]);
    return new Result(x[0], x[1], g, obs.size());
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
