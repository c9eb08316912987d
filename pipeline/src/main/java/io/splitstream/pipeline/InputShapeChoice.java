package io.splitstream.pipeline;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.model.Model;
import io.splitstream.devices.model.TensorSpec;
import io.splitstream.devices.onnx.InputShapes;
import io.splitstream.devices.onnx.OnnxModel;
import io.splitstream.operators.time.SimulatedTime;
import io.splitstream.pipeline.source.FrameSource;
import io.splitstream.pipeline.source.SourceContext;
import io.splitstream.pipeline.source.Sources;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Concrete shapes for a model with dynamic input dimensions that the user gave none for (no {@code
 * --input-shape}, no catalogue hint): the source's own choice (an image source's picture size, a
 * synthetic source's stated default), said in one line, so a model given by path no longer runs
 * silently at 1x1. A model with several inputs, or a source that does not choose, is an error
 * naming {@code --input-shape}. Stateless.
 */
public final class InputShapeChoice {
  private InputShapeChoice() {}

  /**
   * {@code model} itself when it has no dynamic input dimension left unset, for the commands with
   * no source to take a size from ({@code profile}, {@code split}, {@code bench}).
   *
   * @throws SplitstreamException naming {@code --input-shape} with an example, before any work
   */
  public static Model requireShapes(Model model) {
    if (!(model instanceof OnnxModel onnx) || !onnx.inputShapes().isEmpty()) {
      return model;
    }
    List<TensorSpec> dynamic = onnx.inputs().stream().filter(t -> !t.isStatic()).toList();
    if (dynamic.isEmpty()) {
      return model;
    }
    throw new SplitstreamException(model.name() + " has dynamic input dimensions (" + listed(dynamic)
        + ") and nothing here sets them: give them with --input-shape, e.g. --input-shape " + examples(dynamic));
  }

  /**
   * {@code model} itself when it needs no choice, else the model at the shapes the source chooses.
   *
   * @param out where the one line saying which shape was taken goes
   * @throws SplitstreamException when no shape can be inferred; it names {@code --input-shape}
   */
  static Model resolve(Model model, String sourceSpec, Optional<Duration> duration, long seed, PrintWriter out) {
    if (!(model instanceof OnnxModel onnx) || !onnx.inputShapes().isEmpty()) {
      return model;
    }
    List<TensorSpec> dynamic = onnx.inputs().stream().filter(t -> !t.isStatic()).toList();
    if (dynamic.isEmpty()) {
      return model;
    }
    if (onnx.inputs().size() == 1) {
      TensorSpec in = onnx.inputs().get(0);
      FrameSource source = Sources.open(sourceSpec,
          new SourceContext(in, "stream0", new SimulatedTime(), duration, seed, true));
      Optional<FrameSource.ChosenShape> chosen = source.chosenInputShape()
          .filter(c -> c.shape().size() == in.shape().size() && c.shape().stream().allMatch(d -> d > 0));
      if (chosen.isPresent()) {
        String dims = chosen.get().shape().stream().map(String::valueOf).collect(Collectors.joining(","));
        out.println("input " + in.name() + " " + in.shape() + " has dynamic dimensions: running at " + in.name() + "="
            + dims + ", " + chosen.get().how() + " (give --input-shape to choose others)");
        return onnx.withInputShapes(InputShapes.of(Map.of(in.name(), chosen.get().shape())));
      }
    }
    throw new SplitstreamException(model.name() + " has dynamic input dimensions (" + listed(dynamic)
        + ") that source '" + sourceSpec + "' does not set: give them with --input-shape, e.g. --input-shape "
        + examples(dynamic));
  }

  private static String listed(List<TensorSpec> dynamic) {
    return dynamic.stream().map(t -> t.name() + " " + t.shape()).collect(Collectors.joining(", "));
  }

  private static String examples(List<TensorSpec> dynamic) {
    return dynamic.stream().map(InputShapeChoice::example).collect(Collectors.joining(";"));
  }

  private static String example(TensorSpec t) {
    StringBuilder b = new StringBuilder(t.name()).append('=');
    for (int i = 0; i < t.shape().size(); i++) {
      long d = t.shape().get(i);
      b.append(i > 0 ? "," : "").append(d >= 0 ? d : i == 0 ? 1 : 224);
    }
    return b.toString();
  }
}
