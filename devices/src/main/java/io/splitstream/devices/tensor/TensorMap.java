package io.splitstream.devices.tensor;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/** Named tensors in a fixed order: the inputs or outputs of one model or segment invocation. */
public final class TensorMap {
  private final Map<String, Tensor> tensors;

  private TensorMap(Map<String, Tensor> tensors) {
    this.tensors = tensors;
  }

  public static TensorMap of(Map<String, Tensor> tensors) {
    return new TensorMap(Collections.unmodifiableMap(new LinkedHashMap<>(tensors)));
  }

  public static TensorMap of(String name, Tensor tensor) {
    return of(Map.of(name, tensor));
  }

  public static TensorMap empty() {
    return of(Map.of());
  }

  public Tensor get(String name) {
    Tensor t = tensors.get(name);
    if (t == null) {
      throw new NoSuchElementException("no tensor named '" + name + "' (have " + tensors.keySet() + ")");
    }
    return t;
  }

  public boolean contains(String name) {
    return tensors.containsKey(name);
  }

  public Set<String> names() {
    return tensors.keySet();
  }

  public Map<String, Tensor> asMap() {
    return tensors;
  }

  /** This map with {@code other}'s entries added (theirs win on a name clash). */
  public TensorMap with(TensorMap other) {
    Map<String, Tensor> m = new LinkedHashMap<>(tensors);
    m.putAll(other.tensors);
    return new TensorMap(Collections.unmodifiableMap(m));
  }

  public long totalBytes() {
    return tensors.values().stream().mapToLong(Tensor::byteSize).sum();
  }

  public int size() {
    return tensors.size();
  }

  @Override
  public String toString() {
    return tensors.toString();
  }
}
