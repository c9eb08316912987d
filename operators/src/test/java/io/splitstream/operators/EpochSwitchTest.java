package io.splitstream.operators;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

class EpochSwitchTest {
  private final VirtualTimeScheduler vts = VirtualTimeScheduler.create();
  private final Ledger ledger = new Ledger();
  private final List<String> outputs = new ArrayList<>();
  private final List<long[]> starts = new ArrayList<>(); // {plan, startedNanos}
  private final List<long[]> ends = new ArrayList<>();

  /** A two-stage chain of one plan: tags each item with the plan's letter. */
  private Function<Flux<Outcome<Item>>, Flux<Outcome<String>>> plan(char letter, Duration service) {
    OrderedStage<Item, Item> first = OrderedStage.async("first-" + letter, List.of(0, 1), (Work<Integer, Item> w) -> {
      starts.add(new long[] {letter, w.startedNanos()});
      return Mono.delay(service, vts).thenReturn(w.item());
    }, vts);
    OrderedStage<Item, String> second = OrderedStage.async("second-" + letter, List.of(0),
        (Work<Integer, Item> w) -> Mono.delay(Duration.ofMillis(3), vts)
            .map(x -> {
              ends.add(new long[] {letter, vts.now(TimeUnit.NANOSECONDS)});
              return letter + ":" + w.item().seq();
            }),
        vts);
    return f -> f.transform(first).transform(second);
  }

  private AtomicReference<LedgerSnapshot> run(EpochSwitch<Item, String> epochs, Admission<Item> admission) {
    Flux<Item> live = Flux.interval(Duration.ofMillis(5), vts).map(i -> new Item(i, vts.now(TimeUnit.NANOSECONDS)));
    AtomicReference<LedgerSnapshot> report = new AtomicReference<>();
    LedgerSink.settle(live.transform(admission).transform(epochs), ledger, o -> {
          assertThat(o.isOk()).isTrue();
          outputs.add(((Outcome.Ok<String>) o).value());
        })
        .subscribe(report::set);
    return report;
  }

  private Admission<Item> admission() {
    return Admission.of(ShedPolicy.DROP_OLDEST, 1000, ledger, Item::captureNanos, vts, (i, r) -> {});
  }

  @Test
  void drainingSwitchLosesAndReordersNothingAndNeverOverlaps() {
    EpochSwitch<Item, String> epochs = EpochSwitch.draining(plan('a', Duration.ofMillis(8)));
    Admission<Item> admission = admission();
    AtomicReference<LedgerSnapshot> report = run(epochs, admission);
    vts.advanceTimeBy(Duration.ofMillis(502));
    assertThat(epochs.switchTo(plan('b', Duration.ofMillis(4))).number()).isEqualTo(1);
    vts.advanceTimeBy(Duration.ofMillis(500));
    admission.drain();
    vts.advanceTimeBy(Duration.ofSeconds(1));

    assertNothingLostOrReordered(report.get());
    long lastEndA = ends.stream().filter(e -> e[0] == 'a').mapToLong(e -> e[1]).max().orElseThrow();
    long firstStartB = starts.stream().filter(s -> s[0] == 'b').mapToLong(s -> s[1]).min().orElseThrow();
    assertThat(firstStartB).isGreaterThanOrEqualTo(lastEndA);
  }

  @Test
  void overlappingSwitchStartsTheNewPlanBeforeTheOldOneHasFinished() {
    EpochSwitch<Item, String> epochs = EpochSwitch.overlapping(plan('a', Duration.ofMillis(8)));
    Admission<Item> admission = admission();
    AtomicReference<LedgerSnapshot> report = run(epochs, admission);
    vts.advanceTimeBy(Duration.ofMillis(502));
    epochs.switchTo(plan('b', Duration.ofMillis(4)));
    vts.advanceTimeBy(Duration.ofMillis(500));
    admission.drain();
    vts.advanceTimeBy(Duration.ofSeconds(1));

    assertNothingLostOrReordered(report.get());
    long lastEndA = ends.stream().filter(e -> e[0] == 'a').mapToLong(e -> e[1]).max().orElseThrow();
    long firstStartB = starts.stream().filter(s -> s[0] == 'b').mapToLong(s -> s[1]).min().orElseThrow();
    assertThat(firstStartB).isLessThan(lastEndA);
  }

  private void assertNothingLostOrReordered(LedgerSnapshot s) {
    assertThat(s).as("report after drain").isNotNull();
    assertThat(s.shed()).isZero();
    assertThat(s.completed()).isEqualTo(s.offered()).isEqualTo(outputs.size());
    List<Long> seqs = outputs.stream().map(o -> Long.parseLong(o.substring(2))).toList();
    assertThat(seqs).isSorted().doesNotHaveDuplicates();
    assertThat(seqs.get(seqs.size() - 1)).isEqualTo(seqs.size() - 1);
    // One switch: all of plan a, then all of plan b.
    String letters = outputs.stream().map(o -> o.substring(0, 1)).reduce("", String::concat);
    assertThat(letters).matches("a+b+");
  }
}
