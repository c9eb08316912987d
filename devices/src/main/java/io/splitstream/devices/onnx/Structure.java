package io.splitstream.devices.onnx;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.model.TensorSpec;
import io.splitstream.devices.onnx.proto.Onnx.AttributeProto;
import io.splitstream.devices.onnx.proto.Onnx.GraphProto;
import io.splitstream.devices.onnx.proto.Onnx.ModelProto;
import io.splitstream.devices.onnx.proto.Onnx.NodeProto;
import io.splitstream.devices.onnx.proto.Onnx.TensorProto;
import io.splitstream.devices.onnx.proto.Onnx.TensorShapeProto;
import io.splitstream.devices.onnx.proto.Onnx.TypeProto;
import io.splitstream.devices.onnx.proto.Onnx.ValueInfoProto;
import io.splitstream.devices.tensor.ElementType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * What a model's graph is, independent of input shapes: its compute nodes in a stable topological
 * order, its constants (initializers and Constant nodes), and what each tensor is declared as.
 * Built once per file; validation failures become the one-line "not a valid ONNX model" error.
 */
final class Structure {
  /** A compute node with the tensors it reads, including those its subgraphs read from outside. */
  record Node(int fileIndex, NodeProto proto, List<String> inputs) {}

  final List<Node> nodes;
  /** Constant tensors by name: initializers and Constant node outputs. */
  final Map<String, TensorSource> constants;
  final List<TensorSpec> inputs;
  final List<TensorSpec> outputs;
  /** Declared value info (graph inputs, outputs, value_info) by tensor name. */
  final Map<String, ValueInfoProto> declared;
  /** Index in {@link #nodes} of each node output's producer. */
  final Map<String, Integer> producer;

  /** Where a constant comes from, and how many bytes it holds. */
  record TensorSource(String name, Optional<TensorProto> initializer, Optional<NodeProto> constantNode, long bytes) {}

  private Structure(List<Node> nodes, Map<String, TensorSource> constants, List<TensorSpec> inputs,
      List<TensorSpec> outputs, Map<String, ValueInfoProto> declared, Map<String, Integer> producer) {
    this.nodes = nodes;
    this.constants = constants;
    this.inputs = inputs;
    this.outputs = outputs;
    this.declared = declared;
    this.producer = producer;
  }

  static Structure of(String file, ModelProto m) {
    if (!m.hasGraph()) {
      throw corrupt(file, "it has no graph");
    }
    if (m.getOpsetImportCount() == 0) {
      throw corrupt(file, "it imports no operator set");
    }
    GraphProto g = m.getGraph();
    if (g.getUnknownFields().hasField(15)) {
      throw new SplitstreamException("model file " + file
          + " holds sparse initializers, which Splitstream does not support: re-export it with dense weights");
    }
    if (g.getNodeCount() == 0) {
      throw corrupt(file, "its graph has no nodes");
    }
    if (g.getOutputCount() == 0) {
      throw corrupt(file, "its graph has no outputs");
    }
    Map<String, TensorSource> constants = new LinkedHashMap<>();
    for (TensorProto t : g.getInitializerList()) {
      checkEmbedded(file, t);
      constants.put(t.getName(), new TensorSource(t.getName(), Optional.of(t), Optional.empty(), tensorBytes(t)));
    }
    Map<String, ValueInfoProto> declared = new HashMap<>();
    g.getValueInfoList().forEach(v -> declared.put(v.getName(), v));
    g.getOutputList().forEach(v -> declared.put(v.getName(), v));
    g.getInputList().forEach(v -> declared.put(v.getName(), v));

    List<TensorSpec> inputs = new ArrayList<>();
    Set<String> available = new HashSet<>(constants.keySet());
    for (ValueInfoProto v : g.getInputList()) {
      // before IR 4 every initializer is also listed as an input; it is still a weight
      if (!constants.containsKey(v.getName())) {
        inputs.add(spec(file, "input", v));
        available.add(v.getName());
      }
    }
    List<Node> candidates = new ArrayList<>();
    for (int i = 0; i < g.getNodeCount(); i++) {
      NodeProto n = g.getNode(i);
      scanAttributes(file, n.getAttributeList());
      if (isConstantNode(n)) {
        if (n.getOutputCount() != 1 || n.getOutput(0).isEmpty()) {
          throw corrupt(file, "Constant node '" + n.getName() + "' has no single output");
        }
        constants.put(n.getOutput(0),
            new TensorSource(n.getOutput(0), Optional.empty(), Optional.of(n), constantBytes(n)));
        available.add(n.getOutput(0));
        continue;
      }
      Set<String> reads = new LinkedHashSet<>();
      for (String in : n.getInputList()) {
        if (!in.isEmpty()) {
          reads.add(in);
        }
      }
      for (AttributeProto a : n.getAttributeList()) {
        if (a.hasG()) {
          reads.addAll(outerReads(a.getG()));
        }
        for (GraphProto sub : a.getGraphsList()) {
          reads.addAll(outerReads(sub));
        }
      }
      candidates.add(new Node(i, n, List.copyOf(reads)));
    }
    List<Node> ordered = topologicalOrder(file, candidates, available);
    Map<String, Integer> producer = new HashMap<>();
    for (int i = 0; i < ordered.size(); i++) {
      for (String out : ordered.get(i).proto().getOutputList()) {
        if (!out.isEmpty()) {
          producer.put(out, i);
        }
      }
    }
    List<TensorSpec> outputs = new ArrayList<>();
    for (ValueInfoProto v : g.getOutputList()) {
      if (!producer.containsKey(v.getName()) && !available.contains(v.getName())) {
        throw corrupt(file, "graph output '" + v.getName() + "' is produced by no node");
      }
      outputs.add(spec(file, "output", v));
    }
    return new Structure(List.copyOf(ordered), Map.copyOf(constants), List.copyOf(inputs), List.copyOf(outputs),
        Map.copyOf(declared), Map.copyOf(producer));
  }

  /**
   * Kahn's algorithm, always taking the ready node that comes first in the file, so a file already
   * in order keeps its order and the result is the same on every load.
   */
  private static List<Node> topologicalOrder(String file, List<Node> nodes, Set<String> available) {
    Map<String, Integer> producerPos = new HashMap<>();
    for (int i = 0; i < nodes.size(); i++) {
      for (String out : nodes.get(i).proto().getOutputList()) {
        if (!out.isEmpty()) {
          if (producerPos.put(out, i) != null || available.contains(out)) {
            throw corrupt(file, "tensor '" + out + "' is produced twice");
          }
        }
      }
    }
    int[] waiting = new int[nodes.size()];
    Map<String, List<Integer>> consumers = new HashMap<>();
    for (int i = 0; i < nodes.size(); i++) {
      Node n = nodes.get(i);
      for (String in : n.inputs()) {
        if (available.contains(in)) {
          continue;
        }
        if (!producerPos.containsKey(in)) {
          throw corrupt(file, "node '" + display(n.proto()) + "' (" + n.proto().getOpType() + ") reads tensor '" + in
              + "' that no node, input or initializer provides");
        }
        waiting[i]++;
        consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(i);
      }
    }
    PriorityQueue<Integer> ready = new PriorityQueue<>();
    for (int i = 0; i < nodes.size(); i++) {
      if (waiting[i] == 0) {
        ready.add(i);
      }
    }
    List<Node> order = new ArrayList<>(nodes.size());
    while (!ready.isEmpty()) {
      int i = ready.poll();
      order.add(nodes.get(i));
      for (String out : nodes.get(i).proto().getOutputList()) {
        for (int c : consumers.getOrDefault(out, List.of())) {
          if (--waiting[c] == 0) {
            ready.add(c);
          }
        }
      }
    }
    if (order.size() != nodes.size()) {
      for (int i = 0; i < nodes.size(); i++) {
        if (waiting[i] > 0) {
          throw corrupt(file, "its graph has a cycle through node '" + display(nodes.get(i).proto()) + "'");
        }
      }
    }
    return order;
  }

  /** Tensors a subgraph reads from enclosing scopes: read inside, defined nowhere inside. */
  static Set<String> outerReads(GraphProto g) {
    Set<String> defined = new HashSet<>();
    g.getInputList().forEach(v -> defined.add(v.getName()));
    g.getInitializerList().forEach(t -> defined.add(t.getName()));
    for (NodeProto n : g.getNodeList()) {
      defined.addAll(n.getOutputList());
    }
    Set<String> free = new LinkedHashSet<>();
    for (NodeProto n : g.getNodeList()) {
      for (String in : n.getInputList()) {
        if (!in.isEmpty() && !defined.contains(in)) {
          free.add(in);
        }
      }
      for (AttributeProto a : n.getAttributeList()) {
        List<GraphProto> subs = new ArrayList<>(a.getGraphsList());
        if (a.hasG()) {
          subs.add(a.getG());
        }
        for (GraphProto sub : subs) {
          for (String in : outerReads(sub)) {
            if (!defined.contains(in)) {
              free.add(in);
            }
          }
        }
      }
    }
    for (ValueInfoProto out : g.getOutputList()) {
      if (!defined.contains(out.getName())) {
        free.add(out.getName());
      }
    }
    return free;
  }

  static boolean isConstantNode(NodeProto n) {
    return n.getOpType().equals("Constant") && (n.getDomain().isEmpty() || n.getDomain().equals("ai.onnx"))
        && n.getInputCount() == 0;
  }

  private static void scanAttributes(String file, List<AttributeProto> attrs) {
    for (AttributeProto a : attrs) {
      if (a.hasT()) {
        checkEmbedded(file, a.getT());
      }
      a.getTensorsList().forEach(t -> checkEmbedded(file, t));
      List<GraphProto> subs = new ArrayList<>(a.getGraphsList());
      if (a.hasG()) {
        subs.add(a.getG());
      }
      for (GraphProto sub : subs) {
        sub.getInitializerList().forEach(t -> checkEmbedded(file, t));
        sub.getNodeList().forEach(n -> scanAttributes(file, n.getAttributeList()));
      }
    }
  }

  private static void checkEmbedded(String file, TensorProto t) {
    if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL || t.getExternalDataCount() > 0) {
      throw new SplitstreamException("model file " + file + " keeps tensor '" + t.getName()
          + "' in an external data file, which Splitstream does not support: "
          + "re-export the model with its weights embedded");
    }
  }

  static TensorSpec spec(String file, String role, ValueInfoProto v) {
    TypeProto t = v.getType();
    if (!t.hasTensorType()) {
      throw new SplitstreamException("model file " + file + " has " + role + " '" + v.getName()
          + "' that is not a tensor (" + t.getValueCase() + "): Splitstream carries tensors only");
    }
    int code = t.getTensorType().getElemType();
    ElementType type;
    try {
      type = ElementType.fromOnnx(code);
    } catch (IllegalArgumentException e) {
      throw new SplitstreamException("model file " + file + " has " + role + " '" + v.getName()
          + "' of ONNX element type " + code + ", which Splitstream cannot carry: use a model with float or integer "
          + role + "s");
    }
    return new TensorSpec(v.getName(), type, dims(t));
  }

  /** Declared dimensions, -1 for dynamic ones; empty when the rank is unknown or 0. */
  static List<Long> dims(TypeProto t) {
    List<Long> dims = new ArrayList<>();
    if (t.hasTensorType() && t.getTensorType().hasShape()) {
      for (TensorShapeProto.Dimension d : t.getTensorType().getShape().getDimList()) {
        dims.add(d.hasDimValue() && d.getDimValue() >= 0 ? d.getDimValue() : -1L);
      }
    }
    return dims;
  }

  static long tensorBytes(TensorProto t) {
    if (t.getDataType() == TensorProto.DataType.STRING_VALUE) {
      return t.getStringDataList().stream().mapToLong(s -> s.size()).sum();
    }
    long n = 1;
    for (long d : t.getDimsList()) {
      n *= d;
    }
    return (long) Math.ceil(n * elementBytes(t.getDataType()));
  }

  private static long constantBytes(NodeProto n) {
    long bytes = 0;
    for (AttributeProto a : n.getAttributeList()) {
      if (a.hasT()) {
        bytes += tensorBytes(a.getT());
      }
      bytes += 4L * (a.getFloatsCount() + (a.hasF() ? 1 : 0));
      bytes += 8L * (a.getIntsCount() + (a.hasI() ? 1 : 0));
      bytes += a.getStringsList().stream().mapToLong(s -> s.size()).sum() + (a.hasS() ? a.getS().size() : 0);
    }
    return bytes;
  }

  static double elementBytes(int code) {
    return switch (code) {
      case 2, 3, 9, 17, 18, 19, 20 -> 1;
      case 4, 5, 10, 16 -> 2;
      case 1, 6, 12 -> 4;
      case 7, 11, 13, 14 -> 8;
      case 15 -> 16;
      case 21, 22, 23 -> 0.5;
      default -> 0;
    };
  }

  static String display(NodeProto n) {
    return n.getName().isEmpty() ? String.join(",", n.getOutputList()) : n.getName();
  }

  static SplitstreamException corrupt(String file, String detail) {
    return new SplitstreamException("model file " + file + " is not a valid ONNX model (truncated or corrupt: " + detail
        + "): re-fetch it or re-export it");
  }
}
