package io.splitstream.devices.onnx;

import ai.onnxruntime.OrtException;
import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.model.Segment;
import io.splitstream.devices.model.TensorSpec;
import io.splitstream.devices.tensor.Tensor;
import io.splitstream.devices.tensor.TensorMap;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Checks that running a model's segments one after another gives what the whole model gives: both
 * run in ONNX Runtime on the CPU (one thread), each segment fed from the model inputs and the
 * outputs of the segments before it, and every model output is compared.
 *
 * <p>By default ({@link Optimization#NONE}) both sides run without graph optimisations, so they
 * execute the same kernels in the same order and any difference is a cutting error. With
 * {@link Optimization#FULL}, as a deployment runs, the whole model may fuse nodes across a cut
 * (a Conv with the Relu after it, say) that the segments cannot; that changes rounding, so expect
 * differences of a few float32 ulps of the output's magnitude.
 *
 * <p>Stateless and thread-safe; opens and closes one session per model or segment run.
 */
public final class SplitCheck {
  /** Whether ONNX Runtime may rewrite the graphs it runs. */
  public enum Optimization {
    /** Every node runs as written: the model and its segments compute the same thing exactly. */
    NONE,
    /** ONNX Runtime's full graph optimisations (fusion, layout changes), as a backend would run. */
    FULL
  }

  /**
   * The whole model's results on one sample, to compare several splits against without running
   * the whole model each time.
   *
   * @param outputs the model's outputs, run as {@code optimization} says
   * @param activations every activation of the model (model inputs and node outputs), run without
   *     optimisations: what each segment's outputs must equal
   */
  public record Reference(TensorMap sample, TensorMap outputs, TensorMap activations, Optimization optimization) {}

  /**
   * The outcome of one check.
   *
   * @param model the model's name
   * @param segments the segments' labels, in order
   * @param optimization how both sides ran
   * @param diffByOutput largest absolute difference per model output, in model order
   * @param maxAbsDiff the largest of them ({@code +Infinity} when a value is NaN on one side only,
   *     or shapes or types differ)
   * @param maxAbsReference the largest absolute value among the whole model's outputs, the scale
   *     to read {@code maxAbsDiff} against
   * @param maxCrossingDiff the largest absolute difference between any tensor a segment hands on
   *     (model outputs included) and the same activation of the whole model run without
   *     optimisations; this catches a wrong cut even when the model's outputs are saturated
   */
  public record Report(String model, List<String> segments, Optimization optimization, Map<String, Double> diffByOutput,
      double maxAbsDiff, double maxAbsReference, double maxCrossingDiff) {
    public Report {
      segments = List.copyOf(segments);
      diffByOutput = Collections.unmodifiableMap(new LinkedHashMap<>(diffByOutput));
    }

    /** {@code maxAbsDiff} relative to the outputs' scale (to 1 when they are all smaller than 1). */
    public double relativeDiff() {
      return maxAbsDiff / Math.max(1, maxAbsReference);
    }

    /** One line for logs: the segments, the differences and the output scale. */
    public String summary() {
      return String.join(" | ", segments) + String.format(Locale.ROOT,
          ": max |diff| %.3g (%s, outputs up to %.3g), crossing tensors %.3g", maxAbsDiff, optimization,
          maxAbsReference, maxCrossingDiff);
    }
  }

  private SplitCheck() {}

  /** The largest absolute difference over all model outputs, without graph optimisations. */
  public static double maxAbsDiff(OnnxModel model, List<Segment> segments, TensorMap sample) {
    return check(model, segments, sample).maxAbsDiff();
  }

  /** {@link #check(OnnxModel, List, TensorMap, Optimization)} without graph optimisations. */
  public static Report check(OnnxModel model, List<Segment> segments, TensorMap sample) {
    return check(model, segments, sample, Optimization.NONE);
  }

  /**
   * Runs the whole model and the segments on {@code sample} and compares every model output.
   *
   * @throws SplitstreamException when a segment is missing a tensor it needs (the segments do not
   *     chain), an output is missing at the end, or ONNX Runtime rejects the model or a segment
   */
  public static Report check(OnnxModel model, List<Segment> segments, TensorMap sample, Optimization optimization) {
    return check(model, segments, reference(model, sample, optimization));
  }

  /** The whole model's outputs on {@code sample}, without graph optimisations. */
  public static Reference reference(OnnxModel model, TensorMap sample) {
    return reference(model, sample, Optimization.NONE);
  }

  /**
   * Runs the whole model once.
   *
   * @throws SplitstreamException when ONNX Runtime rejects the model or the sample
   */
  public static Reference reference(OnnxModel model, TensorMap sample, Optimization optimization) {
    try {
      TensorMap outputs = Ort.run(model.bytes(), sample, optimization == Optimization.FULL);
      TensorMap activations = Ort.run(Probe.withAllOutputs(model.proto(), model.structure()), sample, false, true);
      return new Reference(sample, outputs, sample.with(activations), optimization);
    } catch (OrtException e) {
      throw new SplitstreamException(model.name() + " failed in ONNX Runtime: " + Ort.oneLine(e, 300), e);
    }
  }

  /** Like {@link #check(OnnxModel, List, TensorMap, Optimization)}, against a computed reference. */
  public static Report check(OnnxModel model, List<Segment> segments, Reference reference) {
    TensorMap have = reference.sample();
    boolean optimize = reference.optimization() == Optimization.FULL;
    double crossing = 0;
    for (Segment s : segments) {
      Map<String, Tensor> feed = new LinkedHashMap<>();
      for (TensorSpec in : s.inputs()) {
        if (!have.contains(in.name())) {
          throw new SplitstreamException("segment " + s.label() + " needs tensor '" + in.name()
              + "' that no earlier segment produced: pass the segments of one cut, in order");
        }
        feed.put(in.name(), have.get(in.name()));
      }
      TensorMap produced;
      try {
        produced = Ort.run(s.bytes(), TensorMap.of(feed), optimize);
      } catch (OrtException e) {
        throw new SplitstreamException("segment " + s.label() + " failed in ONNX Runtime: " + Ort.oneLine(e, 300), e);
      }
      for (String name : produced.names()) {
        if (reference.activations().contains(name)) {
          crossing = Math.max(crossing, diff(reference.activations().get(name), produced.get(name)));
        }
      }
      have = have.with(produced);
    }
    Map<String, Double> diffs = new LinkedHashMap<>();
    double max = 0;
    double scale = 0;
    for (TensorSpec out : model.outputs()) {
      if (!have.contains(out.name())) {
        throw new SplitstreamException("model output '" + out.name() + "' of " + model.name()
            + " was produced by no segment: pass all segments of one cut");
      }
      Tensor expected = reference.outputs().get(out.name());
      double d = diff(expected, have.get(out.name()));
      diffs.put(out.name(), d);
      max = Math.max(max, d);
      for (double v : values(expected)) {
        scale = Double.isFinite(v) ? Math.max(scale, Math.abs(v)) : scale;
      }
    }
    List<String> labels = new ArrayList<>();
    segments.forEach(s -> labels.add(s.label()));
    return new Report(model.name(), labels, reference.optimization(), diffs, max, scale, crossing);
  }

  static double diff(Tensor a, Tensor b) {
    if (a.type() != b.type() || !Arrays.equals(a.shape(), b.shape())) {
      return Double.POSITIVE_INFINITY;
    }
    double[] x = values(a);
    double[] y = values(b);
    double max = 0;
    for (int i = 0; i < x.length; i++) {
      if (Double.isNaN(x[i]) || Double.isNaN(y[i])) {
        if (Double.isNaN(x[i]) != Double.isNaN(y[i])) {
          return Double.POSITIVE_INFINITY;
        }
        continue;
      }
      max = Math.max(max, Math.abs(x[i] - y[i]));
    }
    return max;
  }

  private static double[] values(Tensor t) {
    ByteBuffer b = t.data();
    int n = Math.toIntExact(t.elementCount());
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = switch (t.type()) {
        case FLOAT32 -> b.getFloat(i * 4);
        case DOUBLE -> b.getDouble(i * 8);
        case FLOAT16 -> halfToFloat(b.getShort(i * 2));
        case INT8 -> b.get(i);
        case UINT8, BOOL -> b.get(i) & 0xff;
        case INT16 -> b.getShort(i * 2);
        case UINT16 -> b.getShort(i * 2) & 0xffff;
        case INT32 -> b.getInt(i * 4);
        case INT64 -> b.getLong(i * 8);
      };
    }
    return v;
  }

  private static float halfToFloat(short h) {
    int bits = h & 0xffff;
    int sign = (bits >>> 15) << 31;
    int exp = (bits >>> 10) & 0x1f;
    int mant = bits & 0x3ff;
    if (exp == 0x1f) {
      return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
    }
    if (exp == 0) {
      float f = mant / 1024f / 16384f;
      return sign != 0 ? -f : f;
    }
    return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
  }
}
