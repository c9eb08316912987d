package io.splitstream.devices.model;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * What running a segment costs, independent of where it runs: floating-point operations per op
 * class (one multiply-add counts as two), parameter bytes, the number of nodes (each node is one
 * kernel dispatch on an accelerator), and, where the graph's shapes are known, each node's own
 * work: its op class, FLOPs and the bytes it moves (activations read and written, weights read),
 * for a cost model that bounds a node by memory bandwidth as well as by arithmetic.
 *
 * @param nodes each node's work, in graph order; empty when the costs were not counted per node
 *     (then only the totals are known, and a per-node memory bound cannot be applied)
 */
public record SegmentCost(Map<OpClass, Double> flopsByClass, long paramBytes, int nodeCount, List<Node> nodes) {
  /**
   * One node's work.
   *
   * @param bytes bytes it moves: activation inputs and outputs at their element size, plus the
   *     weights and constants it reads
   * @param opType its ONNX op type ("" when not known), for a processor that gives some op types
   *     their own rate
   * @param fusable whether it is an activation or batch normalization applied to the only use of
   *     a convolution's output in the same segment, which a runtime that fuses such pairs (ONNX
   *     Runtime's CPU provider does) computes inside the convolution
   */
  public record Node(OpClass opClass, double flops, long bytes, String opType, boolean fusable) {
    /** A node whose op type is not known. */
    public Node(OpClass opClass, double flops, long bytes) {
      this(opClass, flops, bytes, "", false);
    }
  }

  public SegmentCost {
    EnumMap<OpClass, Double> m = new EnumMap<>(OpClass.class);
    for (OpClass c : OpClass.values()) {
      m.put(c, flopsByClass.getOrDefault(c, 0.0));
    }
    flopsByClass = Map.copyOf(m);
    nodes = List.copyOf(nodes);
    if (!nodes.isEmpty() && nodes.size() != nodeCount) {
      throw new IllegalArgumentException(nodes.size() + " per-node entries for " + nodeCount + " nodes");
    }
  }

  /** Totals only, no per-node work. */
  public SegmentCost(Map<OpClass, Double> flopsByClass, long paramBytes, int nodeCount) {
    this(flopsByClass, paramBytes, nodeCount, List.of());
  }

  /** The cost of {@code nodes}, the FLOPs per class summed from them. */
  public static SegmentCost ofNodes(List<Node> nodes, long paramBytes) {
    EnumMap<OpClass, Double> m = new EnumMap<>(OpClass.class);
    for (Node n : nodes) {
      m.merge(n.opClass(), n.flops(), Double::sum);
    }
    return new SegmentCost(m, paramBytes, nodes.size(), nodes);
  }

  public double flops() {
    return flopsByClass.values().stream().mapToDouble(Double::doubleValue).sum();
  }

  public double flops(OpClass c) {
    return flopsByClass.get(c);
  }

  /**
   * Bytes the nodes move, summed ({@link Node#bytes}); 0 when the cost has no per-node work. The
   * term a linear per-byte cost (a host fit) would multiply.
   */
  public long bytesMoved() {
    return nodes.stream().mapToLong(Node::bytes).sum();
  }

  public SegmentCost plus(SegmentCost o) {
    EnumMap<OpClass, Double> m = new EnumMap<>(OpClass.class);
    for (OpClass c : OpClass.values()) {
      m.put(c, flops(c) + o.flops(c));
    }
    // per-node work survives only when both sides have it (or one side has no nodes at all)
    List<Node> both = new ArrayList<>();
    boolean known = (!nodes.isEmpty() || nodeCount == 0) && (!o.nodes.isEmpty() || o.nodeCount == 0);
    if (known) {
      both.addAll(nodes);
      both.addAll(o.nodes);
    }
    return new SegmentCost(m, paramBytes + o.paramBytes, nodeCount + o.nodeCount, both);
  }

  public static SegmentCost zero() {
    return new SegmentCost(Map.of(), 0, 0);
  }
}
