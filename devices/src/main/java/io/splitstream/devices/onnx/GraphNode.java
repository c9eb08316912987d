package io.splitstream.devices.onnx;

import io.splitstream.devices.model.OpClass;
import java.util.List;

/**
 * One compute node of an {@link OnnxGraph}, at its place in the topological order.
 *
 * @param index position in the topological order, from 0; a cut at boundary {@code i} puts nodes
 *     {@code [0, i)} before it
 * @param name the node's name in the file (may be empty)
 * @param opType ONNX op type, e.g. {@code Conv}
 * @param domain operator set domain; empty for the default ONNX domain
 * @param inputs tensors it reads, in order, without empty optional slots, followed by the
 *     outer-scope tensors its subgraphs read (for If, Loop, Scan)
 * @param outputs tensors it writes
 * @param opClass the class a processor's speed is given for
 * @param flops estimated floating-point operations for the probed shapes (a multiply-add is 2)
 * @param paramBytes bytes of the weights and constants it reads (a constant shared by several nodes
 *     counts at each)
 */
public record GraphNode(
    int index,
    String name,
    String opType,
    String domain,
    List<String> inputs,
    List<String> outputs,
    OpClass opClass,
    double flops,
    long paramBytes) {
  public GraphNode {
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
  }

  /** The name, or {@code opType#index} when the file gives none. */
  public String displayName() {
    return name.isEmpty() ? opType + "#" + index : name;
  }
}
