package io.splitstream.operators;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * A live source at 1000 items/s (10x what one 10 ms worker sustains) for 10 virtual seconds, under
 * each shed policy: order is kept, the ledger balances, and what is shed is counted by reason.
 */
class BurstTest {
  private static final Duration SERVICE = Duration.ofMillis(10);
  private static final int OFFERED = 10_000;

  private final VirtualTimeScheduler vts = VirtualTimeScheduler.create();
  private final Ledger ledger = new Ledger();
  private final List<Long> delivered = new ArrayList<>();
  private final List<String> shedAtAdmission = new ArrayList<>();
  private final AtomicReference<LedgerSnapshot> report = new AtomicReference<>();
  private Admission<Item> admission;

  private Flux<Item> liveSource() {
    return Flux.interval(Duration.ofMillis(1), vts)
        .take(OFFERED)
        .map(i -> new Item(i, vts.now(TimeUnit.NANOSECONDS)));
  }

  private void run(Flux<Item> source, ShedPolicy policy, int capacity) {
    admission =
        Admission.of(policy, capacity, ledger, Item::captureNanos, vts, (item, reason) -> shedAtAdmission.add(reason));
    OrderedStage<Item, Item> stage = OrderedStage.async(
        "compute", List.of("w0"), (Work<String, Item> w) -> Mono.delay(SERVICE, vts).thenReturn(w.item()), vts);
    if (policy instanceof ShedPolicy.Deadline d) {
      stage = stage.withDeadline(d, Item::captureNanos);
    }
    LedgerSink.settle(source.transform(admission).transform(stage), ledger, o -> {
          if (o instanceof Outcome.Ok<Item> ok) {
            delivered.add(ok.value().seq());
          }
        })
        .subscribe(report::set);
  }

  @Test
  void dropOldestShedsTheExcessAndKeepsOrder() {
    run(liveSource(), ShedPolicy.DROP_OLDEST, 16);
    for (int second = 0; second < 10; second++) {
      vts.advanceTimeBy(Duration.ofSeconds(1));
      // Memory stays bounded under the burst: the buffer is full but never above its capacity.
      assertThat(admission.queued()).isEqualTo(16);
      assertThat(ledger.snapshot().inFlight()).isLessThanOrEqualTo(16 + 1);
    }
    vts.advanceTimeBy(Duration.ofSeconds(1));
    assertThat(admission.queued()).isZero();

    LedgerSnapshot s = report.get();
    assertThat(s).as("report after the flow completed").isNotNull();
    assertBalancedAndEmpty(s);
    assertThat(s.offered()).isEqualTo(OFFERED);
    assertThat(s.shedByReason()).containsOnlyKeys("drop-oldest");
    assertThat(s.shed("drop-oldest")).isBetween(8_900L, 9_100L);
    assertThat(shedAtAdmission).hasSize((int) s.shed());
    assertThat(delivered).hasSize((int) s.completed()).isSorted().doesNotHaveDuplicates();
    // Dropping the oldest keeps the freshest: the last item offered is among those delivered.
    assertThat(delivered).contains((long) OFFERED - 1);
  }

  @Test
  void dropNewestShedsTheExcessAndKeepsOrder() {
    run(liveSource(), ShedPolicy.DROP_NEWEST, 16);
    vts.advanceTimeBy(Duration.ofSeconds(11));

    LedgerSnapshot s = report.get();
    assertThat(s).isNotNull();
    assertBalancedAndEmpty(s);
    assertThat(s.offered()).isEqualTo(OFFERED);
    assertThat(s.shedByReason()).containsOnlyKeys("drop-newest");
    assertThat(s.shed("drop-newest")).isBetween(8_900L, 9_100L);
    assertThat(delivered).hasSize((int) s.completed()).isSorted().doesNotHaveDuplicates();
    // Dropping the newest keeps what was buffered first: the first 17 items all get through.
    assertThat(delivered.subList(0, 17)).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L, 12L,
        13L, 14L, 15L, 16L);
  }

  @Test
  void deadlineShedsOnlyItemsOlderThanTheBudget() {
    Duration budget = Duration.ofMillis(50);
    List<Long> agesAtStart = new ArrayList<>();
    List<Long> agesWhenShed = new ArrayList<>();
    Admission<Item> admission = Admission.of(
        ShedPolicy.deadline(budget), 100_000, ledger, Item::captureNanos, vts,
        (item, reason) -> agesWhenShed.add(vts.now(TimeUnit.NANOSECONDS) - item.captureNanos()));
    OrderedStage<Item, Item> stage = OrderedStage.<String, Item, Item>async("compute", List.of("w0"), w -> {
          agesAtStart.add(w.startedNanos() - w.item().captureNanos());
          return Mono.delay(SERVICE, vts).thenReturn(w.item());
        }, vts)
        .withDeadline(ShedPolicy.deadline(budget), Item::captureNanos);
    LedgerSink.settle(liveSource().transform(admission).transform(stage), ledger, o -> {
          if (o instanceof Outcome.Ok<Item> ok) {
            delivered.add(ok.value().seq());
          } else if (o instanceof Outcome.Shed<Item> shed) {
            agesWhenShed.add(shed.readyNanos() - ((Item) shed.item()).captureNanos());
          }
        })
        .subscribe(report::set);
    vts.advanceTimeBy(Duration.ofSeconds(11));

    LedgerSnapshot s = report.get();
    assertThat(s).isNotNull();
    assertBalancedAndEmpty(s);
    assertThat(s.offered()).isEqualTo(OFFERED);
    assertThat(s.shedByReason()).containsOnlyKeys("deadline");
    assertThat(s.shed("deadline")).isBetween(8_900L, 9_100L);
    assertThat(agesWhenShed).hasSize((int) s.shed()).allMatch(age -> age > budget.toNanos());
    assertThat(agesAtStart).hasSize((int) s.completed()).allMatch(age -> age <= budget.toNanos());
    assertThat(delivered).isSorted().doesNotHaveDuplicates();
  }

  @Test
  void blockShedsNothingAndSlowsTheSource() {
    // A paced source that waits for demand (file replay): at most 1000 items/s, fewer when slowed.
    Flux<Item> paced = Flux.range(0, OFFERED)
        .concatMap(i -> Mono.delay(Duration.ofMillis(1), vts).thenReturn(i), 1)
        .map(i -> new Item(i, vts.now(TimeUnit.NANOSECONDS)));
    run(paced, ShedPolicy.BLOCK, 16);

    vts.advanceTimeBy(Duration.ofSeconds(10));
    LedgerSnapshot at10s = ledger.snapshot();
    // Unthrottled it would have offered 10,000 by now; held back by the 10 ms stage it offered ~1000.
    assertThat(at10s.offered()).isBetween(990L, 1_030L);
    assertThat(at10s.shed()).isZero();
    assertThat(at10s.balanced()).isTrue();
    assertThat(report.get()).isNull();

    vts.advanceTimeBy(Duration.ofSeconds(95));
    LedgerSnapshot s = report.get();
    assertThat(s).isNotNull();
    assertBalancedAndEmpty(s);
    assertThat(s.offered()).isEqualTo(OFFERED);
    assertThat(s.completed()).isEqualTo(OFFERED);
    assertThat(shedAtAdmission).isEmpty();
    assertThat(delivered).hasSize(OFFERED).isSorted();
  }

  private static void assertBalancedAndEmpty(LedgerSnapshot s) {
    assertThat(s.balanced()).as("balanced: %s", s).isTrue();
    assertThat(s.inFlight()).as("in flight: %s", s).isZero();
    assertThat(s.failed()).isZero();
  }
}
