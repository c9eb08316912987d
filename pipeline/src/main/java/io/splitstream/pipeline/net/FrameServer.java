package io.splitstream.pipeline.net;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.model.TensorSpec;
import io.splitstream.devices.tensor.TensorMap;
import io.splitstream.pipeline.frame.EnvelopeException;
import io.splitstream.pipeline.frame.Frame;
import io.splitstream.pipeline.frame.FrameEnvelope;
import io.splitstream.pipeline.ingest.Ingest;
import io.splitstream.pipeline.ingest.IngestResult;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.ChannelBindException;
import reactor.netty.DisposableServer;
import reactor.netty.tcp.TcpServer;

/**
 * {@code serve}'s network side: a Reactor Netty TCP server whose clients send frames ({@link
 * Wire}: length-prefixed messages) into one {@link Ingest}, and get each frame's result back on
 * the connection it came by, in order per stream.
 *
 * <p><b>Credit.</b> Each connection is granted a window of {@code credits} frames in flight (told
 * in the {@link Wire.Hello}); each result gives one back. A well-behaved client therefore sends no
 * faster than the pipeline answers, and the server holds at most {@code credits} frames per
 * connection, whatever the client does: a frame over the window is shed at once with the reason
 * {@code over-credit} in its result, never dropped silently.
 *
 * <p><b>Bad frames.</b> A message over the size limit, one that cannot be read (garbage,
 * truncated, unknown type, bad strings, trailing bytes), a frame of a stream never opened, out of
 * sequence, of the wrong tensor name, element type or shape, with tensor bytes that do not fit its
 * shape, or an undecodable image, is answered with an error (a {@link Wire.Result} of status
 * REJECTED when its stream and seq are known, else a {@link Wire.Error}) and counted by kind; the
 * connection and every other one go on.
 */
public final class FrameServer implements AutoCloseable {
  /** What the server was told. */
  public record Settings(String host, int port, int credits, int maxMessageBytes) {
    public Settings {
      if (credits < 1) {
        throw new SplitstreamException("--credits " + credits + " is not positive: give at least 1");
      }
      if (maxMessageBytes < 64) {
        throw new SplitstreamException("--max-frame-bytes " + maxMessageBytes + " is too small: give at least the model input's size");
      }
    }
  }

  private final Ingest ingest;
  private final Settings settings;
  private final DisposableServer server;
  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicInteger open = new AtomicInteger();
  private final LongAdder framesIn = new LongAdder();
  private final LongAdder accepted = new LongAdder();
  private final LongAdder completed = new LongAdder();
  private final LongAdder shed = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private final LongAdder frameReplies = new LongAdder();
  private final AtomicLong inFlight = new AtomicLong();
  private final AtomicLong maxInFlight = new AtomicLong();
  private final Map<String, LongAdder> rejected = new ConcurrentHashMap<>();

  private FrameServer(Ingest ingest, Settings settings) {
    this.ingest = ingest;
    this.settings = settings;
    try {
      this.server = TcpServer.create()
          .host(settings.host())
          .port(settings.port())
          .doOnConnection(c -> c.addHandlerFirst("splitstream-frames", new LengthPrefixDecoder(settings.maxMessageBytes())))
          .handle((in, out) -> {
            Conn conn = new Conn(connections.incrementAndGet());
            open.incrementAndGet();
            Mono<Void> reading = in.receiveObject()
                .doOnNext(conn::onMessage)
                .doFinally(s -> conn.inboundDone())
                .then();
            Mono<Void> writing = out.send(conn.outbound.asFlux().map(FrameServer::prefixed)).then();
            return Mono.when(reading, writing).doFinally(s -> open.decrementAndGet());
          })
          .bindNow(Duration.ofSeconds(10));
    } catch (ChannelBindException e) {
      throw new SplitstreamException("cannot listen on " + settings.host() + ":" + settings.port() + " (" + e.getMessage()
          + "): choose a free --port, or 0 for any");
    }
  }

  /** Starts serving {@code ingest}; returns once it listens. */
  public static FrameServer start(Ingest ingest, Settings settings) {
    return new FrameServer(ingest, settings);
  }

  public int port() {
    return server.port();
  }

  public String address() {
    return server.host() + ":" + server.port();
  }

  /** Connections now open. */
  public int openConnections() {
    return open.get();
  }

  /** Frames admitted into the pipeline and not yet answered, over all connections. */
  public long inFlight() {
    return inFlight.get();
  }

  /** The most frames ever in the pipeline at once on behalf of clients (bounded by the credits). */
  public long maxInFlight() {
    return maxInFlight.get();
  }

  /** Rejected messages and frames by kind. */
  public Map<String, Long> rejected() {
    Map<String, Long> m = new TreeMap<>();
    rejected.forEach((k, v) -> m.put(k, v.sum()));
    return m;
  }

  public long framesReceived() {
    return framesIn.sum();
  }

  public long completed() {
    return completed.sum();
  }

  /** Frames shed: over a client's credit, or by the pipeline's policy. */
  public long shed() {
    return shed.sum();
  }

  /** One line: what came in and how it left. */
  public String stats() {
    long rej = rejected.values().stream().mapToLong(LongAdder::sum).sum();
    return "served " + connections.get() + " connection(s): " + framesIn.sum() + " frames received, " + accepted.sum()
        + " admitted (" + completed.sum() + " completed, " + failed.sum() + " failed), " + shed.sum() + " shed, "
        + rej + " rejected " + rejected() + "; at most " + maxInFlight.get() + " frames in flight";
  }

  /**
   * The server's end-of-run audit: every frame received was answered exactly once (completed,
   * shed, failed or rejected) and none is in flight.
   */
  public boolean auditPassed() {
    return frameReplies.sum() == framesIn.sum() && inFlight.get() == 0;
  }

  public String audit() {
    return "server audit: " + (auditPassed() ? "passed" : "FAILED") + ": " + framesIn.sum() + " frames received, "
        + frameReplies.sum() + " answered, " + inFlight.get() + " in flight";
  }

  @Override
  public void close() {
    server.disposeNow(Duration.ofSeconds(10));
  }

  private static ByteBuf prefixed(byte[] body) {
    ByteBuf b = Unpooled.buffer(4 + body.length);
    b.writeInt(body.length).writeBytes(body);
    return b;
  }

  private void count(String kind) {
    rejected.computeIfAbsent(kind, k -> new LongAdder()).increment();
  }

  /** One client connection. */
  private final class Conn {
    final int id;
    final Sinks.Many<byte[]> outbound = Sinks.many().unicast().onBackpressureBuffer();
    final Map<String, long[]> streams = new ConcurrentHashMap<>(); // stream id -> {last seq}
    final AtomicInteger window = new AtomicInteger();
    volatile boolean inboundDone;

    Conn(int id) {
      this.id = id;
      TensorSpec in = ingest.input();
      send(new Wire.Hello(settings.credits(), settings.maxMessageBytes(), ingest.expectedRate(), in, ingest.description()));
    }

    void send(Wire.Message m) {
      byte[] bytes = Wire.encode(m);
      synchronized (this) {
        outbound.tryEmitNext(bytes);
      }
    }

    void inboundDone() {
      inboundDone = true;
      maybeEnd();
    }

    void maybeEnd() {
      if (inboundDone && window.get() == 0) {
        synchronized (this) {
          outbound.tryEmitComplete();
        }
      }
    }

    void error(String kind, String reason) {
      count(kind);
      send(new Wire.Error(kind, reason));
    }

    void reject(FrameEnvelope e, String kind, String reason) {
      count(kind);
      frameReplies.increment();
      send(new Wire.Result(e.streamId(), e.seq(), IngestResult.Status.REJECTED, kind + ": " + reason, TensorMap.empty()));
    }

    void onMessage(Object msg) {
      if (msg instanceof LengthPrefixDecoder.Oversize o) {
        error("oversize", "a message of " + o.length() + " bytes is over the limit of " + settings.maxMessageBytes()
            + " bytes; it was skipped");
        return;
      }
      ByteBuffer body = ((ByteBuf) msg).nioBuffer();
      Wire.Message m;
      try {
        m = Wire.decode(body);
      } catch (EnvelopeException e) {
        error(e.kind(), e.getMessage());
        return;
      }
      if (m instanceof Wire.Open o) {
        if (o.streamId().isBlank()) {
          error("stream-id", "a stream id must not be empty");
        } else if (streams.putIfAbsent(o.streamId(), new long[] {Long.MIN_VALUE}) != null) {
          error("stream-reopened", "stream '" + o.streamId() + "' is already open on this connection");
        }
      } else if (m instanceof Wire.FrameMsg f) {
        frame(f.envelope());
      } else {
        error("unexpected-message", "clients send OPEN and FRAME messages only, not " + m.getClass().getSimpleName());
      }
    }

    void frame(FrameEnvelope e) {
      framesIn.increment();
      long[] last = streams.get(e.streamId());
      if (last == null) {
        reject(e, "unknown-stream", "stream '" + e.streamId() + "' was not opened on this connection: send OPEN first");
        return;
      }
      if (e.seq() <= last[0]) {
        reject(e, "sequence", "seq " + e.seq() + " does not follow " + last[0] + " in stream '" + e.streamId() + "'");
        return;
      }
      TensorMap tensors;
      try {
        if (e.image().isPresent()) {
          tensors = ImageInput.decode(e.image().get().bytes(), ingest.input());
        } else {
          e.check(ingest.input());
          tensors = e.tensors();
        }
      } catch (EnvelopeException x) {
        reject(e, x.kind(), x.getMessage());
        return;
      }
      last[0] = e.seq();
      if (window.incrementAndGet() > settings.credits()) {
        window.decrementAndGet();
        shed.increment();
        frameReplies.increment();
        send(new Wire.Result(e.streamId(), e.seq(), IngestResult.Status.SHED,
            "over-credit: " + settings.credits() + " frames of this connection are in flight already, its whole window;"
                + " wait for a result before sending", TensorMap.empty()));
        return;
      }
      accepted.increment();
      long now = inFlight.incrementAndGet();
      maxInFlight.accumulateAndGet(now, Math::max);
      Frame frame = Frame.of("c" + id + "/" + e.streamId(), e.seq(), ingest.clock().now(TimeUnit.NANOSECONDS), tensors);
      ingest.submit(frame, r -> {
        switch (r.status()) {
          case COMPLETED -> completed.increment();
          case SHED -> shed.increment();
          default -> failed.increment();
        }
        inFlight.decrementAndGet();
        frameReplies.increment();
        // the credit returns before the result leaves: the client may send its next frame the moment it reads it
        window.decrementAndGet();
        send(new Wire.Result(e.streamId(), e.seq(), r.status(), r.reason(), r.outputs()));
        maybeEnd();
      });
    }
  }

}
