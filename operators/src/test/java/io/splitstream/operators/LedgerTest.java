package io.splitstream.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class LedgerTest {

  @Test
  void eachTransitionCountsOnceAndByName() {
    Ledger ledger = new Ledger();
    ledger.admit().complete();
    ledger.admit().shed("drop-oldest");
    ledger.admit().shed("drop-oldest");
    ledger.admit().shed("deadline");
    ledger.admit().fail(new IOException("disk"));
    ledger.admit().fail("Timeout");
    Ledger.Ticket open = ledger.admit();

    LedgerSnapshot s = ledger.snapshot();
    assertThat(s.offered()).isEqualTo(7);
    assertThat(s.completed()).isEqualTo(1);
    assertThat(s.shed()).isEqualTo(3);
    assertThat(s.shed("drop-oldest")).isEqualTo(2);
    assertThat(s.shed("deadline")).isEqualTo(1);
    assertThat(s.shed("drop-newest")).isZero();
    assertThat(s.failed()).isEqualTo(2);
    assertThat(s.failedByCause()).containsEntry("IOException", 1L).containsEntry("Timeout", 1L);
    assertThat(s.inFlight()).isEqualTo(1);
    assertThat(s.balanced()).isTrue();
    assertThat(open.isOpen()).isTrue();
    assertThat(s.toString())
        .isEqualTo("offered=7 completed=1 shed=3 {deadline=1, drop-oldest=2} failed=2 {IOException=1, Timeout=1}"
            + " inFlight=1 balanced");
  }

  @Test
  void settlingTwiceIsRejectedAndCountsNothing() {
    Ledger ledger = new Ledger();
    Ledger.Ticket t = ledger.admit();
    t.complete();
    assertThatThrownBy(t::complete).isInstanceOf(IllegalStateException.class).hasMessageContaining("settled twice");
    assertThatThrownBy(() -> t.shed("drop-newest")).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> t.fail(new RuntimeException())).isInstanceOf(IllegalStateException.class);
    LedgerSnapshot s = ledger.snapshot();
    assertThat(s.completed()).isEqualTo(1);
    assertThat(s.shed() + s.failed() + s.inFlight()).isZero();
  }

  @Test
  void settlingAnAbandonedTicketIsIgnored() {
    Ledger ledger = new Ledger();
    Ledger.Ticket t = ledger.admit();
    assertThat(t.abandon("cancelled")).isTrue();
    assertThat(t.complete()).isFalse();
    assertThat(t.abandon("cancelled")).isFalse();
    assertThat(ledger.snapshot().shed("cancelled")).isEqualTo(1);
    assertThat(ledger.snapshot().completed()).isZero();
  }

  @Test
  void blankReasonsAreRejected() {
    Ledger.Ticket t = new Ledger().admit();
    assertThatThrownBy(() -> t.shed(" ")).isInstanceOf(IllegalArgumentException.class);
    assertThat(t.isOpen()).isTrue();
  }

  @Test
  void anonymousExceptionsAreCountedUnderTheirClassName() {
    Throwable anon = new RuntimeException() {};
    assertThat(Ledger.causeName(anon)).isEqualTo(anon.getClass().getName());
    assertThat(Ledger.causeName(new IllegalStateException())).isEqualTo("IllegalStateException");
  }

  @Test
  void everySnapshotBalancesUnderConcurrentUpdates() throws Exception {
    Ledger ledger = new Ledger();
    int writers = 4;
    int perWriter = 50_000;
    ExecutorService pool = Executors.newFixedThreadPool(writers + 1);
    CountDownLatch start = new CountDownLatch(1);
    AtomicBoolean writing = new AtomicBoolean(true);
    try {
      List<Future<?>> ws = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        int id = w;
        ws.add(pool.submit(() -> {
          start.await();
          List<Ledger.Ticket> held = new ArrayList<>();
          for (int i = 0; i < perWriter; i++) {
            held.add(ledger.admit());
            if (held.size() == 8) { // keep a few in flight so inFlight moves too
              for (int k = 0; k < held.size(); k++) {
                Ledger.Ticket t = held.get(k);
                switch ((k + id) % 4) {
                  case 0 -> t.complete();
                  case 1 -> t.shed("drop-oldest");
                  case 2 -> t.fail(new IllegalStateException());
                  default -> t.shed("deadline");
                }
              }
              held.clear();
            }
          }
          held.forEach(Ledger.Ticket::complete);
          return null;
        }));
      }
      Future<Long> reader = pool.submit(() -> {
        start.await();
        long checked = 0;
        while (writing.get()) {
          LedgerSnapshot s = ledger.snapshot();
          assertThat(s.balanced()).as("snapshot %s", s).isTrue();
          assertThat(s.shed()).isEqualTo(s.shedByReason().values().stream().mapToLong(Long::longValue).sum());
          checked++;
        }
        return checked;
      });
      start.countDown();
      for (Future<?> f : ws) {
        f.get(60, TimeUnit.SECONDS);
      }
      writing.set(false);
      assertThat(reader.get(60, TimeUnit.SECONDS)).isPositive();
    } finally {
      pool.shutdownNow();
    }
    LedgerSnapshot end = ledger.snapshot();
    assertThat(end.offered()).isEqualTo((long) writers * perWriter);
    assertThat(end.inFlight()).isZero();
    assertThat(end.balanced()).isTrue();
    assertThat(end.completed() + end.shed() + end.failed()).isEqualTo(end.offered());
    assertThat(end.shed("drop-oldest")).isEqualTo(end.shed("deadline"));
  }
}
