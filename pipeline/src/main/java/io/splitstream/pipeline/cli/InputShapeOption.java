package io.splitstream.pipeline.cli;

import io.splitstream.devices.catalog.ModelStore;
import io.splitstream.devices.catalog.Models;
import io.splitstream.devices.model.Model;
import io.splitstream.devices.onnx.InputShapes;
import picocli.CommandLine.Option;

/** {@code --input-shape}, and opening the model with it: every command that opens a model mixes this in. */
final class InputShapeOption {
  @Option(names = "--input-shape", converter = Converters.ShapesConverter.class,
      description = "shapes for dynamic inputs, e.g. x=1,3,320,320 (';' between inputs)")
  InputShapes shapes;

  InputShapes shapes() {
    return shapes == null ? InputShapes.none() : shapes;
  }

  /** The catalogue model or file {@code model}, at these shapes. */
  Model open(String model) {
    return Models.open(model, shapes(), ModelStore.defaultStore());
  }
}
