package io.splitstream.operators;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

class CancelAndDrainTest {
  private final VirtualTimeScheduler vts = VirtualTimeScheduler.create();
  private final Ledger ledger = new Ledger();
  private final List<Long> shedCancelled = new ArrayList<>();
  private final List<Long> delivered = new ArrayList<>();

  private Admission<Item> admission(ShedPolicy policy) {
    return Admission.of(policy, 32, ledger, Item::captureNanos, vts, (item, reason) -> {
      if (reason.equals(Admission.CANCELLED)) {
        shedCancelled.add(item.seq());
      }
    });
  }

  private Flux<Outcome<Item>> pipeline(Admission<Item> admission) {
    Flux<Item> live = Flux.interval(Duration.ofMillis(2), vts).map(i -> new Item(i, vts.now(TimeUnit.NANOSECONDS)));
    OrderedStage<Item, Item> s1 = OrderedStage.async("s1", List.of(0, 1),
        (Work<Integer, Item> w) -> Mono.delay(Duration.ofMillis(7), vts).thenReturn(w.item()), vts);
    OrderedStage<Item, Item> s2 = OrderedStage.async("s2", List.of(0),
        (Work<Integer, Item> w) -> Mono.delay(Duration.ofMillis(5), vts).thenReturn(w.item()), vts);
    return live.transform(admission).transform(s1).transform(HandOff.bounded(4)).transform(s2);
  }

  private Mono<LedgerSnapshot> sink(Flux<Outcome<Item>> flow) {
    return LedgerSink.settle(flow, ledger, o -> {
      if (o instanceof Outcome.Ok<Item> ok) {
        delivered.add(ok.value().seq());
      }
    });
  }

  @Test
  void cancellingMidStreamSettlesEverythingInFlight() {
    Disposable run = sink(pipeline(admission(ShedPolicy.DROP_OLDEST))).subscribe();
    vts.advanceTimeBy(Duration.ofMillis(503));
    LedgerSnapshot before = ledger.snapshot();
    assertThat(before.inFlight()).as("work was in flight when cancelled").isPositive();

    run.dispose();
    vts.advanceTimeBy(Duration.ofSeconds(1));

    LedgerSnapshot s = ledger.snapshot();
    assertThat(s.balanced()).as("%s", s).isTrue();
    assertThat(s.inFlight()).isZero();
    assertThat(s.offered()).isEqualTo(before.offered());
    assertThat(s.shed(Admission.CANCELLED)).isEqualTo(before.inFlight()).isEqualTo(shedCancelled.size());
    assertThat(s.completed()).isEqualTo(delivered.size());
    // Nothing lost: each offered item was delivered, shed as overflow, or shed on cancel, exactly once.
    assertThat(s.completed() + s.shed("drop-oldest") + s.shed(Admission.CANCELLED)).isEqualTo(s.offered());
    assertThat(shedCancelled).doesNotHaveDuplicates().doesNotContainAnyElementsOf(delivered);
  }

  @Test
  void drainStopsAdmittingFinishesWhatIsInFlightThenReports() {
    Admission<Item> admission = admission(ShedPolicy.DROP_NEWEST);
    AtomicReference<LedgerSnapshot> report = new AtomicReference<>();
    sink(pipeline(admission)).subscribe(report::set);
    vts.advanceTimeBy(Duration.ofMillis(1001));
    LedgerSnapshot atDrain = ledger.snapshot();
    assertThat(atDrain.inFlight()).isPositive();

    admission.drain();
    vts.advanceTimeBy(Duration.ofSeconds(2));

    LedgerSnapshot s = report.get();
    assertThat(s).as("report emitted after the drain").isNotNull();
    assertThat(s.offered()).as("nothing admitted after the drain").isEqualTo(atDrain.offered());
    assertThat(s.inFlight()).isZero();
    assertThat(s.balanced()).isTrue();
    assertThat(s.shed(Admission.CANCELLED)).isZero();
    assertThat(s.completed()).isEqualTo(atDrain.completed() + atDrain.inFlight());
    assertThat(delivered).hasSize((int) s.completed()).isSorted();
  }

  @Test
  void drainWithBlockCompletesEveryAdmittedItem() {
    Admission<Item> admission = admission(ShedPolicy.BLOCK);
    AtomicReference<LedgerSnapshot> report = new AtomicReference<>();
    Flux<Item> replay = Flux.range(0, 1_000_000).map(i -> new Item(i, vts.now(TimeUnit.NANOSECONDS)));
    OrderedStage<Item, Item> s1 = OrderedStage.async("s1", List.of(0),
        (Work<Integer, Item> w) -> Mono.delay(Duration.ofMillis(3), vts).thenReturn(w.item()), vts);
    sink(replay.transform(admission).transform(s1)).subscribe(report::set);
    vts.advanceTimeBy(Duration.ofMillis(300));
    admission.drain();
    vts.advanceTimeBy(Duration.ofSeconds(1));

    LedgerSnapshot s = report.get();
    assertThat(s).isNotNull();
    assertThat(s.shed()).isZero();
    assertThat(s.completed()).isEqualTo(s.offered());
    // Request-ahead is bounded by the capacity: the replay was not read far ahead of the stage.
    assertThat(s.offered()).isBetween(100L, 100L + 32 + 1);
  }
}
