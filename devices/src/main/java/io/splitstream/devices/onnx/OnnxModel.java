package io.splitstream.devices.onnx;

import com.google.protobuf.InvalidProtocolBufferException;
import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.model.Model;
import io.splitstream.devices.model.ModelFormat;
import io.splitstream.devices.model.Segment;
import io.splitstream.devices.model.TensorSpec;
import io.splitstream.devices.onnx.proto.Onnx.ModelProto;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An ONNX model that can be cut into segments at node boundaries.
 *
 * <p>Loading parses and validates the file (a graph with nodes and outputs, every node input
 * provided, no cycle, weights embedded) but runs nothing. The first call that needs concrete shapes
 * ({@link #graph()}, {@link #cutPoints()}, {@link #cut}, {@link #whole()}) probes the model once
 * in ONNX Runtime at this model's {@link #inputShapes()} (or the shapes given) and caches the
 * result per shapes.
 *
 * <p>Immutable and thread-safe. Every failure a user can cause is a one-line
 * {@link SplitstreamException} naming the file or value and the remedy.
 */
public final class OnnxModel implements Model {
  private final String name;
  private final Path path;
  private final byte[] bytes;
  private final ModelProto proto;
  private final Structure structure;
  private final InputShapes shapes;
  private final Map<InputShapes, OnnxGraph> graphs;

  private OnnxModel(String name, Path path, byte[] bytes, ModelProto proto, Structure structure, InputShapes shapes,
      Map<InputShapes, OnnxGraph> graphs) {
    this.name = name;
    this.path = path;
    this.bytes = bytes;
    this.proto = proto;
    this.structure = structure;
    this.shapes = shapes;
    this.graphs = graphs;
  }

  /**
   * Loads and validates an ONNX file; the model's name is the file name without {@code .onnx}.
   *
   * @throws SplitstreamException when the file is missing, unreadable, not a valid ONNX model, or
   *     keeps weights in external data files
   */
  public static OnnxModel load(Path file) {
    if (Files.isDirectory(file)) {
      throw new SplitstreamException("model path " + file + " is a directory: name an .onnx file");
    }
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new SplitstreamException("model file " + file + " not found: check the path, or fetch a catalogue model "
          + "with ./splitstream models fetch NAME");
    } catch (IOException e) {
      throw new SplitstreamException("model file " + file + " cannot be read (" + e.getClass().getSimpleName() + ": "
          + e.getMessage() + "): check its permissions", e);
    }
    String fileName = file.getFileName().toString();
    String name = fileName.toLowerCase(Locale.ROOT).endsWith(".onnx")
        ? fileName.substring(0, fileName.length() - 5) : fileName;
    return parse(name, file, bytes);
  }

  /** Loads a file and sets the shapes it is probed at (see {@link #withInputShapes}). */
  public static OnnxModel load(Path file, InputShapes shapes) {
    return load(file).withInputShapes(shapes);
  }

  /**
   * A model from bytes in memory; {@link #path()} is then {@code name} itself, not a real file.
   *
   * @throws SplitstreamException when the bytes are not a valid ONNX model
   */
  public static OnnxModel parse(String name, byte[] bytes) {
    return parse(name, Path.of(name), bytes);
  }

  private static OnnxModel parse(String name, Path path, byte[] bytes) {
    ModelProto proto;
    try {
      proto = ModelProto.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw Structure.corrupt(path.toString(), Ort.oneLine(e, 160));
    }
    Structure s = Structure.of(path.toString(), proto);
    return new OnnxModel(name, path, bytes.clone(), proto, s, InputShapes.none(), new ConcurrentHashMap<>());
  }

  /**
   * This model probed, costed and cut at {@code shapes} by default. The shapes are checked against
   * the declared inputs now; the probe still runs on first need. Shares the parsed file and the
   * probe cache with this instance.
   */
  public OnnxModel withInputShapes(InputShapes shapes) {
    shapes.resolve(name, structure.inputs);
    return new OnnxModel(name, path, bytes, proto, structure, shapes, graphs);
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
    return ModelFormat.ONNX;
  }

  /** Declared inputs (without weights); {@code -1} marks a dynamic dimension. */
  @Override
  public List<TensorSpec> inputs() {
    return structure.inputs;
  }

  /** Declared outputs; {@code -1} marks a dynamic dimension. */
  @Override
  public List<TensorSpec> outputs() {
    return structure.outputs;
  }

  /** The shapes this model is probed and cut at unless told otherwise. */
  public InputShapes inputShapes() {
    return shapes;
  }

  /** The parsed file (protobuf messages are immutable). */
  public ModelProto proto() {
    return proto;
  }

  /** The file's bytes (a copy). */
  public byte[] bytes() {
    return bytes.clone();
  }

  /** The graph at {@link #inputShapes()}. */
  public OnnxGraph graph() {
    return graph(shapes);
  }

  /**
   * The graph at {@code shapes}, probing the model in ONNX Runtime on first use of those shapes.
   *
   * @throws SplitstreamException when the shapes do not fit the inputs or the model does not run at
   *     them (the message suggests {@code --input-shape})
   */
  public OnnxGraph graph(InputShapes shapes) {
    Map<String, long[]> resolved = shapes.resolve(name, structure.inputs);
    return graphs.computeIfAbsent(shapes, k -> {
      boolean defaulted = structure.inputs.stream()
          .anyMatch(in -> !in.isStatic() && shapes.get(in.name()).isEmpty());
      return new OnnxGraph(name, structure, Probe.run(name, proto, structure, resolved, defaulted));
    });
  }

  Structure structure() {
    return structure;
  }

  /** Number of compute nodes (Constant nodes are not counted: they are parameters). */
  public int nodeCount() {
    return structure.nodes.size();
  }

  /** Every valid cut at {@link #inputShapes()}. */
  public List<CutPoint> cutPoints() {
    return graph().cutPoints();
  }

  /** Every valid cut, with crossing tensors and bytes at {@code shapes}. */
  public List<CutPoint> cutPoints(InputShapes shapes) {
    return graph(shapes).cutPoints();
  }

  /** The whole model as one segment: the file as it is, with the cost of all its nodes. */
  @Override
  public Segment whole() {
    OnnxGraph g = graph();
    Set<String> ops = new TreeSet<>();
    structure.nodes.forEach(n -> OnnxCutter.collectOpTypes(n.proto(), ops));
    structure.constants.values().stream().filter(c -> c.constantNode().isPresent()).findAny()
        .ifPresent(c -> ops.add("Constant"));
    return new Segment(name, 0, 1, 0, g.size(), ModelFormat.ONNX, bytes, structure.inputs, structure.outputs, ops,
        g.totalCost());
  }

  /**
   * Cuts the model at the given node boundaries into {@code cuts.length + 1} self-contained
   * segments, costed at {@link #inputShapes()}. No cuts gives {@link #whole()}.
   *
   * @throws SplitstreamException naming the first bad cut: not increasing, outside 1..N-1, or a
   *     boundary no tensor can cross (see {@link #cutPoints()})
   */
  public List<Segment> cut(int... cuts) {
    if (cuts.length == 0) {
      return List.of(whole());
    }
    OnnxGraph g = graph();
    int n = g.size();
    int prev = 0;
    for (int c : cuts) {
      if (c < 1 || c >= n) {
        throw badCut(String.valueOf(c), n);
      }
      if (c == prev) {
        throw new SplitstreamException("cut " + c + " is given twice: give each cut once, e.g. " + c);
      }
      if (c < prev) {
        throw new SplitstreamException("cuts " + prev + "," + c + " are not increasing: give each cut once, in"
            + " increasing order, e.g. " + c + "," + prev);
      }
      prev = c;
    }
    for (int c : cuts) {
      g.whyNotCut(c).ifPresent(why -> {
        throw new SplitstreamException("cut " + c + " is not valid for " + name + ": " + why
            + "; list the valid cuts with ./splitstream profile --model " + name);
      });
    }
    List<Segment> segments = new ArrayList<>(cuts.length + 1);
    int from = 0;
    for (int i = 0; i <= cuts.length; i++) {
      int to = i < cuts.length ? cuts[i] : n;
      segments.add(OnnxCutter.segment(proto, g, from, to, i, cuts.length + 1));
      from = to;
    }
    return List.copyOf(segments);
  }

  /** Cuts given as text, e.g. {@code "12,40"} (commas or spaces); blank text gives the whole model. */
  public List<Segment> cut(String cuts) {
    if (cuts == null || cuts.isBlank()) {
      return cut(new int[0]);
    }
    String[] parts = cuts.strip().split("\\s*,\\s*|\\s+", -1);
    int[] values = new int[parts.length];
    for (int i = 0; i < parts.length; i++) {
      if (parts[i].isEmpty()) {
        throw new SplitstreamException("cuts '" + cuts + "' have an empty entry: write node boundaries separated by"
            + " single commas, e.g. 12,40");
      }
      try {
        values[i] = Integer.parseInt(parts[i]);
      } catch (NumberFormatException e) {
        throw badCut("'" + parts[i] + "'", nodeCount());
      }
    }
    return cut(values);
  }

  private SplitstreamException badCut(String cut, int n) {
    return new SplitstreamException("cut " + cut + " is not valid for " + name
        + ": cuts must be increasing node boundaries in 1.." + (n - 1)
        + "; list them with ./splitstream profile --model " + name);
  }

  @Override
  public String toString() {
    return "OnnxModel " + name + " (" + nodeCount() + " nodes, " + path + ")";
  }
}
