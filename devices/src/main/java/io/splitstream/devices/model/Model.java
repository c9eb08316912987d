package io.splitstream.devices.model;

import java.nio.file.Path;
import java.util.List;

/** A loaded model file, ONNX or TFLite. Implementations are immutable and thread-safe. */
public interface Model {
  /** Short name, from the file name or the catalogue entry. */
  String name();

  /** The file it came from. */
  Path path();

  ModelFormat format();

  List<TensorSpec> inputs();

  List<TensorSpec> outputs();

  /** The whole model as one segment. */
  Segment whole();
}
