package io.splitstream.devices.tflite;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.model.Model;
import io.splitstream.devices.model.ModelFormat;
import io.splitstream.devices.model.Segment;
import io.splitstream.devices.model.TensorSpec;
import io.splitstream.devices.tensor.ElementType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * A TFLite model file. Its inputs, outputs, op types and cost are read from the flatbuffer itself
 * (see {@link TfliteGraph}), so loading works even when the model holds an op this TFLite runtime
 * lacks; that surfaces when a processor loads it. A TFLite model runs whole: {@link #whole()} is
 * its only segment, covering every operator of its main subgraph.
 *
 * <p>Immutable and thread-safe.
 */
public final class TfliteModel implements Model {
  private final String name;
  private final Path path;
  private final TfliteGraph graph;
  private final List<TensorSpec> inputs;
  private final List<TensorSpec> outputs;
  private final Segment whole;

  private TfliteModel(String name, Path path, byte[] bytes, TfliteGraph graph) {
    this.name = name;
    this.path = path;
    this.graph = graph;
    this.inputs = graph.inputs().stream().map(t -> spec(t, path)).toList();
    this.outputs = graph.outputs().stream().map(t -> spec(t, path)).toList();
    this.whole = new Segment(name, 0, 1, 0, graph.operators().size(), ModelFormat.TFLITE, bytes, inputs, outputs,
        graph.opTypes(), graph.cost());
  }

  /**
   * Reads a {@code .tflite} file; the model's name is the file name without its extension.
   *
   * @throws SplitstreamException naming the file when it is missing, unreadable or not TFLite
   */
  public static TfliteModel load(Path path) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(path);
    } catch (IOException e) {
      throw new SplitstreamException("cannot read TFLite model " + path + ": " + e.getMessage()
          + "; check the path and its permissions", e);
    }
    String file = path.getFileName().toString();
    String name = file.endsWith(".tflite") ? file.substring(0, file.length() - ".tflite".length()) : file;
    return new TfliteModel(name, path, bytes, TfliteGraph.parse(bytes, path.toString()));
  }

  private static TensorSpec spec(TfliteGraph.TensorInfo t, Path path) {
    ElementType type = switch (t.typeCode()) {
      case 0 -> ElementType.FLOAT32;
      case 1 -> ElementType.FLOAT16;
      case 2 -> ElementType.INT32;
      case 3 -> ElementType.UINT8;
      case 4 -> ElementType.INT64;
      case 6 -> ElementType.BOOL;
      case 7 -> ElementType.INT16;
      case 9 -> ElementType.INT8;
      case 10 -> ElementType.DOUBLE;
      default -> throw new SplitstreamException("TFLite model " + path + ": tensor '" + t.name() + "' has type code "
          + t.typeCode() + ", which Splitstream cannot carry (use a float or integer model input/output)");
    };
    return new TensorSpec(t.name(), type, Arrays.stream(t.shape()).mapToObj(d -> (long) d).toList());
  }

  /** The parsed flatbuffer: op codes, operators, cost. */
  public TfliteGraph graph() {
    return graph;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Path path() {
    return path;
  }

  @Override
  public ModelFormat format() {
    return ModelFormat.TFLITE;
  }

  @Override
  public List<TensorSpec> inputs() {
    return inputs;
  }

  @Override
  public List<TensorSpec> outputs() {
    return outputs;
  }

  @Override
  public Segment whole() {
    return whole;
  }

  @Override
  public String toString() {
    return "TFLite model " + name + " (" + path + ", " + graph.operators().size() + " operators)";
  }
}
