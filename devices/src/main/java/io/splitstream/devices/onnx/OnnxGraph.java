package io.splitstream.devices.onnx;

import io.splitstream.devices.model.SegmentCost;
import io.splitstream.devices.model.TensorSpec;
import io.splitstream.devices.onnx.proto.Onnx.AttributeProto;
import io.splitstream.devices.onnx.proto.Onnx.NodeProto;
import io.splitstream.devices.onnx.proto.Onnx.TensorProto;
import io.splitstream.devices.tensor.ElementType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A model's compute graph at concrete input shapes: its nodes in topological order (Kahn's
 * algorithm, ties broken by file order, so a file already in order keeps it), every activation's
 * probed type and shape, and per-node cost estimates. Constant nodes are not among the nodes:
 * like initializers they are parameters, copied into every segment that reads them.
 *
 * <p>Immutable and thread-safe. Obtain one from {@link OnnxModel#graph()}.
 */
public final class OnnxGraph {
  private final String modelName;
  private final Structure structure;
  private final List<GraphNode> nodes;
  private final Map<String, TensorSpec> specs;
  private final Map<String, String> problems;
  private final Map<String, List<Long>> inferred;
  /** Activations in production order: model inputs, then node outputs in topological order. */
  private final List<String> activations;
  private final Map<String, Integer> producedAt;
  private final Map<String, Integer> lastNeededAt;
  private final List<Set<String>> constantReads;
  /** Bytes each node moves: its activation inputs and outputs (probed sizes) and the constants it reads. */
  private final long[] nodeBytes;
  /** How many node inputs read each tensor. */
  private final Map<String, Integer> consumers;
  /**
   * Ops ONNX Runtime's CPU provider folds into the convolution before them (ConvActivationFusion,
   * ConvBNFusion) when the convolution's output has no other use: see {@link SegmentCost.Node#fusable}.
   */
  private static final Set<String> FUSABLE = Set.of("Relu", "Clip", "LeakyRelu", "Sigmoid", "HardSigmoid", "Tanh",
      "BatchNormalization");

  OnnxGraph(String modelName, Structure s, Probe.Result probe) {
    this.modelName = modelName;
    this.structure = s;
    this.specs = probe.specs();
    this.problems = probe.problems();
    this.inferred = probe.inferred();
    int n = s.nodes.size();
    List<GraphNode> built = new ArrayList<>(n);
    List<Set<String>> reads = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Structure.Node node = s.nodes.get(i);
      Set<String> consts = new LinkedHashSet<>();
      for (String in : node.inputs()) {
        if (s.constants.containsKey(in)) {
          consts.add(in);
        }
      }
      reads.add(Set.copyOf(consts));
      long params = consts.stream().mapToLong(c -> s.constants.get(c).bytes()).sum();
      Flops.Estimate est = Flops.estimate(node.proto(), name -> shape(name));
      built.add(new GraphNode(i, node.proto().getName(), node.proto().getOpType(), node.proto().getDomain(),
          node.inputs(), node.proto().getOutputList().stream().filter(o -> !o.isEmpty()).toList(),
          est.opClass(), est.flops(), params));
    }
    this.nodes = List.copyOf(built);
    this.constantReads = List.copyOf(reads);
    this.nodeBytes = new long[n];
    for (int i = 0; i < n; i++) {
      GraphNode g = built.get(i);
      long b = 0;
      for (String in : g.inputs()) {
        b += s.constants.containsKey(in) ? s.constants.get(in).bytes() : activationBytes(in);
      }
      for (String out : g.outputs()) {
        b += activationBytes(out);
      }
      nodeBytes[i] = b;
    }

    List<String> acts = new ArrayList<>();
    Map<String, Integer> produced = new HashMap<>();
    for (TensorSpec in : s.inputs) {
      acts.add(in.name());
      produced.put(in.name(), -1);
    }
    for (GraphNode g : nodes) {
      for (String o : g.outputs()) {
        acts.add(o);
        produced.put(o, g.index());
      }
    }
    Map<String, Integer> last = new HashMap<>();
    for (String a : acts) {
      last.put(a, produced.get(a));
    }
    for (GraphNode g : nodes) {
      for (String in : g.inputs()) {
        last.computeIfPresent(in, (k, v) -> Math.max(v, g.index()));
      }
    }
    for (TensorSpec out : s.outputs) {
      // a model output has to reach the end of the pipeline, wherever it is produced
      last.computeIfPresent(out.name(), (k, v) -> n);
    }
    Map<String, Integer> uses = new HashMap<>();
    for (GraphNode g : nodes) {
      g.inputs().forEach(in -> uses.merge(in, 1, Integer::sum));
    }
    this.consumers = Map.copyOf(uses);
    this.activations = List.copyOf(acts);
    this.producedAt = Map.copyOf(produced);
    this.lastNeededAt = Map.copyOf(last);
  }

  public String modelName() {
    return modelName;
  }

  /** Compute nodes in topological order; {@code nodes().get(i).index() == i}. */
  public List<GraphNode> nodes() {
    return nodes;
  }

  public int size() {
    return nodes.size();
  }

  /** Model inputs with the concrete shapes this graph was probed at. */
  public List<TensorSpec> inputs() {
    return structure.inputs.stream().map(t -> specs.get(t.name())).toList();
  }

  /** Model outputs with their probed shapes. */
  public List<TensorSpec> outputs() {
    return structure.outputs.stream().map(t -> tensor(t.name()).orElse(t)).toList();
  }

  /**
   * A node output's shape as the runtime infers it from the model's declared inputs, before any
   * run ({@code -1} where only a run tells); empty when the runtime inferred none. Unlike {@link
   * #tensor}, it holds at every input size, so a segment may declare its fixed dimensions.
   */
  Optional<List<Long>> inferredShape(String name) {
    return Optional.ofNullable(inferred.get(name));
  }

  /**
   * The concrete type and shape of a tensor: a probed activation, or a weight or constant with a
   * type Splitstream knows. Empty for unknown names and for constants whose value is not a plain
   * tensor attribute.
   */
  public Optional<TensorSpec> tensor(String name) {
    TensorSpec s = specs.get(name);
    if (s != null) {
      return Optional.of(s);
    }
    Structure.TensorSource c = structure.constants.get(name);
    if (c == null) {
      return Optional.empty();
    }
    Optional<TensorProto> t = c.initializer().or(() -> c.constantNode().flatMap(OnnxGraph::constantValue));
    return t.flatMap(tp -> {
      try {
        return Optional.of(new TensorSpec(name, ElementType.fromOnnx(tp.getDataType()), tp.getDimsList()));
      } catch (IllegalArgumentException e) {
        return Optional.empty();
      }
    });
  }

  /** Every carryable activation's probed spec (model inputs and node outputs). */
  public Map<String, TensorSpec> activations() {
    return specs;
  }

  /** Whether {@code name} is a weight or constant (never carried across a cut). */
  public boolean isConstant(String name) {
    return structure.constants.containsKey(name);
  }

  /** The names of all weights and constants. */
  public Set<String> constants() {
    return structure.constants.keySet();
  }

  /** Bytes of the named constant, 0 for other names. */
  public long constantBytes(String name) {
    Structure.TensorSource c = structure.constants.get(name);
    return c == null ? 0 : c.bytes();
  }

  /**
   * Names of the tensors that cross boundary {@code b} (0..N): produced before it or a model input,
   * and read at or after it or a model output. In production order.
   */
  public List<String> crossing(int b) {
    List<String> out = new ArrayList<>();
    for (String a : activations) {
      if (producedAt.get(a) < b && lastNeededAt.get(a) >= b) {
        out.add(a);
      }
    }
    return out;
  }

  /** Why a cut at boundary {@code b} is impossible, or empty when it is a valid cut. */
  public Optional<String> whyNotCut(int b) {
    if (b < 1 || b >= nodes.size()) {
      return Optional.of("boundaries run from 1 to " + (nodes.size() - 1));
    }
    for (String t : crossing(b)) {
      String p = problems.get(t);
      if (p != null) {
        return Optional.of("tensor '" + t + "' would cross it and " + p);
      }
      if (!specs.containsKey(t)) {
        return Optional.of("tensor '" + t + "' would cross it and its shape is unknown");
      }
    }
    return Optional.empty();
  }

  /** Every valid cut with the tensors crossing it and their bytes, in boundary order. */
  public List<CutPoint> cutPoints() {
    List<CutPoint> cuts = new ArrayList<>();
    for (int b = 1; b < nodes.size(); b++) {
      if (whyNotCut(b).isEmpty()) {
        cuts.add(cutPoint(b));
      }
    }
    return cuts;
  }

  CutPoint cutPoint(int b) {
    List<TensorSpec> crossing = crossing(b).stream().map(specs::get).toList();
    return new CutPoint(b, crossing, crossing.stream().mapToLong(TensorSpec::bytes).sum());
  }

  /**
   * Cost of nodes {@code [from, to)}, with each node's work; parameters shared by several of them
   * count once in {@link SegmentCost#paramBytes}, but once per reading node in its bytes moved.
   */
  public SegmentCost cost(int from, int to) {
    List<SegmentCost.Node> work = new ArrayList<>(to - from);
    Set<String> consts = new LinkedHashSet<>();
    boolean[] intoConv = new boolean[to - from]; // a Conv, or a node fused into one
    for (int i = from; i < to; i++) {
      GraphNode g = nodes.get(i);
      boolean fusable = false;
      if (FUSABLE.contains(g.opType()) && g.domain().isEmpty() && !g.inputs().isEmpty()) {
        String in = g.inputs().get(0);
        int p = producedAt.getOrDefault(in, -1);
        fusable = p >= from && intoConv[p - from] && consumers.getOrDefault(in, 0) == 1
            && lastNeededAt.getOrDefault(in, nodes.size()) <= i;
      }
      intoConv[i - from] = fusable || g.opType().equals("Conv") && g.domain().isEmpty();
      work.add(new SegmentCost.Node(g.opClass(), g.flops(), nodeBytes[i], g.opType(), fusable));
      consts.addAll(constantReads.get(i));
    }
    long params = consts.stream().mapToLong(this::constantBytes).sum();
    return SegmentCost.ofNodes(work, params);
  }

  public SegmentCost totalCost() {
    return cost(0, nodes.size());
  }

  Structure structure() {
    return structure;
  }

  /** Probed bytes of an activation; 0 when its shape is unknown or not static. */
  private long activationBytes(String name) {
    TensorSpec t = specs.get(name);
    try {
      return t == null ? 0 : Math.max(0, t.bytes());
    } catch (ArithmeticException e) {
      return 0;
    }
  }

  private Optional<List<Long>> shape(String name) {
    return tensor(name).map(TensorSpec::shape);
  }

  private static Optional<TensorProto> constantValue(NodeProto n) {
    for (AttributeProto a : n.getAttributeList()) {
      if (a.getName().equals("value") && a.hasT()) {
        return Optional.of(a.getT());
      }
    }
    return Optional.empty();
  }
}
