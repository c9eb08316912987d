package io.splitstream.devices.ort;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.model.ModelFormat;
import io.splitstream.devices.model.Segment;
import io.splitstream.devices.model.TensorSpec;
import io.splitstream.devices.processor.RunGuard;
import io.splitstream.devices.processor.UnsupportedOpException;
import io.splitstream.devices.tensor.ElementType;
import io.splitstream.devices.tensor.Tensor;
import io.splitstream.devices.tensor.TensorMap;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One ONNX segment compiled into an ONNX Runtime session, with the input checks and the
 * copy-avoiding tensor hand-over that every ONNX Runtime-backed processor shares (the real
 * {@link OnnxRuntimeProcessor} and the host side of an emulated processor).
 *
 * <p>Inputs cross without a copy: each {@link Tensor}'s direct buffer is wrapped as an
 * {@link OnnxTensor}. Outputs whose shapes the session knows statically are <em>pinned</em>: a
 * fresh direct buffer per output and invocation is handed to ONNX Runtime, which writes into it,
 * and the same buffer becomes the output {@link Tensor}, so no copy is made. Outputs with a
 * dynamic shape are copied once from ONNX Runtime's buffer into a direct one.
 *
 * <p>Threads: {@link #run} may be called from several threads at once (ONNX Runtime sessions
 * allow concurrent runs; each run has its own buffers). {@link #close} may be called from any
 * thread at any time: it waits for the runs in flight, frees the native session once however many
 * threads close, and every run that starts after it throws {@link IllegalStateException}.
 */
public final class OrtSegmentSession implements AutoCloseable {
  private static final Pattern NOT_REGISTERED =
      Pattern.compile("(?:([\\w.]+):)?(\\w+)\\(-?\\d+\\) is not a registered function/op");
  private static final Pattern NO_KERNEL =
      Pattern.compile("(?:Could not find an implementation for|No Op registered for) (\\w+)\\b");

  private final Segment segment;
  private final OrtSession session;
  private final String processorId;
  private final Map<String, TensorSpec> inputSpecs;
  private final List<String> outputNames;
  /** Output name to its static shape and type, for every output whose shape is static. */
  private final Map<String, TensorSpec> pinnable;
  private final boolean allPinned;
  /** Byte offset of each output in the one buffer a pinned run allocates, 64-byte aligned. */
  private final int[] pinnedOffsets;
  private final int pinnedTotal;
  private final RunGuard guard;

  private OrtSegmentSession(Segment segment, OrtSession session, String processorId) throws OrtException {
    this.segment = segment;
    this.session = session;
    this.processorId = processorId;
    this.guard = new RunGuard("segment " + segment.label() + " on '" + processorId + "'");
    Map<String, TensorSpec> ins = new LinkedHashMap<>();
    for (Map.Entry<String, NodeInfo> e : session.getInputInfo().entrySet()) {
      ins.put(e.getKey(), spec(e.getKey(), e.getValue()));
    }
    this.inputSpecs = Map.copyOf(ins);
    Map<String, TensorSpec> pins = new HashMap<>();
    List<String> outs = new ArrayList<>();
    for (Map.Entry<String, NodeInfo> e : session.getOutputInfo().entrySet()) {
      outs.add(e.getKey());
      TensorSpec s = spec(e.getKey(), e.getValue());
      if (s != null && s.isStatic()) {
        pins.put(e.getKey(), s);
      }
    }
    this.outputNames = List.copyOf(outs);
    this.pinnable = Map.copyOf(pins);
    this.allPinned = pins.size() == outs.size();
    this.pinnedOffsets = new int[outs.size()];
    int total = 0;
    if (allPinned) {
      for (int i = 0; i < outs.size(); i++) {
        pinnedOffsets[i] = total;
        total += (int) ((pins.get(outs.get(i)).bytes() + 63) & ~63L);
      }
    }
    this.pinnedTotal = total;
  }

  /**
   * Compiles {@code segment} with {@code options}.
   *
   * @throws UnsupportedOpException when ONNX Runtime has no kernel or schema for one of its ops
   * @throws SplitstreamException when the segment is not ONNX or ONNX Runtime rejects it
   */
  public static OrtSegmentSession open(Segment segment, OrtSession.SessionOptions options, String processorId) {
    if (segment.format() != ModelFormat.ONNX) {
      throw new SplitstreamException("segment " + segment.label() + " is " + segment.format()
          + ", but processor '" + processorId + "' runs ONNX only: place it on a tflite processor");
    }
    OrtSession session = null;
    try {
      session = OrtEnvironment.getEnvironment().createSession(segment.bytes(), options);
      return new OrtSegmentSession(segment, session, processorId);
    } catch (OrtException e) {
      if (session != null) {
        closeQuietly(session);
      }
      throw translate(segment, processorId, e);
    }
  }

  private static SplitstreamException translate(Segment segment, String processorId, OrtException e) {
    String msg = String.valueOf(e.getMessage());
    Matcher m = NOT_REGISTERED.matcher(msg);
    if (m.find()) {
      String op = m.group(1) == null ? m.group(2) : m.group(1) + ":" + m.group(2);
      return new UnsupportedOpException(segment.label(), processorId, op);
    }
    m = NO_KERNEL.matcher(msg);
    if (m.find()) {
      return new UnsupportedOpException(segment.label(), processorId, m.group(1));
    }
    return new SplitstreamException("ONNX Runtime could not load segment " + segment.label() + " on processor '"
        + processorId + "': " + firstLine(msg) + "; check that the segment is a valid ONNX model", e);
  }

  public Segment segment() {
    return segment;
  }

  /** The inputs ONNX Runtime expects, by name, with the session's view of their shapes. */
  public Map<String, TensorSpec> inputSpecs() {
    return inputSpecs;
  }

  /**
   * Runs the session once.
   *
   * @throws SplitstreamException when an input is missing, unexpected, or of the wrong type or
   *     shape (one line naming it), or ONNX Runtime fails
   * @throws IllegalStateException when the session is closed
   */
  public TensorMap run(TensorMap inputs) {
    return guard.run(() -> runOpen(inputs));
  }

  private TensorMap runOpen(TensorMap inputs) {
    io.splitstream.devices.processor.SegmentInputs.check(segment.label(), inputSpecs.values(), inputs);
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    Map<String, OnnxTensor> feeds = new HashMap<>(inputs.size() * 2);
    Map<String, OnnxTensor> pinned = allPinned ? new HashMap<>(outputNames.size() * 2) : null;
    ByteBuffer[] pinnedBuffers = allPinned ? new ByteBuffer[outputNames.size()] : null;
    try {
      for (Map.Entry<String, Tensor> e : inputs.asMap().entrySet()) {
        Tensor t = e.getValue();
        feeds.put(e.getKey(), OnnxTensor.createTensor(env, t.data(), t.shape(), javaType(t.type())));
      }
      if (allPinned) {
        // one allocation for all outputs: each output Tensor keeps its slice (and so the block) alive
        ByteBuffer block = ByteBuffer.allocateDirect(Math.max(1, pinnedTotal)).order(ByteOrder.nativeOrder());
        for (int i = 0; i < outputNames.size(); i++) {
          TensorSpec s = pinnable.get(outputNames.get(i));
          ByteBuffer buf = block.slice(pinnedOffsets[i], (int) s.bytes()).order(ByteOrder.nativeOrder());
          pinnedBuffers[i] = buf;
          pinned.put(outputNames.get(i), OnnxTensor.createTensor(env, buf, s.shapeArray(), javaType(s.type())));
        }
        session.run(feeds, pinned).close();
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (int i = 0; i < outputNames.size(); i++) {
          TensorSpec s = pinnable.get(outputNames.get(i));
          out.put(outputNames.get(i), Tensor.of(s.type(), s.shapeArray(), pinnedBuffers[i]));
        }
        return TensorMap.of(out);
      }
      try (OrtSession.Result result = session.run(feeds)) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, OnnxValue> e : result) {
          out.put(e.getKey(), copyOut(e.getKey(), e.getValue()));
        }
        return TensorMap.of(out);
      }
    } catch (OrtException e) {
      throw new SplitstreamException("ONNX Runtime failed running segment " + segment.label() + " on processor '"
          + processorId + "': " + firstLine(String.valueOf(e.getMessage())), e);
    } finally {
      feeds.values().forEach(OnnxTensor::close);
      if (pinned != null) {
        pinned.values().forEach(OnnxTensor::close);
      }
    }
  }

  private Tensor copyOut(String name, OnnxValue value) {
    if (!(value instanceof OnnxTensor t)) {
      throw new SplitstreamException("segment " + segment.label() + " output '" + name + "' is a "
          + value.getType() + ", not a tensor: cut the model so that only tensors cross");
    }
    TensorInfo info = t.getInfo();
    ElementType type = elementType(info.type, name);
    // getByteBuffer copies out of ONNX Runtime's memory; Tensor.of copies once more only when that copy is not direct
    ByteBuffer bytes = t.getByteBuffer().order(ByteOrder.nativeOrder());
    return Tensor.of(type, info.getShape(), bytes);
  }


  private static TensorSpec spec(String name, NodeInfo info) {
    if (!(info.getInfo() instanceof TensorInfo ti)) {
      return null;
    }
    ElementType type;
    try {
      type = elementType(ti.type, name);
    } catch (SplitstreamException e) {
      return null;
    }
    return new TensorSpec(name, type, Arrays.stream(ti.getShape()).boxed().toList());
  }

  static OnnxJavaType javaType(ElementType t) {
    return switch (t) {
      case FLOAT32 -> OnnxJavaType.FLOAT;
      case UINT8 -> OnnxJavaType.UINT8;
      case INT8 -> OnnxJavaType.INT8;
      case INT16 -> OnnxJavaType.INT16;
      case UINT16 -> throw new SplitstreamException("ONNX Runtime's Java API has no UINT16 tensors: cast to INT32 or FLOAT32 before this segment");
      case INT32 -> OnnxJavaType.INT32;
      case INT64 -> OnnxJavaType.INT64;
      case BOOL -> OnnxJavaType.BOOL;
      case FLOAT16 -> OnnxJavaType.FLOAT16;
      case DOUBLE -> OnnxJavaType.DOUBLE;
    };
  }

  static ElementType elementType(OnnxJavaType t, String name) {
    return switch (t) {
      case FLOAT -> ElementType.FLOAT32;
      case UINT8 -> ElementType.UINT8;
      case INT8 -> ElementType.INT8;
      case INT16 -> ElementType.INT16;
      case INT32 -> ElementType.INT32;
      case INT64 -> ElementType.INT64;
      case BOOL -> ElementType.BOOL;
      case FLOAT16 -> ElementType.FLOAT16;
      case DOUBLE -> ElementType.DOUBLE;
      default -> throw new SplitstreamException("tensor '" + name + "' has element type " + t
          + ", which Splitstream cannot carry between segments: cut elsewhere");
    };
  }

  static String firstLine(String s) {
    String line = s.strip().lines().findFirst().orElse("");
    return line.length() > 300 ? line.substring(0, 300) + "…" : line;
  }

  /** Frees the native session after the runs in flight; idempotent, from any thread. */
  @Override
  public void close() {
    guard.close(() -> closeQuietly(session));
  }

  private static void closeQuietly(OrtSession s) {
    try {
      s.close();
    } catch (OrtException ignored) {
      // closing a session only frees native memory; nothing left to act on
    }
  }
}
