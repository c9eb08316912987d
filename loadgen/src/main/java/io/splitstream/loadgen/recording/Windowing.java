package io.splitstream.loadgen.recording;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.model.TensorSpec;
import io.splitstream.loadgen.Options;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * How a recording is cut into windows for a model: {@code window} samples per tensor, {@code hop}
 * samples from one window's start to the next, checked against the model input's shape.
 */
record Windowing(int window, int hop) {
  /**
   * Reads {@code window} and {@code hop} from {@code o}; a missing window is the model input's time
   * dimension (dimension 1) when static, else {@code fallback}; a missing hop is half the window
   * (50% overlap, as activity-recognition windows usually are).
   */
  static Windowing of(Options o, TensorSpec input, int fallback) {
    List<Long> shape = input.shape();
    int modelWindow = shape.size() >= 2 && shape.get(1) > 0 ? Math.toIntExact(shape.get(1)) : -1;
    int window = o.positiveInt("window").orElse(modelWindow > 0 ? modelWindow : fallback);
    int hop = o.positiveInt("hop").orElse(Math.max(1, window / 2));
    return new Windowing(window, hop);
  }

  /**
   * Checks that a tensor of {@code shape} fits {@code input}: same rank and type FLOAT32, and every
   * static dimension equal.
   *
   * @throws SplitstreamException naming both shapes and the remedy
   */
  static void check(String what, long[] shape, TensorSpec input, String remedy) {
    List<Long> want = input.shape();
    boolean fits = input.type() == io.splitstream.devices.tensor.ElementType.FLOAT32 && want.size() == shape.length;
    for (int i = 0; fits && i < shape.length; i++) {
      fits = want.get(i) < 0 || want.get(i) == shape[i];
    }
    if (!fits) {
      throw new SplitstreamException(what + " windows are FLOAT32" + Arrays.toString(shape)
          + " but the model input '" + input.name() + "' is " + input.type() + want.stream().map(d -> d < 0 ? "?" : d.toString())
              .collect(Collectors.joining(", ", "[", "]")) + ": " + remedy);
    }
  }

  /** Windows a recording of {@code samples} samples yields: 0 when shorter than one window. */
  long count(long samples) {
    return samples < window ? 0 : (samples - window) / hop + 1;
  }

  static Optional<Double> rate(Options o) {
    return o.positive("rate");
  }
}
