package io.splitstream.pipeline.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.splitstream.devices.tensor.ElementType;
import io.splitstream.devices.tensor.Tensor;
import io.splitstream.devices.tensor.TensorMap;
import io.splitstream.pipeline.frame.Frame;
import io.splitstream.pipeline.frame.FrameEnvelope;
import io.splitstream.pipeline.ingest.IngestResult;
import io.splitstream.pipeline.ingest.QueueIngest;
import io.splitstream.pipeline.time.NanoClock;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.scheduler.Schedulers;

/** {@code serve}'s protocol on real sockets, 127.0.0.1 only; two servers shared by the class. */
class FrameServerTest {
  private static final int CREDITS = 4;
  private static final int LIMIT = 4096;
  private static QueueIngest quick;
  private static QueueIngest held;
  private static FrameServer quickServer;
  private static FrameServer heldServer;

  @BeforeAll
  static void start() {
    quick = new QueueIngest(new NanoClock(Schedulers.parallel()), seq -> 0);
    held = new QueueIngest(new NanoClock(Schedulers.parallel()), seq -> 0).hold();
    quickServer = FrameServer.start(quick, new FrameServer.Settings("127.0.0.1", 0, CREDITS, LIMIT));
    heldServer = FrameServer.start(held, new FrameServer.Settings("127.0.0.1", 0, CREDITS, LIMIT));
  }

  @AfterAll
  static void stop() {
    quickServer.close();
    heldServer.close();
  }

  private static TensorMap good() {
    return QueueIngest.sample();
  }

  private static IngestResult await(CompletableFuture<IngestResult> f) throws Exception {
    return f.get(20, TimeUnit.SECONDS);
  }

  @Test
  void resultsComeBackToTheirSenderInOrderPerStream() throws Exception {
    try (FrameClient a = FrameClient.connect("127.0.0.1", quickServer.port());
        FrameClient b = FrameClient.connect("127.0.0.1", quickServer.port())) {
      Map<String, List<Long>> seen = new ConcurrentHashMap<>();
      CountDownLatch all = new CountDownLatch(600);
      for (int i = 0; i < 200; i++) {
        for (String s : List.of("cam0", "cam1")) {
          a.submit(Frame.of(s, i, 0, good()), r -> {
            seen.computeIfAbsent("a/" + r.streamId(), k -> Collections.synchronizedList(new ArrayList<>())).add(r.seq());
            all.countDown();
          });
        }
        b.submit(Frame.of("cam0", i, 0, good()), r -> {
          seen.computeIfAbsent("b/" + r.streamId(), k -> Collections.synchronizedList(new ArrayList<>())).add(r.seq());
          all.countDown();
        });
      }
      assertThat(all.await(30, TimeUnit.SECONDS)).isTrue();
      List<Long> expected = new ArrayList<>();
      for (long i = 0; i < 200; i++) {
        expected.add(i);
      }
      assertThat(seen).containsOnlyKeys("a/cam0", "a/cam1", "b/cam0");
      seen.values().forEach(l -> assertThat(l).isEqualTo(expected));
      assertThat(a.auditPassed()).as(a.audit()).isTrue();
      assertThat(b.auditPassed()).as(b.audit()).isTrue();
    }
  }

  @Test
  void aSlowPipelineSlowsTheClientAndTheServerHoldsNoMoreThanTheCredits() throws Exception {
    int frames = 40;
    try (FrameClient c = FrameClient.connect("127.0.0.1", heldServer.port())) {
      assertThat(c.hello().credits()).isEqualTo(CREDITS);
      List<Long> order = new CopyOnWriteArrayList<>();
      AtomicLong worst = new AtomicLong();
      AtomicLong notCompleted = new AtomicLong();
      CountDownLatch all = new CountDownLatch(frames);
      for (int i = 0; i < frames; i++) {
        c.submit(Frame.of("s", i, 0, good()), r -> {
          if (!r.completed()) {
            notCompleted.incrementAndGet();
          }
          order.add(r.seq());
          worst.accumulateAndGet(c.sent() - order.size(), Math::max);
          all.countDown();
        });
      }
      // only the window went out; the rest wait in the client
      held.whenWaiting(CREDITS).get(20, TimeUnit.SECONDS);
      assertThat(c.sent()).isEqualTo(CREDITS);
      assertThat(c.pending()).isEqualTo(frames - CREDITS);
      while (order.size() < frames) {
        int before = order.size();
        held.release(CREDITS);
        int target = Math.min(frames, before + CREDITS);
        // each result lets one more frame out, never more than the window
        while (order.size() < target) {
          Thread.onSpinWait();
        }
        if (target < frames) {
          held.whenWaiting(Math.min(CREDITS, frames - target)).get(20, TimeUnit.SECONDS);
        }
      }
      assertThat(all.await(20, TimeUnit.SECONDS)).isTrue();
      assertThat(order).isSorted().hasSize(frames);
      assertThat(notCompleted.get()).as("frames shed over credit by a client that kept to its window").isZero();
      assertThat(worst.get()).isLessThanOrEqualTo(CREDITS);
      assertThat(heldServer.maxInFlight()).isLessThanOrEqualTo(CREDITS);
      assertThat(c.maxPending()).isEqualTo(frames - CREDITS);
      assertThat(c.auditPassed()).as(c.audit()).isTrue();
    }
  }

  @Test
  void aFrameOverTheWindowIsShedAndTheReplySaysSo() throws Exception {
    try (FrameClient c = FrameClient.connect("127.0.0.1", heldServer.port())) {
      List<Wire.Result> results = new CopyOnWriteArrayList<>();
      CountDownLatch shed = new CountDownLatch(3);
      c.tap(r -> {
        results.add(r);
        if (r.status() == IngestResult.Status.SHED) {
          shed.countDown();
        }
      });
      int waitingBefore = held.waiting();
      c.sendRaw(Wire.encode(new Wire.Open("greedy")));
      for (int i = 0; i < CREDITS + 3; i++) { // a client that ignores its credit
        c.sendRaw(Wire.encode(new Wire.FrameMsg(FrameEnvelope.of("greedy", i, 0, good()))));
      }
      assertThat(shed.await(20, TimeUnit.SECONDS)).isTrue();
      assertThat(results).filteredOn(r -> r.status() == IngestResult.Status.SHED).hasSize(3)
          .allSatisfy(r -> assertThat(r.reason()).startsWith("over-credit"))
          .extracting(Wire.Result::seq).containsExactly((long) CREDITS, CREDITS + 1L, CREDITS + 2L);
      held.whenWaiting(waitingBefore + CREDITS).get(20, TimeUnit.SECONDS);
      held.release(held.waiting());
    }
  }

  @Test
  void badFramesAreRejectedAndCountedWhileTheServerAndOtherClientsGoOn() throws Exception {
    Map<String, Long> before = quickServer.rejected();
    try (FrameClient bad = FrameClient.connect("127.0.0.1", quickServer.port());
        FrameClient other = FrameClient.connect("127.0.0.1", quickServer.port())) {
      List<Wire.Result> rejected = new CopyOnWriteArrayList<>();
      bad.tap(r -> {
        if (r.status() == IngestResult.Status.REJECTED) {
          rejected.add(r);
        }
      });
      bad.open("s");
      byte[] frame = Wire.encode(new Wire.FrameMsg(FrameEnvelope.of("s", 0, 0, good())));
      // 1 garbage: a frame whose envelope has a wrong magic
      byte[] garbage = frame.clone();
      garbage[1] = 'X';
      bad.sendRaw(garbage);
      // 2 truncated
      bad.sendRaw(java.util.Arrays.copyOf(frame, frame.length - 3));
      // 3 over the size limit
      bad.sendRaw(new byte[LIMIT + 1]);
      // 4 unknown message type
      bad.sendRaw(new byte[] {42, 1, 2});
      // 5 unknown stream
      bad.sendRaw(Wire.encode(new Wire.FrameMsg(FrameEnvelope.of("never-opened", 0, 0, good()))));
      // 6 stream opened twice, 7 empty stream id
      bad.sendRaw(Wire.encode(new Wire.Open("s")));
      bad.sendRaw(Wire.encode(new Wire.Open("")));
      // 8 wrong tensor name, 9 wrong element type, 10 wrong shape
      bad.sendRaw(Wire.encode(new Wire.FrameMsg(FrameEnvelope.of("s", 1, 0,
          TensorMap.of("y", Tensor.zeros(ElementType.FLOAT32, new long[] {1, 4})))))); 
      bad.sendRaw(Wire.encode(new Wire.FrameMsg(FrameEnvelope.of("s", 2, 0,
          TensorMap.of("x", Tensor.zeros(ElementType.INT32, new long[] {1, 4}))))));
      bad.sendRaw(Wire.encode(new Wire.FrameMsg(FrameEnvelope.of("s", 3, 0,
          TensorMap.of("x", Tensor.zeros(ElementType.FLOAT32, new long[] {2, 2}))))));
      // 11 tensor bytes that do not fit the shape: FLOAT32[1,4] carrying 12 bytes
      ByteBuffer b = ByteBuffer.allocate(256);
      b.put((byte) Wire.FRAME).putInt(FrameEnvelope.MAGIC).put((byte) 1);
      FrameEnvelope.putString(b, "s");
      b.putLong(4).putLong(0).put((byte) 0).putShort((short) 1);
      FrameEnvelope.putString(b, "x");
      b.put((byte) 1).put((byte) 2).putLong(1).putLong(4).putInt(12).put(new byte[12]);
      bad.sendRaw(java.util.Arrays.copyOf(b.array(), b.position()));
      // 12 an image that does not decode (and this input is no RGB image anyway)
      bad.sendRaw(Wire.encode(new Wire.FrameMsg(FrameEnvelope.ofImage("s", 5, 0, "png", new byte[] {1, 2, 3}))));
      // 13 a message only servers send
      bad.sendRaw(Wire.encode(new Wire.Error("x", "y")));
      // 14 out of sequence: seq 7 accepted, then 6
      CompletableFuture<IngestResult> seven = new CompletableFuture<>();
      bad.submit(Frame.of("s", 7, 0, good()), seven::complete);
      bad.sendRaw(Wire.encode(new Wire.FrameMsg(FrameEnvelope.of("s", 6, 0, good()))));
      // meanwhile the other client streams as usual
      CountDownLatch others = new CountDownLatch(50);
      for (int i = 0; i < 50; i++) {
        other.submit(Frame.of("cam", i, 0, good()), r -> {
          if (r.completed()) {
            others.countDown();
          }
        });
      }
      // the connection goes on: a good frame after all the bad ones completes
      CompletableFuture<IngestResult> last = new CompletableFuture<>();
      bad.submit(Frame.of("s", 8, 0, good()), last::complete);
      assertThat(await(seven).completed()).isTrue();
      assertThat(await(last).completed()).isTrue();
      assertThat(others.await(20, TimeUnit.SECONDS)).isTrue();

      Map<String, Long> after = quickServer.rejected();
      List<String> kinds = List.of("garbage", "truncated", "oversize", "unknown-type", "unknown-stream", "stream-reopened",
          "stream-id", "wrong-name", "wrong-type", "wrong-shape", "tensor-size", "bad-image", "unexpected-message", "sequence");
      for (String k : kinds) {
        assertThat(after.getOrDefault(k, 0L) - before.getOrDefault(k, 0L)).as(k).isEqualTo(1);
      }
      assertThat(rejected).extracting(r -> r.reason().substring(0, r.reason().indexOf(':')))
          .containsExactlyInAnyOrder("unknown-stream", "wrong-name", "wrong-type", "wrong-shape", "bad-image", "sequence");
      assertThat(bad.errors()).containsKeys("garbage", "truncated", "oversize", "unknown-type", "stream-reopened",
          "stream-id", "tensor-size", "unexpected-message");
      assertThat(other.auditPassed()).as(other.audit()).isTrue();
    }
    // and the server still takes new connections
    try (FrameClient again = FrameClient.connect("127.0.0.1", quickServer.port())) {
      CompletableFuture<IngestResult> r = new CompletableFuture<>();
      again.submit(Frame.of("s", 0, 0, good()), r::complete);
      assertThat(await(r).completed()).isTrue();
    }
  }
}
