package io.splitstream.devices.onnx;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.model.TensorSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Concrete shapes for model inputs whose declared shape has dynamic dimensions, as given on the
 * command line: {@code x=1,3,320,320;y=1,4}. Inputs not named keep their declared shape, each
 * dynamic dimension taken as 1. Immutable; equal values compare equal, so probes can be cached by
 * them.
 */
public final class InputShapes {
  private static final InputShapes NONE = new InputShapes(Map.of());
  /**
   * The most elements one given input may have: 2^26, a 256 MiB float tensor. A frame is held
   * several times over (admission buffer, stages, outputs) in a heap of about 1 GiB, and ONNX
   * Runtime's Java tensors are indexed by int, so larger inputs cannot run.
   */
  public static final long MAX_ELEMENTS = 1L << 26;

  private static final String SYNTAX = "name=d0,d1,...;name2=... as in x=1,3,320,320";

  private final Map<String, List<Long>> shapes;

  private InputShapes(Map<String, List<Long>> shapes) {
    this.shapes = shapes;
  }

  /** No shapes given: every dynamic dimension is 1. */
  public static InputShapes none() {
    return NONE;
  }

  /**
   * Parses {@code name=d0,d1,...} entries separated by {@code ;}. The name is everything before the
   * last {@code =}, so names such as {@code input:0} work. Blank text gives {@link #none()}.
   *
   * @throws SplitstreamException naming the bad entry when a dimension is not a positive integer,
   *     an entry has no {@code =}, a name repeats, or an input has more than {@link #MAX_ELEMENTS}
   *     elements
   */
  public static InputShapes parse(String text) {
    if (text == null || text.isBlank()) {
      return NONE;
    }
    Map<String, List<Long>> m = new LinkedHashMap<>();
    for (String entry : text.split(";")) {
      String e = entry.strip();
      if (e.isEmpty()) {
        continue;
      }
      int eq = e.lastIndexOf('=');
      if (eq <= 0 || eq == e.length() - 1) {
        throw new SplitstreamException("input shape '" + e + "' is not valid: write " + SYNTAX);
      }
      String name = e.substring(0, eq).strip();
      List<Long> dims = new ArrayList<>();
      for (String d : e.substring(eq + 1).split(",")) {
        long v;
        try {
          v = Long.parseLong(d.strip());
        } catch (NumberFormatException ex) {
          v = -1;
        }
        if (v <= 0) {
          throw new SplitstreamException("input shape '" + e + "' is not valid: dimension '" + d.strip()
              + "' must be a positive integer; write " + SYNTAX);
        }
        dims.add(v);
      }
      long elements = 1;
      for (long v : dims) {
        elements = v > MAX_ELEMENTS ? MAX_ELEMENTS + 1 : Math.min(MAX_ELEMENTS + 1, elements * v);
      }
      if (elements > MAX_ELEMENTS) {
        throw new SplitstreamException("input shape '" + e + "' is too large: at most " + MAX_ELEMENTS
            + " elements per input (e.g. 1,3,4096,4096); give smaller dimensions");
      }
      if (m.put(name, List.copyOf(dims)) != null) {
        throw new SplitstreamException("input shape for '" + name + "' is given twice in '" + text + "': give it once");
      }
    }
    return new InputShapes(Map.copyOf(m));
  }

  /** Shapes from a map of input name to dimensions. */
  public static InputShapes of(Map<String, List<Long>> shapes) {
    StringBuilder sb = new StringBuilder();
    shapes.forEach((k, v) -> sb.append(k).append('=')
        .append(v.stream().map(String::valueOf).collect(Collectors.joining(","))).append(';'));
    return parse(sb.toString());
  }

  /** The shape given for {@code input}, if any. */
  public Optional<List<Long>> get(String input) {
    return Optional.ofNullable(shapes.get(input));
  }

  public boolean isEmpty() {
    return shapes.isEmpty();
  }

  /**
   * The concrete shape for each declared input, in model order: the given one (checked against the
   * declared rank and static dimensions) or the declared one with dynamic dimensions set to 1.
   *
   * @param modelName for error messages
   * @throws SplitstreamException when a name is not an input of the model or a shape contradicts
   *     the declared one
   */
  public Map<String, long[]> resolve(String modelName, List<TensorSpec> declared) {
    for (String name : shapes.keySet()) {
      if (declared.stream().noneMatch(s -> s.name().equals(name))) {
        throw new SplitstreamException("input shape names '" + name + "' but " + modelName + " has inputs "
            + declared.stream().map(TensorSpec::name).collect(Collectors.joining(", ")) + ": use those names");
      }
    }
    Map<String, long[]> out = new LinkedHashMap<>();
    for (TensorSpec s : declared) {
      List<Long> given = shapes.get(s.name());
      long[] dims;
      if (given == null) {
        dims = s.shape().stream().mapToLong(d -> d < 0 ? 1 : d).toArray();
      } else {
        dims = given.stream().mapToLong(Long::longValue).toArray();
        boolean fits = dims.length == s.shape().size();
        for (int i = 0; fits && i < dims.length; i++) {
          fits = s.shape().get(i) < 0 || s.shape().get(i) == dims[i];
        }
        if (!fits) {
          throw new SplitstreamException("input shape " + s.name() + "=" + join(dims) + " does not fit " + modelName
              + ", which declares " + s.name() + " as " + declaredText(s) + ": keep its rank and fixed dimensions");
        }
      }
      out.put(s.name(), dims);
    }
    return out;
  }

  /** The shapes the way {@link #parse} reads them, in model order of {@code resolved}. */
  static String format(Map<String, long[]> resolved) {
    return resolved.entrySet().stream().map(e -> e.getKey() + "=" + join(e.getValue()))
        .collect(Collectors.joining(";"));
  }

  private static String join(long[] dims) {
    return Arrays.stream(dims).mapToObj(String::valueOf).collect(Collectors.joining(","));
  }

  private static String declaredText(TensorSpec s) {
    return s.shape().stream().map(d -> d < 0 ? "?" : String.valueOf(d)).collect(Collectors.joining(",", "[", "]"));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof InputShapes other && other.shapes.equals(shapes);
  }

  @Override
  public int hashCode() {
    return shapes.hashCode();
  }

  @Override
  public String toString() {
    return shapes.entrySet().stream().sorted(Map.Entry.comparingByKey())
        .map(e -> e.getKey() + "=" + e.getValue().stream().map(String::valueOf).collect(Collectors.joining(",")))
        .collect(Collectors.joining(";"));
  }
}
