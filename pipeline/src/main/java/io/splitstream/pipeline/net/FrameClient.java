package io.splitstream.pipeline.net;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.model.TensorSpec;
import io.splitstream.pipeline.frame.EnvelopeException;
import io.splitstream.pipeline.frame.Frame;
import io.splitstream.pipeline.frame.FrameEnvelope;
import io.splitstream.pipeline.ingest.Ingest;
import io.splitstream.pipeline.ingest.IngestResult;
import io.splitstream.pipeline.time.NanoClock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.Connection;
import reactor.netty.tcp.TcpClient;

/**
 * A client of {@code serve} that is itself an {@link Ingest}: what the load generator drives with
 * {@code --target HOST:PORT}. Frames are sent as the server's credit allows: while the window
 * granted in the server's hello is full, submitted frames wait here, in submission order, and go
 * out one per result that comes back, so the send rate follows the pipeline's pace. Results are
 * matched to frames by stream and seq; completion times are read on this side's clock.
 */
public final class FrameClient implements Ingest {
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

  private final Connection connection;
  private final Sinks.Many<byte[]> outbound = Sinks.many().unicast().onBackpressureBuffer();
  private final Scheduler clock = new NanoClock(Schedulers.parallel());
  private final CompletableFuture<Wire.Hello> hello = new CompletableFuture<>();
  private final Map<String, Consumer<IngestResult>> waiting = new ConcurrentHashMap<>();
  private final Set<String> opened = ConcurrentHashMap.newKeySet();
  private final ArrayDeque<Frame> pending = new ArrayDeque<>();
  private final LongAdder sent = new LongAdder();
  private final LongAdder answered = new LongAdder();
  private final LongAdder unmatched = new LongAdder();
  private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
  private volatile Consumer<Wire.Result> tap = r -> {};
  private int inFlight;
  private int maxPending;
  private volatile boolean completed;

  private FrameClient(String host, int port) {
    try {
      this.connection = TcpClient.create()
          .host(host)
          .port(port)
          .doOnConnected(c -> c.addHandlerFirst("splitstream-frames", new LengthPrefixDecoder(Integer.MAX_VALUE)))
          .connectNow(CONNECT_TIMEOUT);
    } catch (RuntimeException e) {
      throw new SplitstreamException("cannot connect to " + host + ":" + port + " (" + e.getMessage()
          + "): start './splitstream serve' there first, or check --target");
    }
    connection.inbound().receiveObject().doOnNext(this::onMessage).subscribe(null,
        e -> hello.completeExceptionally(e), () -> hello.completeExceptionally(
            new SplitstreamException("the server at " + host + ":" + port + " closed the connection")));
    connection.outbound().send(outbound.asFlux().map(FrameClient::prefixed)).then().subscribe();
  }

  /** Connects and waits for the server's hello. */
  public static FrameClient connect(String host, int port) {
    FrameClient c = new FrameClient(host, port);
    try {
      c.hello.get(CONNECT_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      c.close();
      throw new SplitstreamException("interrupted while connecting to " + host + ":" + port);
    } catch (ExecutionException | TimeoutException e) {
      c.close();
      throw new SplitstreamException("no hello from " + host + ":" + port + " (" + e.getMessage()
          + "): is it a './splitstream serve'?");
    }
    return c;
  }

  /** Connects, and opens {@code stream} at once. */
  public static FrameClient connect(String host, int port, String stream) {
    FrameClient c = connect(host, port);
    c.open(stream);
    return c;
  }

  /** The server's hello: credits, size limit, model input. */
  public Wire.Hello hello() {
    return hello.join();
  }

  /** Announces a stream; frames of it may follow. Opening one twice is an error the server reports. */
  public void open(String stream) {
    opened.add(stream);
    send(new Wire.Open(stream));
  }

  /** Sends a raw message body as it is (tests send malformed ones). */
  public void sendRaw(byte[] body) {
    synchronized (this) {
      outbound.tryEmitNext(body);
    }
  }

  @Override
  public TensorSpec input() {
    return hello().input();
  }

  @Override
  public Scheduler clock() {
    return clock;
  }

  @Override
  public String description() {
    return hello().description() + " (remote, over TCP)";
  }

  @Override
  public double expectedRate() {
    return hello().expectedRate();
  }

  @Override
  public void submit(Frame frame, Consumer<IngestResult> done) {
    if (completed) {
      throw new IllegalStateException("the client was told no more frames come");
    }
    if (waiting.putIfAbsent(frame.id(), done) != null) {
      throw new IllegalArgumentException("frame " + frame.id() + " is already in flight");
    }
    synchronized (this) {
      if (opened.add(frame.streamId())) {
        send(new Wire.Open(frame.streamId()));
      }
      if (inFlight < hello().credits()) {
        transmit(frame);
      } else {
        pending.add(frame);
        maxPending = Math.max(maxPending, pending.size());
      }
    }
  }

  /** Sees every result the server sends, matched to a frame in flight or not, before it is matched. */
  public void tap(Consumer<Wire.Result> listener) {
    this.tap = java.util.Objects.requireNonNull(listener, "listener");
  }

  /** Frames waiting here for credit now. */
  public synchronized int pending() {
    return pending.size();
  }

  /** The most frames that ever waited here for credit. */
  public synchronized int maxPending() {
    return maxPending;
  }

  /** Frames sent so far. */
  public long sent() {
    return sent.sum();
  }

  /** Errors the server sent for messages it could not read, by kind. */
  public Map<String, Long> errors() {
    Map<String, Long> m = new java.util.TreeMap<>();
    errors.forEach((k, v) -> m.put(k, v.sum()));
    return m;
  }

  @Override
  public void complete() {
    completed = true;
  }

  @Override
  public boolean auditPassed() {
    return waiting.isEmpty() && unmatched.sum() == 0 && answered.sum() == sent.sum() && pending() == 0;
  }

  @Override
  public String audit() {
    return "client audit: " + (auditPassed() ? "passed" : "FAILED") + ": " + sent.sum() + " frames sent, "
        + answered.sum() + " answered once, " + waiting.size() + " unanswered, " + unmatched.sum()
        + " answers for no frame in flight";
  }

  @Override
  public void close() {
    connection.disposeNow(Duration.ofSeconds(5));
  }

  private void transmit(Frame frame) {
    inFlight++;
    sent.increment();
    send(new Wire.FrameMsg(FrameEnvelope.of(frame)));
  }

  private void send(Wire.Message m) {
    byte[] bytes = Wire.encode(m);
    synchronized (this) {
      outbound.tryEmitNext(bytes);
    }
  }

  private void onMessage(Object msg) {
    if (!(msg instanceof ByteBuf buf)) {
      errors.computeIfAbsent("oversize-reply", k -> new LongAdder()).increment();
      return;
    }
    Wire.Message m;
    try {
      m = Wire.decode(buf.nioBuffer());
    } catch (EnvelopeException e) {
      errors.computeIfAbsent("unreadable-reply", k -> new LongAdder()).increment();
      return;
    }
    if (m instanceof Wire.Hello h) {
      hello.complete(h);
    } else if (m instanceof Wire.Error e) {
      errors.computeIfAbsent(e.kind(), k -> new LongAdder()).increment();
    } else if (m instanceof Wire.Result r) {
      long now = clock.now(TimeUnit.NANOSECONDS);
      tap.accept(r);
      Consumer<IngestResult> done = waiting.remove(r.streamId() + "#" + r.seq());
      if (done == null) {
        unmatched.increment();
        return;
      }
      answered.increment();
      synchronized (this) {
        inFlight--;
        Frame next = pending.poll();
        if (next != null) {
          transmit(next);
        }
      }
      done.accept(new IngestResult(r.streamId(), r.seq(), r.status(), r.reason(), r.outputs(), now));
    }
  }

  private static ByteBuf prefixed(byte[] body) {
    ByteBuf b = Unpooled.buffer(4 + body.length);
    b.writeInt(body.length).writeBytes(body);
    return b;
  }
}
