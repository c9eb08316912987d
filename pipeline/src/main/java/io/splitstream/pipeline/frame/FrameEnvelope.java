package io.splitstream.pipeline.frame;

import io.splitstream.devices.model.TensorSpec;
import io.splitstream.devices.tensor.ElementType;
import io.splitstream.devices.tensor.Tensor;
import io.splitstream.devices.tensor.TensorMap;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One frame as bytes, for any transport: the network ({@code serve}) today, a Kafka record's value
 * later. It carries the stream id, the sequence number in that stream, the capture time (the
 * sender's clock, nanoseconds) and either tensors or an encoded image (PNG, JPEG: whatever
 * {@code javax.imageio} reads), and nothing about the transport around it.
 *
 * <p>Layout, big-endian except tensor data: magic {@code "SSFE"} (4 bytes), version (1 byte, 1),
 * stream id (string), seq (int64), capture nanos (int64), payload kind (1 byte: 0 tensors, 1
 * image); tensors: count (uint16), then each: name (string), ONNX element type code (1 byte), rank
 * (1 byte, at most 8), dims (int64 each), byte length (uint32), data (little-endian elements, the
 * layout of x86 and ARM); image: format (string), byte length (uint32), bytes. A string is a
 * uint16 byte length and UTF-8 bytes. Nothing may follow the payload.
 *
 * <p>{@link #decode} checks the structure (every length against what is left, the magic, the
 * version, element types, that each tensor's bytes fit its shape) and throws {@link
 * EnvelopeException} naming the kind of fault; it does not know the model: {@link #check} compares
 * the tensors with a model input.
 */
public record FrameEnvelope(String streamId, long seq, long captureNanos, TensorMap tensors,
    Optional<EncodedImage> image) {
  public static final int MAGIC = 0x53534645; // "SSFE"
  public static final int VERSION = 1;
  static final int MAX_RANK = 8;
  static final int MAX_STRING = 1024;

  /** An encoded image, e.g. {@code png} bytes, to be decoded into the model's input. */
  public record EncodedImage(String format, byte[] bytes) {
    public EncodedImage {
      Objects.requireNonNull(format, "format");
      bytes = bytes.clone();
    }

    @Override
    public byte[] bytes() {
      return bytes.clone();
    }

    int length() {
      return bytes.length;
    }
  }

  public FrameEnvelope {
    Objects.requireNonNull(streamId, "streamId");
    Objects.requireNonNull(tensors, "tensors");
    Objects.requireNonNull(image, "image");
  }

  /** An envelope of tensors. */
  public static FrameEnvelope of(String streamId, long seq, long captureNanos, TensorMap tensors) {
    return new FrameEnvelope(streamId, seq, captureNanos, tensors, Optional.empty());
  }

  /** An envelope of an encoded image. */
  public static FrameEnvelope ofImage(String streamId, long seq, long captureNanos, String format, byte[] bytes) {
    return new FrameEnvelope(streamId, seq, captureNanos, TensorMap.empty(), Optional.of(new EncodedImage(format, bytes)));
  }

  /** The envelope of {@code frame}'s current tensors. */
  public static FrameEnvelope of(Frame frame) {
    return of(frame.streamId(), frame.seq(), frame.captureNanos(), frame.tensors());
  }

  public byte[] encode() {
    int size = 4 + 1 + stringSize(streamId) + 8 + 8 + 1
        + image.map(i -> stringSize(i.format()) + 4 + i.length()).orElse(tensorsSize(tensors));
    ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.BIG_ENDIAN);
    b.putInt(MAGIC).put((byte) VERSION);
    putString(b, streamId);
    b.putLong(seq).putLong(captureNanos);
    if (image.isPresent()) {
      b.put((byte) 1);
      putString(b, image.get().format());
      b.putInt(image.get().length()).put(image.get().bytes);
    } else {
      b.put((byte) 0);
      putTensors(b, tensors);
    }
    return b.array();
  }

  /** Reads an envelope that fills {@code in}'s remaining bytes. */
  public static FrameEnvelope decode(ByteBuffer in) {
    ByteBuffer b = in.slice().order(ByteOrder.BIG_ENDIAN);
    try {
      int magic = b.getInt();
      if (magic != MAGIC) {
        throw new EnvelopeException("garbage", String.format("not a frame envelope: magic 0x%08x, expected 0x%08x (\"SSFE\")", magic, MAGIC));
      }
      int version = b.get() & 0xff;
      if (version != VERSION) {
        throw new EnvelopeException("version", "envelope version " + version + " is not supported: this server reads version " + VERSION);
      }
      String stream = getString(b, "stream id");
      long seq = b.getLong();
      long capture = b.getLong();
      int kind = b.get() & 0xff;
      FrameEnvelope e = switch (kind) {
        case 0 -> of(stream, seq, capture, getTensors(b));
        case 1 -> {
          String format = getString(b, "image format");
          int n = length(b, "image");
          byte[] bytes = new byte[n];
          b.get(bytes);
          yield ofImage(stream, seq, capture, format, bytes);
        }
        default -> throw new EnvelopeException("payload-kind", "payload kind " + kind + " is neither 0 (tensors) nor 1 (image)");
      };
      if (b.hasRemaining()) {
        throw new EnvelopeException("trailing", b.remaining() + " bytes follow the envelope's payload");
      }
      return e;
    } catch (BufferUnderflowException e) {
      throw new EnvelopeException("truncated", "the envelope ends early, after " + b.position() + " of its bytes");
    }
  }

  /**
   * Checks the tensors against the model input {@code spec}: exactly that one tensor, of its
   * element type and shape; throws naming the first difference ({@code wrong-name},
   * {@code wrong-type}, {@code wrong-shape}).
   */
  public void check(TensorSpec spec) {
    if (tensors.size() != 1 || !tensors.contains(spec.name())) {
      throw new EnvelopeException("wrong-name", "the frame carries tensors " + tensors.names() + "; the model takes one, '"
          + spec.name() + "'");
    }
    Tensor t = tensors.get(spec.name());
    if (t.type() != spec.type()) {
      throw new EnvelopeException("wrong-type", "tensor '" + spec.name() + "' is " + t.type() + "; the model takes " + spec.type());
    }
    if (!Arrays.equals(t.shape(), spec.shapeArray())) {
      throw new EnvelopeException("wrong-shape", "tensor '" + spec.name() + "' has shape " + Arrays.toString(t.shape())
          + "; the model takes " + spec.shape());
    }
  }

  // ---- shared pieces of the wire format: strings and tensors

  public static int stringSize(String s) {
    return 2 + s.getBytes(StandardCharsets.UTF_8).length;
  }

  public static void putString(ByteBuffer b, String s) {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    if (bytes.length > MAX_STRING) {
      throw new IllegalArgumentException("string of " + bytes.length + " bytes is over " + MAX_STRING);
    }
    b.putShort((short) bytes.length).put(bytes);
  }

  public static String getString(ByteBuffer b, String what) {
    int n = b.getShort() & 0xffff;
    if (n > MAX_STRING) {
      throw new EnvelopeException("bad-string", what + " of " + n + " bytes is over " + MAX_STRING);
    }
    byte[] bytes = new byte[n];
    b.get(bytes);
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw new EnvelopeException("bad-string", what + " is not UTF-8");
    }
  }

  private static int length(ByteBuffer b, String what) {
    long n = b.getInt() & 0xffffffffL;
    if (n > b.remaining()) {
      throw new EnvelopeException("truncated", what + " says " + n + " bytes, " + b.remaining() + " are left");
    }
    return (int) n;
  }

  public static int tensorsSize(TensorMap tensors) {
    int size = 2;
    for (Map.Entry<String, Tensor> e : tensors.asMap().entrySet()) {
      size += stringSize(e.getKey()) + 1 + 1 + 8 * e.getValue().shape().length + 4 + (int) e.getValue().byteSize();
    }
    return size;
  }

  public static void putTensors(ByteBuffer b, TensorMap tensors) {
    b.putShort((short) tensors.size());
    for (Map.Entry<String, Tensor> e : tensors.asMap().entrySet()) {
      Tensor t = e.getValue();
      putString(b, e.getKey());
      b.put((byte) t.type().onnxCode()).put((byte) t.shape().length);
      for (long d : t.shape()) {
        b.putLong(d);
      }
      ByteBuffer data = t.data().duplicate();
      b.putInt(data.remaining());
      b.put(data);
    }
  }

  public static TensorMap getTensors(ByteBuffer b) {
    int count = b.getShort() & 0xffff;
    Map<String, Tensor> m = new LinkedHashMap<>();
    for (int i = 0; i < count; i++) {
      String name = getString(b, "tensor name");
      int code = b.get() & 0xff;
      ElementType type;
      try {
        type = ElementType.fromOnnx(code);
      } catch (IllegalArgumentException e) {
        throw new EnvelopeException("element-type", "tensor '" + name + "' has element type code " + code + ", which is not supported");
      }
      int rank = b.get() & 0xff;
      if (rank > MAX_RANK) {
        throw new EnvelopeException("bad-tensor", "tensor '" + name + "' has rank " + rank + ", over " + MAX_RANK);
      }
      long[] dims = new long[rank];
      long elements = 1;
      for (int d = 0; d < rank; d++) {
        dims[d] = b.getLong();
        if (dims[d] < 0 || dims[d] > Integer.MAX_VALUE) {
          throw new EnvelopeException("bad-tensor", "tensor '" + name + "' has dimension " + dims[d]);
        }
        elements = Math.multiplyHigh(elements, dims[d]) != 0 ? Long.MAX_VALUE : elements * dims[d];
      }
      int n = length(b, "tensor '" + name + "'");
      if (elements == Long.MAX_VALUE || elements * type.bytes() != n) {
        throw new EnvelopeException("tensor-size", "tensor '" + name + "' of " + type + Arrays.toString(dims) + " needs "
            + (elements == Long.MAX_VALUE ? "too many" : String.valueOf(elements * type.bytes())) + " bytes, carries " + n);
      }
      if (m.containsKey(name)) {
        throw new EnvelopeException("bad-tensor", "tensor '" + name + "' appears twice");
      }
      ByteBuffer data = ByteBuffer.allocateDirect(n).order(ByteOrder.nativeOrder());
      ByteBuffer src = b.slice();
      src.limit(n);
      data.put(src).flip();
      b.position(b.position() + n);
      m.put(name, Tensor.of(type, dims, data));
    }
    return TensorMap.of(m);
  }
}
