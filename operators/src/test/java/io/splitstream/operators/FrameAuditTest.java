package io.splitstream.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class FrameAuditTest {
  private final FrameAudit audit = new FrameAudit();

  private void offerAndSettle(String stream, long from, long to, String outcome) {
    for (long i = from; i < to; i++) {
      audit.offered(stream, i);
      audit.settled(stream, i, outcome);
    }
  }

  @Test
  void aCleanRunPasses() {
    offerAndSettle("stream0", 0, 990, "completed");
    offerAndSettle("stream0", 990, 1000, "shed:drop-oldest");

    FrameAudit.Result r = audit.result();
    assertThat(r.passed()).isTrue();
    assertThat(r.offered()).isEqualTo(1000);
    assertThat(r.settled()).isEqualTo(1000);
    assertThat(r.missing() + r.duplicates() + r.unexpected() + r.offeredTwice()).isZero();
    assertThat(r.examples()).isEmpty();
    assertThat(r.outcomes()).containsEntry("completed", 990L).containsEntry("shed:drop-oldest", 10L);
    assertThat(r.describe())
        .isEqualTo("audit passed: 1000 offered, 1000 settled exactly once (990 completed, 10 shed:drop-oldest)");
  }

  @Test
  void aLostSettlementFailsNamingTheItem() {
    for (long i = 0; i < 100; i++) {
      audit.offered("stream0", i);
      if (i != 17) {
        audit.settled("stream0", i, "completed");
      }
    }
    FrameAudit.Result r = audit.result();
    assertThat(r.passed()).isFalse();
    assertThat(r.missing()).isEqualTo(1);
    assertThat(r.examples()).containsExactly("stream0#17 offered but never settled");
    assertThat(r.describe()).isEqualTo(
        "audit FAILED: 1 never settled (100 offered, 99 settled); e.g. stream0#17 offered but never settled");
  }

  @Test
  void itemsStillInFlightCountAsMissingUntilSettled() {
    audit.offered("s", 5);
    assertThat(audit.result().missing()).isEqualTo(1);
    audit.settled("s", 5, "completed");
    assertThat(audit.result().passed()).isTrue();
  }

  @Test
  void aDoubleSettlementFails() {
    offerAndSettle("stream0", 0, 10, "completed");
    audit.settled("stream0", 3, "shed:cancelled");

    FrameAudit.Result r = audit.result();
    assertThat(r.passed()).isFalse();
    assertThat(r.duplicates()).isEqualTo(1);
    assertThat(r.missing()).isZero();
    assertThat(r.settled()).isEqualTo(11);
    assertThat(r.examples()).containsExactly("stream0#3 settled twice (again as shed:cancelled)");
    assertThat(r.describe()).startsWith("audit FAILED: 1 settled twice (10 offered, 11 settled)");
  }

  @Test
  void anUnexpectedSettlementFails() {
    offerAndSettle("stream0", 0, 10, "completed");
    audit.settled("stream0", 10, "completed");
    audit.settled("ghost", 0, "failed:IOException");

    FrameAudit.Result r = audit.result();
    assertThat(r.passed()).isFalse();
    assertThat(r.unexpected()).isEqualTo(2);
    assertThat(r.examples())
        .containsExactly("ghost#0 settled but never offered", "stream0#10 settled but never offered");
  }

  @Test
  void anItemOfferedTwiceFails() {
    offerAndSettle("stream0", 0, 10, "completed");
    audit.offered("stream0", 4);
    FrameAudit.Result r = audit.result();
    assertThat(r.passed()).isFalse();
    assertThat(r.offeredTwice()).isEqualTo(1);
    assertThat(r.examples()).containsExactly("stream0#4 offered twice");
  }

  @Test
  void everyKindOfFaultShowsAmongTheExamples() {
    for (long i = 0; i < 50; i++) {
      audit.offered("s", i); // 50 missing
    }
    for (long i = 100; i < 150; i++) {
      audit.settled("s", i, "completed"); // 50 unexpected
      audit.settled("s", i, "completed"); // and 50 duplicates
    }
    FrameAudit.Result r = audit.result();
    assertThat(r.missing()).isEqualTo(50);
    assertThat(r.unexpected()).isEqualTo(50);
    assertThat(r.duplicates()).isEqualTo(50);
    assertThat(r.settled()).isEqualTo(r.offered() - r.missing() + r.duplicates() + r.unexpected());
    assertThat(r.examples()).hasSize(10)
        .anyMatch(e -> e.endsWith("never settled"))
        .anyMatch(e -> e.contains("settled twice"))
        .anyMatch(e -> e.endsWith("never offered"));
    assertThat(r.describe()).startsWith("audit FAILED: 50 never settled, 50 settled twice, 50 settled but never offered");
  }

  @Test
  void faultsAreCaughtInAChunkAlreadyShrunkToAMarker() {
    long size = FrameAudit.CHUNK_SIZE;
    offerAndSettle("s", 0, size, "completed"); // a whole chunk offered and settled once
    long shrunk = audit.footprintBytes();
    offerAndSettle("s", size, 2 * size - 1, "completed");
    assertThat(audit.footprintBytes()).isGreaterThan(shrunk); // the open chunk keeps its bits
    audit.settled("s", 3, "completed");
    audit.offered("s", 5);

    FrameAudit.Result r = audit.result();
    assertThat(r.duplicates()).isEqualTo(1);
    assertThat(r.offeredTwice()).isEqualTo(1);
    assertThat(r.missing()).isZero();
    assertThat(r.examples()).containsExactly("s#3 settled twice (again as completed)", "s#5 offered twice");
  }

  @Test
  void interleavedStreamsAreAuditedApart() {
    for (long i = 0; i < 5000; i++) {
      audit.offered("a", i);
      audit.offered("b", i);
      audit.settled("b", i, "completed");
      audit.settled("a", i, "completed");
    }
    audit.offered("a", 5000);
    audit.settled("b", 5000, "completed"); // same number, other stream: no match

    FrameAudit.Result r = audit.result();
    assertThat(r.missing()).isEqualTo(1);
    assertThat(r.unexpected()).isEqualTo(1);
    assertThat(r.examples()).containsExactly("a#5000 offered but never settled", "b#5000 settled but never offered");
  }

  @Test
  void negativeAndSparseSequenceNumbersAreKeptApart() {
    long[] seqs = {-1, 0, FrameAudit.CHUNK_SIZE - 1, FrameAudit.CHUNK_SIZE, Long.MAX_VALUE, Long.MIN_VALUE};
    for (long s : seqs) {
      audit.offered("s", s);
    }
    for (long s : seqs) {
      if (s != Long.MAX_VALUE) {
        audit.settled("s", s, "completed");
      }
    }
    FrameAudit.Result r = audit.result();
    assertThat(r.offered()).isEqualTo(seqs.length);
    assertThat(r.examples()).containsExactly("s#" + Long.MAX_VALUE + " offered but never settled");
  }

  @Test
  void anHourAtAThousandFramesPerSecondStaysSmall() {
    long frames = 3_600_000;
    for (long i = 0; i < frames; i++) {
      audit.offered("cam0", i);
    }
    // All in flight: the worst moment for memory with dense numbers.
    long inFlight = audit.footprintBytes();
    for (long i = 0; i < frames; i++) {
      if (i != 1_234_567) {
        audit.settled("cam0", i, "completed");
      }
    }
    long settled = audit.footprintBytes();
    FrameAudit.Result r = audit.result();

    assertThat(r.offered()).isEqualTo(frames);
    assertThat(r.examples()).containsExactly("cam0#1234567 offered but never settled");
    assertThat(inFlight).isLessThan(1_000_000);
    // Settled chunks shrink to a marker; only the chunk with the lost item keeps its bits.
    assertThat(settled).isLessThan(100_000);
  }

  @Test
  void concurrentOffersAndSettlementsFromFourThreads() throws Exception {
    int perThread = 200_000;
    ExecutorService pool = Executors.newFixedThreadPool(4);
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<Future<?>> fs = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int id = t;
        fs.add(pool.submit(() -> {
          start.await();
          // Threads 0 and 1 offer evens and odds of stream s; 2 and 3 settle them, often first.
          long parity = id % 2;
          for (long i = parity; i < 2L * perThread; i += 2) {
            if (id < 2) {
              audit.offered("s", i);
            } else {
              audit.settled("s", i, "completed");
            }
          }
          // Each thread also runs its own stream.
          offerAndSettle("own" + id, 0, perThread, "completed");
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : fs) {
        f.get(1, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }
    FrameAudit.Result r = audit.result();
    assertThat(r.describe()).startsWith("audit passed");
    assertThat(r.offered()).isEqualTo(6L * perThread);
    assertThat(r.settled()).isEqualTo(6L * perThread);
  }

  @Test
  void rejectsBlankNames() {
    assertThatThrownBy(() -> audit.offered(" ", 1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("stream");
    assertThatThrownBy(() -> audit.settled("s", 1, "")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("outcome");
    assertThat(audit.result().settled()).isZero();
  }
}
