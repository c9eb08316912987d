package io.splitstream.devices.onnx;

import io.splitstream.devices.model.TensorSpec;
import java.util.List;

/**
 * A place where a model can be cut: between nodes {@code boundary - 1} and {@code boundary} of
 * its topological order, with the activations that must be carried across it.
 *
 * @param boundary node boundary in {@code 1..N-1}
 * @param crossing tensors produced before the boundary (or model inputs) that are read at or after
 *     it, plus model outputs produced before it; concrete shapes from the probe. Weights and
 *     constants never cross.
 * @param bytes total bytes of {@code crossing}: what moving one frame across this cut costs
 */
public record CutPoint(int boundary, List<TensorSpec> crossing, long bytes) {
  public CutPoint {
    crossing = List.copyOf(crossing);
  }
}
