package io.splitstream.pipeline.net;

import io.splitstream.devices.model.TensorSpec;
import io.splitstream.devices.tensor.ElementType;
import io.splitstream.devices.tensor.TensorMap;
import io.splitstream.pipeline.frame.EnvelopeException;
import io.splitstream.pipeline.frame.FrameEnvelope;
import io.splitstream.pipeline.ingest.IngestResult;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The messages of {@code serve}'s protocol, each the body of one length-prefixed TCP message
 * (uint32 big-endian length, then the body; see docs/serve.md). A body starts with its type byte.
 *
 * <ul>
 *   <li>{@link Hello} (server to client, first): the credit window, the size limit, the model input.
 *   <li>{@link Open} (client): a stream id the client will send frames under.
 *   <li>{@link FrameMsg} (client): a {@link FrameEnvelope}.
 *   <li>{@link Result} (server): what became of a frame, with its outputs when it completed.
 *   <li>{@link Error} (server): a message that could not be read at all (no stream or seq known).
 * </ul>
 */
public final class Wire {
  public static final int HELLO = 1;
  public static final int OPEN = 2;
  public static final int FRAME = 3;
  public static final int RESULT = 4;
  public static final int ERROR = 5;

  private Wire() {}

  /** A message of the protocol. */
  public sealed interface Message permits Hello, Open, FrameMsg, Result, Error {}

  /**
   * @param credits frames the client may have in flight at once, over all its streams
   * @param maxMessageBytes the largest message body the server reads
   * @param expectedRate the plan's estimated frames per second (for Offline's query size)
   */
  public record Hello(int credits, int maxMessageBytes, double expectedRate, TensorSpec input, String description)
      implements Message {}

  public record Open(String streamId) implements Message {}

  public record FrameMsg(FrameEnvelope envelope) implements Message {}

  public record Result(String streamId, long seq, IngestResult.Status status, String reason, TensorMap outputs)
      implements Message {}

  /** @param kind the fault's counter name, e.g. {@code garbage} */
  public record Error(String kind, String reason) implements Message {}

  public static byte[] encode(Message m) {
    if (m instanceof Hello h) {
      int size = 1 + 4 + 4 + 8 + FrameEnvelope.stringSize(h.description()) + specSize(h.input());
      ByteBuffer b = ByteBuffer.allocate(size);
      b.put((byte) HELLO).putInt(h.credits()).putInt(h.maxMessageBytes()).putDouble(h.expectedRate());
      FrameEnvelope.putString(b, h.description());
      putSpec(b, h.input());
      return b.array();
    } else if (m instanceof Open o) {
      ByteBuffer b = ByteBuffer.allocate(1 + FrameEnvelope.stringSize(o.streamId()));
      b.put((byte) OPEN);
      FrameEnvelope.putString(b, o.streamId());
      return b.array();
    } else if (m instanceof FrameMsg f) {
      byte[] env = f.envelope().encode();
      ByteBuffer b = ByteBuffer.allocate(1 + env.length);
      b.put((byte) FRAME).put(env);
      return b.array();
    } else if (m instanceof Result r) {
      int size = 1 + FrameEnvelope.stringSize(r.streamId()) + 8 + 1 + FrameEnvelope.stringSize(clip(r.reason()))
          + FrameEnvelope.tensorsSize(r.outputs());
      ByteBuffer b = ByteBuffer.allocate(size);
      b.put((byte) RESULT);
      FrameEnvelope.putString(b, r.streamId());
      b.putLong(r.seq()).put((byte) r.status().code());
      FrameEnvelope.putString(b, clip(r.reason()));
      FrameEnvelope.putTensors(b, r.outputs());
      return b.array();
    } else {
      Error e = (Error) m;
      ByteBuffer b = ByteBuffer.allocate(1 + FrameEnvelope.stringSize(e.kind()) + FrameEnvelope.stringSize(clip(e.reason())));
      b.put((byte) ERROR);
      FrameEnvelope.putString(b, e.kind());
      FrameEnvelope.putString(b, clip(e.reason()));
      return b.array();
    }
  }

  /** Reads one message body; throws {@link EnvelopeException} naming the fault. */
  public static Message decode(ByteBuffer in) {
    ByteBuffer b = in.slice().order(ByteOrder.BIG_ENDIAN);
    if (!b.hasRemaining()) {
      throw new EnvelopeException("truncated", "an empty message");
    }
    int type = b.get() & 0xff;
    try {
      Message m = switch (type) {
        case HELLO -> new Hello(b.getInt(), b.getInt(), b.getDouble(), null, FrameEnvelope.getString(b, "description"));
        case OPEN -> new Open(FrameEnvelope.getString(b, "stream id"));
        case FRAME -> new FrameMsg(FrameEnvelope.decode(b));
        case RESULT -> {
          String stream = FrameEnvelope.getString(b, "stream id");
          long seq = b.getLong();
          IngestResult.Status status;
          try {
            status = IngestResult.Status.ofCode(b.get() & 0xff);
          } catch (IllegalArgumentException e) {
            throw new EnvelopeException("garbage", e.getMessage());
          }
          String reason = FrameEnvelope.getString(b, "reason");
          yield new Result(stream, seq, status, reason, FrameEnvelope.getTensors(b));
        }
        case ERROR -> new Error(FrameEnvelope.getString(b, "kind"), FrameEnvelope.getString(b, "reason"));
        default -> throw new EnvelopeException("unknown-type", "message type " + type + " is not one of 1..5");
      };
      if (m instanceof Hello h) {
        m = new Hello(h.credits(), h.maxMessageBytes(), h.expectedRate(), getSpec(b), h.description());
      }
      if (type != FRAME && b.hasRemaining()) {
        throw new EnvelopeException("trailing", b.remaining() + " bytes follow the message");
      }
      return m;
    } catch (BufferUnderflowException e) {
      throw new EnvelopeException("truncated", "the message ends early, after " + b.position() + " bytes");
    }
  }

  private static String clip(String s) {
    return s.length() > 400 ? s.substring(0, 400) + "..." : s;
  }

  private static int specSize(TensorSpec s) {
    return FrameEnvelope.stringSize(s.name()) + 1 + 1 + 8 * s.shape().size();
  }

  private static void putSpec(ByteBuffer b, TensorSpec s) {
    FrameEnvelope.putString(b, s.name());
    b.put((byte) s.type().onnxCode()).put((byte) s.shape().size());
    s.shape().forEach(b::putLong);
  }

  private static TensorSpec getSpec(ByteBuffer b) {
    String name = FrameEnvelope.getString(b, "input name");
    ElementType type = ElementType.fromOnnx(b.get() & 0xff);
    int rank = b.get() & 0xff;
    List<Long> dims = new ArrayList<>();
    for (int i = 0; i < rank; i++) {
      dims.add(b.getLong());
    }
    return new TensorSpec(name, type, dims);
  }
}
