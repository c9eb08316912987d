package io.splitstream.devices.onnx;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.splitstream.devices.tensor.ElementType;
import io.splitstream.devices.tensor.Tensor;
import io.splitstream.devices.tensor.TensorMap;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The little of ONNX Runtime this package needs to probe shapes and check splits: one shared
 * environment, single-threaded CPU sessions, and tensor conversion. Not a processor backend.
 * Thread-safe; each call opens and closes its own session.
 */
final class Ort {
  private Ort() {}

  static OrtEnvironment env() {
    return OrtEnvironment.getEnvironment();
  }

  /**
   * A session on {@code model} that the caller closes, with ONNX Runtime's full graph
   * optimisations or none. Without them every node runs as written, so a model and its segments
   * execute the same kernels in the same order. One intra-op thread keeps results reproducible.
   */
  static OrtSession session(byte[] model, boolean optimize) throws OrtException {
    try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
      opts.setOptimizationLevel(optimize ? OrtSession.SessionOptions.OptLevel.ALL_OPT
          : OrtSession.SessionOptions.OptLevel.NO_OPT);
      opts.setIntraOpNumThreads(1);
      opts.setInterOpNumThreads(1);
      // failures reach the caller as exceptions; the runtime's own log would repeat them on stderr
      opts.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL);
      return env().createSession(model, opts);
    }
  }

  /** Runs {@code model} once on {@code inputs} and returns all its outputs. */
  static TensorMap run(byte[] model, TensorMap inputs, boolean optimize) throws OrtException {
    return run(model, inputs, optimize, false);
  }

  /**
   * Runs {@code model} once; with {@code skipUncarryable} outputs that are not tensors of a type
   * Splitstream carries are left out, otherwise they are an {@link IllegalStateException}.
   */
  static TensorMap run(byte[] model, TensorMap inputs, boolean optimize, boolean skipUncarryable) throws OrtException {
    try (OrtSession s = session(model, optimize)) {
      return run(s, inputs, skipUncarryable);
    }
  }

  private static TensorMap run(OrtSession s, TensorMap inputs, boolean skipUncarryable) throws OrtException {
    Map<String, OnnxTensor> feed = new LinkedHashMap<>();
    try {
      for (String name : s.getInputNames()) {
        feed.put(name, toOrt(inputs.get(name)));
      }
      try (OrtSession.Result r = s.run(feed)) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, OnnxValue> e : r) {
          Optional<Tensor> t = e.getValue() instanceof OnnxTensor ot ? fromOrt(ot) : Optional.empty();
          if (t.isPresent()) {
            out.put(e.getKey(), t.get());
          } else if (!skipUncarryable) {
            throw new IllegalStateException("output " + e.getKey() + " is a " + e.getValue().getInfo()
                + ", which Splitstream cannot carry");
          }
        }
        return TensorMap.of(out);
      }
    } finally {
      feed.values().forEach(OnnxTensor::close);
    }
  }

  static OnnxTensor toOrt(Tensor t) throws OrtException {
    OnnxJavaType jt = switch (t.type()) {
      case FLOAT32 -> OnnxJavaType.FLOAT;
      case DOUBLE -> OnnxJavaType.DOUBLE;
      case INT8 -> OnnxJavaType.INT8;
      case UINT8 -> OnnxJavaType.UINT8;
      case INT16 -> OnnxJavaType.INT16;
      case INT32 -> OnnxJavaType.INT32;
      case INT64 -> OnnxJavaType.INT64;
      case BOOL -> OnnxJavaType.BOOL;
      case FLOAT16 -> OnnxJavaType.FLOAT16;
      case UINT16 -> throw new IllegalArgumentException("ONNX Runtime Java cannot take UINT16 inputs");
    };
    // ORT copies a non-direct buffer and wraps a direct one; ours are direct but read-only, so copy.
    ByteBuffer copy = ByteBuffer.allocateDirect(Math.toIntExact(t.byteSize())).order(ByteOrder.nativeOrder());
    copy.put(t.data());
    copy.flip();
    return OnnxTensor.createTensor(env(), copy, t.shape(), jt);
  }

  /** The tensor's element type and shape as Splitstream carries them, or empty for types it cannot. */
  static Optional<ElementType> elementType(TensorInfo info) {
    // OnnxTensorType.value is the Java binding's own numbering, not the ONNX code: map by name
    return Optional.ofNullable(switch (info.onnxType) {
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT -> ElementType.FLOAT32;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE -> ElementType.DOUBLE;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16 -> ElementType.FLOAT16;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8 -> ElementType.UINT8;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8 -> ElementType.INT8;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT16 -> ElementType.UINT16;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT16 -> ElementType.INT16;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32 -> ElementType.INT32;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64 -> ElementType.INT64;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL -> ElementType.BOOL;
      default -> null;
    });
  }

  static Optional<Tensor> fromOrt(OnnxTensor t) {
    TensorInfo info = t.getInfo();
    Optional<ElementType> type = elementType(info);
    if (type.isEmpty()) {
      return Optional.empty();
    }
    ByteBuffer buf = t.getByteBuffer();
    return Optional.of(Tensor.of(type.get(), info.getShape(), buf.order(ByteOrder.nativeOrder())));
  }

  /** An ONNX Runtime message on one line, at most {@code max} characters. */
  static String oneLine(Throwable e, int max) {
    String m = String.valueOf(e.getMessage()).replaceAll("\\s+", " ").strip();
    return m.length() <= max ? m : m.substring(0, max) + "...";
  }
}
