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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks that running a model's segments one after another gives what the whole model gives: both
 * run once in ONNX Runtime on the CPU (one thread), each segment fed from the model inputs and the
 * outputs of the segments before it. Stateless and thread-safe; opens and closes one session per
 * segment.
 */
public final class SplitCheck {
  /**
   * The outcome of one check.
   *
   * @param model the model's name
   * @param segments the segments' labels, in order
   * @param diffByOutput largest absolute difference per model output, in model order
   * @param maxAbsDiff the largest of them ({@code +Infinity} when a value is NaN on one side only
   *     or integer outputs differ in shape)
   */
  public record Report(String model, List<String> segments, Map<String, Double> diffByOutput, double maxAbsDiff) {
    public Report {
      segments = List.copyOf(segments);
      diffByOutput = Map.copyOf(diffByOutput);
    }

    /** One line for logs, e.g. {@code blazeface[0:37] | blazeface[37:104]: max |diff| 1.2e-07}. */
    public String summary() {
      return String.join(" | ", segments) + ": max |diff| " + String.format(java.util.Locale.ROOT, "%.3g", maxAbsDiff);
    }
  }

  private SplitCheck() {}

  /** The largest absolute difference over all model outputs; see {@link #check}. */
  public static double maxAbsDiff(OnnxModel model, List<Segment> segments, TensorMap sample) {
    return check(model, segments, sample).maxAbsDiff();
  }

  /**
   * Runs the whole model and the segments on {@code sample} and compares every model output.
   *
   * @throws SplitstreamException when a segment is missing a tensor it needs (the segments do not
   *     chain), an output is missing at the end, or ONNX Runtime rejects a segment
   */
  public static Report check(OnnxModel model, List<Segment> segments, TensorMap sample) {
    return check(model, segments, sample, reference(model, sample));
  }

  /**
   * The whole model's outputs on {@code sample}, to compare several splits against without
   * running the whole model each time.
   *
   * @throws SplitstreamException when ONNX Runtime rejects the model or the sample
   */
  public static TensorMap reference(OnnxModel model, TensorMap sample) {
    try {
      return Ort.run(model.bytes(), sample);
    } catch (OrtException e) {
      throw new SplitstreamException(model.name() + " failed in ONNX Runtime: " + Ort.oneLine(e, 300), e);
    }
  }

  /** Like {@link #check(OnnxModel, List, TensorMap)}, against outputs from {@link #reference}. */
  public static Report check(OnnxModel model, List<Segment> segments, TensorMap sample, TensorMap expected) {
    TensorMap have = sample;
    for (Segment s : segments) {
      Map<String, Tensor> feed = new LinkedHashMap<>();
      for (TensorSpec in : s.inputs()) {
        if (!have.contains(in.name())) {
          throw new SplitstreamException("segment " + s.label() + " needs tensor '" + in.name()
              + "' that no earlier segment produced: pass the segments of one cut, in order");
        }
        feed.put(in.name(), have.get(in.name()));
      }
      try {
        have = have.with(Ort.run(s.bytes(), TensorMap.of(feed)));
      } catch (OrtException e) {
        throw new SplitstreamException("segment " + s.label() + " failed in ONNX Runtime: " + Ort.oneLine(e, 300), e);
      }
    }
    Map<String, Double> diffs = new LinkedHashMap<>();
    double max = 0;
    for (TensorSpec out : model.outputs()) {
      if (!have.contains(out.name())) {
        throw new SplitstreamException("model output '" + out.name() + "' of " + model.name()
            + " was produced by no segment: pass all segments of one cut");
      }
      double d = diff(expected.get(out.name()), have.get(out.name()));
      diffs.put(out.name(), d);
      max = Math.max(max, d);
    }
    List<String> labels = new ArrayList<>();
    segments.forEach(s -> labels.add(s.label()));
    return new Report(model.name(), labels, diffs, max);
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
