package io.splitstream.devices.tflite;

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
import org.tensorflow.lite.DataType;
import org.tensorflow.lite.Interpreter;

/**
 * One TFLite segment (a whole TFLite model) in a TFLite interpreter with XNNPACK, shared by the
 * real {@link TfliteProcessor} and the host side of an emulated processor.
 *
 * <p>Inputs cross without a copy: a direct, native-order buffer handed to the interpreter is
 * attached to the input tensor as it is. Each output is copied once, from the interpreter's arena
 * into a fresh direct buffer that becomes the output {@link Tensor} (the arena is reused by the
 * next invocation, so it cannot be handed out).
 *
 * <p>Threads: {@link #run} may be called from any thread; runs are serialised (the interpreter
 * runs one invocation at a time). {@link #close} may be called from any thread at any time: it
 * waits for the run in flight, frees the interpreter once however many threads close, and every
 * run that starts after it throws {@link IllegalStateException}.
 */
public final class TfliteSegmentSession implements AutoCloseable {
  private static final Pattern UNRESOLVED_CUSTOM = Pattern.compile("unresolved custom op: ([\\w-]+(?:\\.[\\w-]+)*)");
  private static final Pattern NO_BUILTIN = Pattern.compile("Didn't find op for builtin opcode '([^']*)'");

  private final Segment segment;
  private final String processorId;
  private final Interpreter interpreter;
  @SuppressWarnings("unused") // the interpreter reads the model from this buffer for its whole life
  private final ByteBuffer modelBuffer;
  private final List<TensorSpec> inputs;
  private final Map<String, Integer> inputIndex;
  private final List<TensorSpec> outputs;
  private final int[] outputBytes;
  private final int[] outputOffsets;
  private final int outputTotal;
  /** Also the interpreter's lock: one invocation at a time. */
  private final Object[] inputSlots;
  private final RunGuard guard;

  private TfliteSegmentSession(Segment segment, String processorId, Interpreter interpreter, ByteBuffer modelBuffer) {
    this.segment = segment;
    this.processorId = processorId;
    this.interpreter = interpreter;
    this.modelBuffer = modelBuffer;
    List<TensorSpec> ins = new ArrayList<>();
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < interpreter.getInputTensorCount(); i++) {
      org.tensorflow.lite.Tensor t = interpreter.getInputTensor(i);
      ins.add(spec(t));
      index.put(t.name(), i);
    }
    List<TensorSpec> outs = new ArrayList<>();
    int[] sizes = new int[interpreter.getOutputTensorCount()];
    for (int i = 0; i < sizes.length; i++) {
      org.tensorflow.lite.Tensor t = interpreter.getOutputTensor(i);
      outs.add(spec(t));
      sizes[i] = t.numBytes();
    }
    this.inputs = List.copyOf(ins);
    this.inputIndex = Map.copyOf(index);
    this.outputs = List.copyOf(outs);
    this.outputBytes = sizes;
    this.outputOffsets = new int[sizes.length];
    int total = 0;
    for (int i = 0; i < sizes.length; i++) {
      outputOffsets[i] = total;
      total += (sizes[i] + 63) & ~63;
    }
    this.outputTotal = total;
    this.inputSlots = new Object[ins.size()];
    this.guard = new RunGuard("segment " + segment.label() + " on '" + processorId + "'");
  }

  /**
   * Builds an interpreter for {@code segment} with {@code threads} threads and XNNPACK on.
   *
   * @throws UnsupportedOpException when the runtime lacks one of the segment's ops
   * @throws SplitstreamException when the segment is not TFLite or the interpreter rejects it
   */
  public static TfliteSegmentSession open(Segment segment, int threads, String processorId) {
    if (segment.format() != ModelFormat.TFLITE) {
      throw new SplitstreamException("segment " + segment.label() + " is " + segment.format() + ", but processor '"
          + processorId + "' runs TFLite only: place it on an ONNX Runtime processor");
    }
    TfliteNative.ensureLoaded();
    byte[] bytes = segment.bytes();
    ByteBuffer model = ByteBuffer.allocateDirect(bytes.length).order(ByteOrder.nativeOrder());
    model.put(bytes).flip();
    Interpreter.Options options = new Interpreter.Options();
    options.setNumThreads(threads);
    options.setUseXNNPACK(true);
    try {
      return new TfliteSegmentSession(segment, processorId, new Interpreter(model, options), model);
    } catch (IllegalArgumentException | IllegalStateException e) {
      String msg = String.valueOf(e.getMessage());
      Matcher m = UNRESOLVED_CUSTOM.matcher(msg);
      if (m.find()) {
        throw new UnsupportedOpException(segment.label(), processorId, m.group(1));
      }
      m = NO_BUILTIN.matcher(msg);
      if (m.find()) {
        throw new UnsupportedOpException(segment.label(), processorId, m.group(1).isEmpty() ? "an unknown builtin op" : m.group(1));
      }
      throw new SplitstreamException("TFLite could not load segment " + segment.label() + " on processor '" + processorId
          + "': " + msg.strip().lines().findFirst().orElse("") + "; check that the model is a valid .tflite file", e);
    }
  }

  public Segment segment() {
    return segment;
  }

  /** Inputs as the interpreter declares them, in its order. */
  public List<TensorSpec> inputs() {
    return inputs;
  }

  public List<TensorSpec> outputs() {
    return outputs;
  }

  /**
   * Runs the interpreter once.
   *
   * @throws SplitstreamException when an input is missing, unexpected, or of the wrong type or
   *     shape (one line naming it)
   * @throws IllegalStateException when the session is closed
   */
  public TensorMap run(TensorMap in) {
    return guard.run(() -> {
      synchronized (inputSlots) {
        return runOpen(in);
      }
    });
  }

  private TensorMap runOpen(TensorMap in) {
    io.splitstream.devices.processor.SegmentInputs.check(segment.label(), inputs, in);
    for (Map.Entry<String, Tensor> e : in.asMap().entrySet()) {
      inputSlots[inputIndex.get(e.getKey())] = e.getValue().data();
    }
    // one allocation for all outputs, sliced 64-byte aligned; each output Tensor keeps its slice
    ByteBuffer block = ByteBuffer.allocateDirect(Math.max(1, outputTotal)).order(ByteOrder.nativeOrder());
    Map<Integer, Object> outBuffers = new HashMap<>(outputBytes.length * 2);
    for (int i = 0; i < outputBytes.length; i++) {
      outBuffers.put(i, block.slice(outputOffsets[i], outputBytes[i]).order(ByteOrder.nativeOrder()));
    }
    try {
      interpreter.runForMultipleInputsOutputs(inputSlots, outBuffers);
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new SplitstreamException("TFLite failed running segment " + segment.label() + " on processor '" + processorId
          + "': " + String.valueOf(e.getMessage()).strip().lines().findFirst().orElse(""), e);
    } finally {
      Arrays.fill(inputSlots, null);
    }
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (int i = 0; i < outputBytes.length; i++) {
      TensorSpec s = outputs.get(i);
      ByteBuffer b = (ByteBuffer) outBuffers.get(i);
      b.rewind();
      out.put(s.name(), Tensor.of(s.type(), s.shapeArray(), b));
    }
    return TensorMap.of(out);
  }


  private TensorSpec spec(org.tensorflow.lite.Tensor t) {
    return new TensorSpec(t.name(), elementType(t.dataType(), t.name()),
        Arrays.stream(t.shape()).mapToObj(d -> (long) d).toList());
  }

  private ElementType elementType(DataType d, String name) {
    return switch (d) {
      case FLOAT32 -> ElementType.FLOAT32;
      case INT32 -> ElementType.INT32;
      case UINT8 -> ElementType.UINT8;
      case INT64 -> ElementType.INT64;
      case BOOL -> ElementType.BOOL;
      case INT16 -> ElementType.INT16;
      case INT8 -> ElementType.INT8;
      default -> throw new SplitstreamException("segment " + segment.label() + ": tensor '" + name + "' is " + d
          + ", which Splitstream cannot carry between stages");
    };
  }

  /** Frees the interpreter after the run in flight; idempotent, from any thread. */
  @Override
  public void close() {
    guard.close(interpreter::close);
  }
}
