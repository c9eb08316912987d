package io.splitstream.devices.tflite;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.model.OpClass;
import io.splitstream.devices.model.SegmentCost;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What Splitstream reads from a {@code .tflite} flatbuffer itself, without the interpreter: the
 * operator codes (builtin names, custom op names), each operator's tensors, and from their shapes
 * the cost of the main subgraph. It reads the TFLite schema (v3) directly: tables, vtables and
 * vectors as the FlatBuffers format lays them out.
 *
 * <p>Immutable and thread-safe.
 */
public final class TfliteGraph {
  /** One operator code entry: a builtin name such as {@code CONV_2D}, or a custom op's name. */
  public record OpCode(String name, int builtinCode, boolean custom) {}

  /** A tensor of the main subgraph: name, TFLite type code, shape (-1 where the signature is dynamic). */
  public record TensorInfo(String name, int typeCode, int[] shape) {}

  /** One operator of the main subgraph, with its input and output tensor shapes. */
  public record Operator(OpCode code, List<int[]> inputShapes, List<int[]> outputShapes) {}

  private static final int CUSTOM = 32;
  private static final Set<String> ELEMENTWISE = Set.of("ADD", "SUB", "MUL", "DIV", "RELU", "RELU6", "RELU_N1_TO_1",
      "LOGISTIC", "TANH", "PRELU", "MAXIMUM", "MINIMUM", "HARD_SWISH", "LEAKY_RELU", "EXP", "LOG", "SQRT", "RSQRT",
      "ABS", "NEG", "SQUARE", "SQUARED_DIFFERENCE", "POW", "ELU", "ADD_N", "FLOOR", "CEIL", "ROUND", "SIN", "COS",
      "DEQUANTIZE", "QUANTIZE", "CAST");

  private final List<OpCode> opCodes;
  private final List<Operator> operators;
  private final long paramBytes;
  private final List<TensorInfo> inputs;
  private final List<TensorInfo> outputs;

  private TfliteGraph(List<OpCode> opCodes, List<Operator> operators, long paramBytes, List<TensorInfo> inputs,
      List<TensorInfo> outputs) {
    this.opCodes = List.copyOf(opCodes);
    this.operators = List.copyOf(operators);
    this.paramBytes = paramBytes;
    this.inputs = List.copyOf(inputs);
    this.outputs = List.copyOf(outputs);
  }

  /**
   * Reads {@code bytes} as a TFLite model.
   *
   * @throws SplitstreamException naming {@code source} when it is not a TFLite flatbuffer
   */
  public static TfliteGraph parse(byte[] bytes, String source) {
    if (bytes.length < 8 || bytes[4] != 'T' || bytes[5] != 'F' || bytes[6] != 'L' || bytes[7] != '3') {
      throw new SplitstreamException(source + " is not a TFLite model (no TFL3 identifier): give a .tflite file");
    }
    try {
      Reader r = new Reader(ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN));
      int model = r.deref(0);
      List<OpCode> codes = new ArrayList<>();
      for (int t : r.tables(model, 1)) {
        int deprecated = r.scalarByte(t, 0, 0);
        int builtin = r.scalarInt(t, 3, 0);
        int code = Math.max(deprecated, builtin);
        String custom = r.string(t, 1);
        boolean isCustom = code == CUSTOM;
        codes.add(new OpCode(isCustom ? (custom == null ? "CUSTOM" : custom) : builtinName(code), code, isCustom));
      }
      List<Integer> subgraphs = r.tables(model, 2);
      if (subgraphs.isEmpty()) {
        throw new SplitstreamException(source + " has no subgraph: the file is damaged; export the model again");
      }
      int sg = subgraphs.get(0);
      List<int[]> tensorShapes = new ArrayList<>();
      List<TensorInfo> tensors = new ArrayList<>();
      for (int t : r.tables(sg, 0)) {
        int[] shape = r.ints(t, 0);
        int[] signature = r.ints(t, 7);
        tensorShapes.add(shape);
        tensors.add(new TensorInfo(r.string(t, 3), r.scalarByte(t, 1, 0),
            signature.length == shape.length ? signature : shape));
      }
      List<TensorInfo> ins = new ArrayList<>();
      for (int i : r.ints(sg, 1)) {
        ins.add(tensors.get(i));
      }
      List<TensorInfo> outs = new ArrayList<>();
      for (int i : r.ints(sg, 2)) {
        outs.add(tensors.get(i));
      }
      List<Operator> ops = new ArrayList<>();
      for (int op : r.tables(sg, 3)) {
        int idx = r.scalarInt(op, 0, 0);
        if (idx < 0 || idx >= codes.size()) {
          throw new SplitstreamException(source + " has an operator with opcode index " + idx + " of " + codes.size()
              + ": the file is damaged; export the model again");
        }
        ops.add(new Operator(codes.get(idx), shapes(r.ints(op, 1), tensorShapes), shapes(r.ints(op, 2), tensorShapes)));
      }
      long params = 0;
      for (int b : r.tables(model, 4)) {
        params += r.vectorLength(b, 0);
      }
      return new TfliteGraph(codes, ops, params, ins, outs);
    } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
      throw new SplitstreamException(source + " is not a readable TFLite flatbuffer (" + e.getMessage()
          + "): the file is damaged or truncated; fetch or export it again", e);
    }
  }

  private static List<int[]> shapes(int[] tensorIndices, List<int[]> tensorShapes) {
    List<int[]> out = new ArrayList<>();
    for (int i : tensorIndices) {
      out.add(i < 0 ? new int[0] : tensorShapes.get(i));
    }
    return out;
  }

  /** The main subgraph's inputs, in the interpreter's input order. */
  public List<TensorInfo> inputs() {
    return inputs;
  }

  /** The main subgraph's outputs, in the interpreter's output order. */
  public List<TensorInfo> outputs() {
    return outputs;
  }

  public List<OpCode> opCodes() {
    return opCodes;
  }

  public List<Operator> operators() {
    return operators;
  }

  /** Op type names used by the main subgraph, in first-use order. */
  public Set<String> opTypes() {
    Set<String> s = new LinkedHashSet<>();
    operators.forEach(o -> s.add(o.code().name()));
    return s;
  }

  /**
   * FLOPs per op class (a multiply-add counts two) from the operators' tensor shapes; parameter
   * bytes are the sizes of all constant buffers; one node per operator.
   */
  public SegmentCost cost() {
    Map<OpClass, Double> flops = new EnumMap<>(OpClass.class);
    for (Operator op : operators) {
      String n = op.code().name();
      double outElems = op.outputShapes().isEmpty() ? 0 : elements(op.outputShapes().get(0));
      OpClass c;
      double f;
      switch (n) {
        case "CONV_2D" -> {
          int[] w = op.inputShapes().get(1); // [out, h, w, in]
          c = OpClass.CONV;
          f = 2 * outElems * dim(w, 1) * dim(w, 2) * dim(w, 3);
        }
        case "DEPTHWISE_CONV_2D" -> {
          int[] w = op.inputShapes().get(1); // [1, h, w, channels]
          c = OpClass.DEPTHWISE_CONV;
          f = 2 * outElems * dim(w, 1) * dim(w, 2);
        }
        case "TRANSPOSE_CONV" -> {
          int[] w = op.inputShapes().get(1); // [out, h, w, in]
          c = OpClass.CONV;
          f = 2 * elements(op.inputShapes().get(2)) * dim(w, 0) * dim(w, 1) * dim(w, 2);
        }
        case "FULLY_CONNECTED" -> {
          int[] w = op.inputShapes().get(1); // [out, in]
          c = OpClass.MATMUL;
          f = 2 * outElems * dim(w, w.length - 1);
        }
        case "BATCH_MATMUL" -> {
          int[] a = op.inputShapes().get(0);
          c = OpClass.MATMUL;
          f = 2 * outElems * dim(a, a.length - 1);
        }
        default -> {
          c = ELEMENTWISE.contains(n) ? OpClass.ELEMENTWISE : OpClass.OTHER;
          f = outElems;
        }
      }
      flops.merge(c, f, Double::sum);
    }
    return new SegmentCost(flops, paramBytes, operators.size());
  }

  private static double dim(int[] shape, int i) {
    return i < shape.length ? Math.max(1, shape[i]) : 1;
  }

  private static double elements(int[] shape) {
    double n = 1;
    for (int d : shape) {
      n *= Math.max(1, d);
    }
    return n;
  }

  /** The schema's name for builtin operator {@code code}, or {@code BUILTIN_<code>} past the table. */
  public static String builtinName(int code) {
    return code >= 0 && code < BUILTINS.length ? BUILTINS[code] : "BUILTIN_" + code;
  }

  // BuiltinOperator enum of tensorflow/lite/schema/schema.fbs, codes 0..127
  private static final String[] BUILTINS = {
    "ADD", "AVERAGE_POOL_2D", "CONCATENATION", "CONV_2D", "DEPTHWISE_CONV_2D", "DEPTH_TO_SPACE", "DEQUANTIZE",
    "EMBEDDING_LOOKUP", "FLOOR", "FULLY_CONNECTED", "HASHTABLE_LOOKUP", "L2_NORMALIZATION", "L2_POOL_2D",
    "LOCAL_RESPONSE_NORMALIZATION", "LOGISTIC", "LSH_PROJECTION", "LSTM", "MAX_POOL_2D", "MUL", "RELU",
    "RELU_N1_TO_1", "RELU6", "RESHAPE", "RESIZE_BILINEAR", "RNN", "SOFTMAX", "SPACE_TO_DEPTH", "SVDF", "TANH",
    "CONCAT_EMBEDDINGS", "SKIP_GRAM", "CALL", "CUSTOM", "EMBEDDING_LOOKUP_SPARSE", "PAD",
    "UNIDIRECTIONAL_SEQUENCE_RNN", "GATHER", "BATCH_TO_SPACE_ND", "SPACE_TO_BATCH_ND", "TRANSPOSE", "MEAN", "SUB",
    "DIV", "SQUEEZE", "UNIDIRECTIONAL_SEQUENCE_LSTM", "STRIDED_SLICE", "BIDIRECTIONAL_SEQUENCE_RNN", "EXP",
    "TOPK_V2", "SPLIT", "LOG_SOFTMAX", "DELEGATE", "BIDIRECTIONAL_SEQUENCE_LSTM", "CAST", "PRELU", "MAXIMUM",
    "ARG_MAX", "MINIMUM", "LESS", "NEG", "PADV2", "GREATER", "GREATER_EQUAL", "LESS_EQUAL", "SELECT", "SLICE",
    "SIN", "TRANSPOSE_CONV", "SPARSE_TO_DENSE", "TILE", "EXPAND_DIMS", "EQUAL", "NOT_EQUAL", "LOG", "SUM", "SQRT",
    "RSQRT", "SHAPE", "POW", "ARG_MIN", "FAKE_QUANT", "REDUCE_PROD", "REDUCE_MAX", "PACK", "LOGICAL_OR", "ONE_HOT",
    "LOGICAL_AND", "LOGICAL_NOT", "UNPACK", "REDUCE_MIN", "FLOOR_DIV", "REDUCE_ANY", "SQUARE", "ZEROS_LIKE", "FILL",
    "FLOOR_MOD", "RANGE", "RESIZE_NEAREST_NEIGHBOR", "LEAKY_RELU", "SQUARED_DIFFERENCE", "MIRROR_PAD", "ABS",
    "SPLIT_V", "UNIQUE", "CEIL", "REVERSE_V2", "ADD_N", "GATHER_ND", "COS", "WHERE", "RANK", "ELU",
    "REVERSE_SEQUENCE", "MATRIX_DIAG", "QUANTIZE", "MATRIX_SET_DIAG", "ROUND", "HARD_SWISH", "IF", "WHILE",
    "NON_MAX_SUPPRESSION_V4", "NON_MAX_SUPPRESSION_V5", "SCATTER_ND", "SELECT_V2", "DENSIFY", "SEGMENT_SUM",
    "BATCH_MATMUL", "PLACEHOLDER_FOR_GREATER_OP_CODES"
  };

  /** FlatBuffers primitives: a table's field is found through its vtable; offsets are relative. */
  static final class Reader {
    private final ByteBuffer b;

    Reader(ByteBuffer b) {
      this.b = b;
    }

    /** The position an unsigned offset stored at {@code pos} points to. */
    int deref(int pos) {
      return pos + b.getInt(pos);
    }

    /** Absolute position of field {@code field} of the table at {@code table}, or -1 when absent. */
    int field(int table, int field) {
      int vtable = table - b.getInt(table);
      int vtableSize = Short.toUnsignedInt(b.getShort(vtable));
      int slot = 4 + 2 * field;
      if (slot >= vtableSize) {
        return -1;
      }
      int off = Short.toUnsignedInt(b.getShort(vtable + slot));
      return off == 0 ? -1 : table + off;
    }

    int scalarInt(int table, int field, int dflt) {
      int p = field(table, field);
      return p < 0 ? dflt : b.getInt(p);
    }

    int scalarByte(int table, int field, int dflt) {
      int p = field(table, field);
      return p < 0 ? dflt : b.get(p);
    }

    String string(int table, int field) {
      int p = field(table, field);
      if (p < 0) {
        return null;
      }
      int s = deref(p);
      byte[] chars = new byte[b.getInt(s)];
      b.get(s + 4, chars);
      return new String(chars, java.nio.charset.StandardCharsets.UTF_8);
    }

    int vectorLength(int table, int field) {
      int p = field(table, field);
      return p < 0 ? 0 : b.getInt(deref(p));
    }

    int[] ints(int table, int field) {
      int p = field(table, field);
      if (p < 0) {
        return new int[0];
      }
      int v = deref(p);
      int[] out = new int[b.getInt(v)];
      for (int i = 0; i < out.length; i++) {
        out[i] = b.getInt(v + 4 + 4 * i);
      }
      return out;
    }

    List<Integer> tables(int table, int field) {
      int p = field(table, field);
      List<Integer> out = new ArrayList<>();
      if (p < 0) {
        return out;
      }
      int v = deref(p);
      int n = b.getInt(v);
      for (int i = 0; i < n; i++) {
        out.add(deref(v + 4 + 4 * i));
      }
      return out;
    }
  }
}
