package io.splitstream.loadgen.recording;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.model.TensorSpec;
import io.splitstream.loadgen.Options;
import io.splitstream.loadgen.RunLength;
import io.splitstream.pipeline.source.SourceContext;
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

  /** The {@code loop=true|false} option of a recording (default false). */
  static boolean loop(Options o) {
    return switch (o.string("loop").orElse("false")) {
      case "true" -> true;
      case "false" -> false;
      default -> throw o.bad("loop", o.required("loop"), "must be true or false");
    };
  }

  /**
   * Refuses, when {@code loop} is off, a paced replay whose run duration is longer than the
   * recording ({@code seconds} long at its pace), as {@link RunLength#check} says.
   */
  static void checkLength(String what, SourceContext context, boolean loop, double seconds) {
    if (!loop && context.paced()) {
      RunLength.check(context.duration(), java.time.Duration.ofNanos(Math.round(seconds * 1e9)), what, "at its pace",
          "add ,loop=true to the source to replay it in a loop");
    }
  }

  /**
   * When window {@code k} of a replay is due (seconds from the start), with {@code windows} windows
   * a pass lasting {@code passSeconds}; {@code dueInPass} gives a window's due time within a pass.
   * Past the last window (a looped replay) the passes follow one another.
   */
  static double due(long k, long windows, double passSeconds, java.util.function.LongToDoubleFunction dueInPass) {
    return (k / windows) * passSeconds + dueInPass.applyAsDouble(k % windows);
  }

  static Optional<Double> rate(Options o) {
    return o.positive("rate");
  }
}
