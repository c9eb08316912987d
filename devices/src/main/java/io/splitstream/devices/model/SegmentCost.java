package io.splitstream.devices.model;

import java.util.EnumMap;
import java.util.Map;

/**
 * What running a segment costs, independent of where it runs: floating-point operations per op
 * class (one multiply-add counts as two), parameter bytes, and the number of nodes (each node is
 * one kernel dispatch on an accelerator).
 */
public record SegmentCost(Map<OpClass, Double> flopsByClass, long paramBytes, int nodeCount) {
  public SegmentCost {
    EnumMap<OpClass, Double> m = new EnumMap<>(OpClass.class);
    for (OpClass c : OpClass.values()) {
      m.put(c, flopsByClass.getOrDefault(c, 0.0));
    }
    flopsByClass = Map.copyOf(m);
  }

  public double flops() {
    return flopsByClass.values().stream().mapToDouble(Double::doubleValue).sum();
  }

  public double flops(OpClass c) {
    return flopsByClass.get(c);
  }

  public SegmentCost plus(SegmentCost o) {
    EnumMap<OpClass, Double> m = new EnumMap<>(OpClass.class);
    for (OpClass c : OpClass.values()) {
      m.put(c, flops(c) + o.flops(c));
    }
    return new SegmentCost(m, paramBytes + o.paramBytes, nodeCount + o.nodeCount);
  }

  public static SegmentCost zero() {
    return new SegmentCost(Map.of(), 0, 0);
  }
}
