package io.splitstream.devices.model;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A self-contained piece of a model: nodes {@code [firstNode, endNode)} of its topological order,
 * serialised as a model file of its own. Its inputs are exactly the tensors that cross the cut in
 * front of it (weights and constants live inside it, never cross), its outputs those that cross
 * the cut behind it plus any of the model's outputs it produces. Running every segment of a model
 * in order equals running the whole model.
 *
 * <p>A TFLite model is one segment covering the whole model.
 */
public final class Segment {
  private final String modelName;
  private final int index;
  private final int count;
  private final int firstNode;
  private final int endNode;
  private final ModelFormat format;
  private final byte[] bytes;
  private final List<TensorSpec> inputs;
  private final List<TensorSpec> outputs;
  private final Set<String> opTypes;
  private final SegmentCost cost;

  public Segment(
      String modelName,
      int index,
      int count,
      int firstNode,
      int endNode,
      ModelFormat format,
      byte[] bytes,
      List<TensorSpec> inputs,
      List<TensorSpec> outputs,
      Set<String> opTypes,
      SegmentCost cost) {
    this.modelName = Objects.requireNonNull(modelName);
    this.index = index;
    this.count = count;
    this.firstNode = firstNode;
    this.endNode = endNode;
    this.format = Objects.requireNonNull(format);
    this.bytes = bytes.clone();
    this.inputs = List.copyOf(inputs);
    this.outputs = List.copyOf(outputs);
    this.opTypes = Set.copyOf(opTypes);
    this.cost = Objects.requireNonNull(cost);
  }

  public String modelName() {
    return modelName;
  }

  /** Position of this segment in its model, from 0. */
  public int index() {
    return index;
  }

  /** How many segments the model was cut into. */
  public int count() {
    return count;
  }

  public int firstNode() {
    return firstNode;
  }

  /** One past the last node. */
  public int endNode() {
    return endNode;
  }

  public ModelFormat format() {
    return format;
  }

  /** The segment's model file (a copy). */
  public byte[] bytes() {
    return bytes.clone();
  }

  public int byteSize() {
    return bytes.length;
  }

  public List<TensorSpec> inputs() {
    return inputs;
  }

  public List<TensorSpec> outputs() {
    return outputs;
  }

  /** Op types of its nodes; a processor lacking one of them refuses the segment. */
  public Set<String> opTypes() {
    return opTypes;
  }

  public SegmentCost cost() {
    return cost;
  }

  /** A stable short name such as {@code blazeface[0:37]}. */
  public String label() {
    return modelName + "[" + firstNode + ":" + endNode + "]";
  }

  @Override
  public String toString() {
    return "Segment " + label() + " (" + (index + 1) + "/" + count + ", " + format + ")";
  }
}
