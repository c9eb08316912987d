package io.splitstream.devices.platform;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.model.Model;
import io.splitstream.devices.model.ModelFormat;
import io.splitstream.devices.processor.Platform;
import io.splitstream.devices.processor.Processor;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Which real processor runs a model format, and the checks that a platform can run a model at all,
 * made before any profiling so a mismatch is a one-line error naming the remedy instead of a table
 * of "unsupp." or a planner's "runs on no available processor". Stateless.
 */
public final class FormatMatch {
  private FormatMatch() {}

  /** The host processor spec that runs {@code format}: {@code cpu} (ONNX Runtime) or {@code tflite}. */
  public static String hostSpecFor(ModelFormat format) {
    return switch (format) {
      case ONNX -> "cpu";
      case TFLITE -> "tflite";
    };
  }

  /** How people write the format: ONNX, TFLite. */
  public static String display(ModelFormat format) {
    return format == ModelFormat.TFLITE ? "TFLite" : "ONNX";
  }

  /** The default host processors for a model of {@code format}: the one processor that runs it. */
  public static List<String> hostDefaults(ModelFormat format) {
    return List.of(hostSpecFor(format));
  }

  /**
   * Checks that some processor of {@code platform} loads {@code model}'s format and that every op
   * type of the model is supported by at least one of those processors.
   *
   * @throws SplitstreamException naming the format and the processor that runs it, or the op that
   *     no processor here has
   */
  public static void requireRunnable(Model model, Platform platform) {
    List<Processor> loading = platform.processors().stream()
        .filter(p -> p.formats().contains(model.format())).toList();
    String ids = platform.processors().stream().map(Processor::id).collect(Collectors.joining(", "));
    if (loading.isEmpty()) {
      String spec = hostSpecFor(model.format());
      throw new SplitstreamException(model.name() + (model.format() == ModelFormat.ONNX ? " is an " : " is a ") + display(model.format())
          + " model, which none of the processors "
          + ids + " runs: " + (platform.emulated() ? "use --processors " + spec : "add " + spec + " to --processors (e.g. "
          + "--processors " + spec + ")"));
    }
    for (String op : model.whole().opTypes().stream().sorted().toList()) {
      if (loading.stream().noneMatch(p -> p.supports(op))) {
        throw new SplitstreamException(model.name() + " holds op " + op + ", which no processor here supports ("
            + loading.stream().map(Processor::id).collect(Collectors.joining(", ")) + "), so nothing can run it"
            + (model.format() == ModelFormat.TFLITE ? ": this TFLite interpreter lacks it (a custom op, or a "
                + "builtin newer than the runtime); re-export the model without it" : ": run it on a platform with that op, or re-export the model "
                + "without it"));
      }
    }
  }
}
