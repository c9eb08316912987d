package io.splitstream.operators;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

class OrderedStageTest {
  private final VirtualTimeScheduler vts = VirtualTimeScheduler.create();
  private final Ledger ledger = new Ledger();

  private Flux<Outcome<Item>> admitted(int n) {
    Admission<Item> admission =
        Admission.of(ShedPolicy.BLOCK, 16, ledger, Item::captureNanos, vts, (item, reason) -> {});
    return Flux.range(0, n).map(i -> new Item(i, vts.now(TimeUnit.NANOSECONDS))).transform(admission);
  }

  private OrderedStage<Item, Item> delayStage(String name, int workers, Duration service) {
    List<Integer> ws = new ArrayList<>();
    for (int i = 0; i < workers; i++) {
      ws.add(i);
    }
    return OrderedStage.async(name, ws, (Work<Integer, Item> w) -> Mono.delay(service, vts).thenReturn(w.item()), vts);
  }

  @Test
  void consecutiveStagesWorkInParallel() {
    Duration tenMs = Duration.ofMillis(10);
    AtomicReference<LedgerSnapshot> report = new AtomicReference<>();
    List<Long> out = new ArrayList<>();
    LedgerSink.settle(
            admitted(100).transform(delayStage("s1", 1, tenMs)).transform(delayStage("s2", 1, tenMs)),
            ledger,
            o -> out.add(((Outcome.Ok<Item>) o).value().seq()))
        .subscribe(report::set);

    // Pipelined: the first item leaves after 20 ms, each next one 10 ms later: 1010 ms, not 2000.
    vts.advanceTimeBy(Duration.ofMillis(1009));
    assertThat(report.get()).isNull();
    assertThat(out).hasSize(99);
    vts.advanceTimeBy(Duration.ofMillis(1));
    assertThat(report.get()).isNotNull();
    assertThat(report.get().completed()).isEqualTo(100);
    assertThat(out).isSorted().hasSize(100);
  }

  @Test
  void aThrowingItemFailsAloneAndKeepsItsPlace() {
    OrderedStage<Item, Item> flaky = OrderedStage.async("flaky", List.of("w"), (Work<String, Item> w) -> {
      if (w.item().seq() % 100 == 42) {
        throw new IllegalStateException("bad input " + w.item().seq());
      }
      if (w.item().seq() == 500) {
        return Mono.error(new ArithmeticException("async failure"));
      }
      return Mono.delay(Duration.ofMillis(1), vts).thenReturn(w.item());
    }, vts);
    OrderedStage<Item, Item> after = delayStage("after", 1, Duration.ofMillis(1));
    List<Long> order = new ArrayList<>();
    List<Long> failedSeqs = new ArrayList<>();
    AtomicReference<LedgerSnapshot> report = new AtomicReference<>();
    LedgerSink.settle(admitted(1000).transform(flaky).transform(after), ledger, o -> {
          if (o instanceof Outcome.Ok<Item> ok) {
            order.add(ok.value().seq());
          } else if (o instanceof Outcome.Failed<Item> f) {
            Item item = (Item) f.item();
            order.add(item.seq());
            failedSeqs.add(item.seq());
            assertThat(f.where()).isEqualTo("flaky");
          }
        })
        .subscribe(report::set);
    vts.advanceTimeBy(Duration.ofSeconds(10));

    LedgerSnapshot s = report.get();
    assertThat(s).isNotNull();
    assertThat(s.failed("IllegalStateException")).isEqualTo(10);
    assertThat(s.failed("ArithmeticException")).isEqualTo(1);
    assertThat(s.completed()).isEqualTo(989);
    assertThat(s.balanced()).isTrue();
    assertThat(s.inFlight()).isZero();
    assertThat(failedSeqs).containsExactly(42L, 142L, 242L, 342L, 442L, 500L, 542L, 642L, 742L, 842L, 942L);
    List<Long> expected = new ArrayList<>();
    for (long i = 0; i < 1000; i++) {
      expected.add(i);
    }
    assertThat(order).isEqualTo(expected);
  }

  @Test
  void anEmptyResultFailsTheItem() {
    OrderedStage<Item, Item> empty = OrderedStage.async("empty", List.of("w"), (Work<String, Item> w) -> Mono.empty(), vts);
    StepVerifier.create(admitted(2).transform(empty))
        .assertNext(o -> assertThat(((Outcome.Failed<Item>) o).cause())
            .isInstanceOf(java.util.NoSuchElementException.class).hasMessageContaining("empty"))
        .expectNextCount(1)
        .verifyComplete();
  }

  @Test
  void replicasKeepOrderAndUseEveryWorker() {
    int workers = 4;
    AtomicInteger running = new AtomicInteger();
    AtomicInteger maxRunning = new AtomicInteger();
    Set<Integer> used = new HashSet<>();
    List<String> names = List.of("npu0", "npu1", "npu2", "npu3");
    OrderedStage<Item, String> replicas = OrderedStage.async("replicas", names, (Work<String, Item> w) -> {
      assertThat(w.worker()).isEqualTo(names.get(w.workerIndex()));
      used.add(w.workerIndex());
      maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
      // Uneven service times so later items often finish before earlier ones.
      Duration service = Duration.ofMillis(5 + (w.item().seq() * 7) % 11);
      return Mono.delay(service, vts).doOnNext(x -> running.decrementAndGet()).thenReturn(w.worker() + ":" + w.item().seq());
    }, vts);
    List<Long> seqs = new ArrayList<>();
    AtomicReference<LedgerSnapshot> report = new AtomicReference<>();
    LedgerSink.settle(admitted(400).transform(replicas), ledger,
            o -> seqs.add(Long.parseLong(((Outcome.Ok<String>) o).value().split(":")[1])))
        .subscribe(report::set);
    vts.advanceTimeBy(Duration.ofSeconds(2));

    assertThat(report.get()).isNotNull();
    assertThat(report.get().completed()).isEqualTo(400);
    assertThat(seqs).hasSize(400).isSorted().doesNotHaveDuplicates();
    assertThat(used).containsExactlyInAnyOrder(0, 1, 2, 3);
    assertThat(maxRunning.get()).isEqualTo(workers);
    assertThat(replicas.busyWorkers()).isZero();
    // Serially 400 items of 5..15 ms take ~4 s; four replicas finish well within 2 s.
  }

  /** Virtual time at which 200 items with uneven service times leave a 4-replica stage. */
  private long finishTimeWithWindow(int window, List<Long> seqs, Set<Integer> used) {
    VirtualTimeScheduler clock = VirtualTimeScheduler.create();
    Ledger l = new Ledger();
    Admission<Item> admission =
        Admission.of(ShedPolicy.BLOCK, 64, l, Item::captureNanos, clock, (item, reason) -> {});
    AtomicInteger running = new AtomicInteger();
    AtomicInteger maxRunning = new AtomicInteger();
    OrderedStage<Item, Item> stage = OrderedStage.async("uneven", List.of(0, 1, 2, 3), (Work<Integer, Item> w) -> {
          used.add(w.workerIndex());
          maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
          // Every fourth item is slow: with a tight window it holds the others' workers idle.
          Duration service = Duration.ofMillis(w.item().seq() % 4 == 0 ? 40 : 10);
          return Mono.delay(service, clock).doOnNext(x -> running.decrementAndGet()).thenReturn(w.item());
        }, clock)
        .withWindow(window);
    AtomicReference<LedgerSnapshot> report = new AtomicReference<>();
    long[] finishedAt = {-1};
    LedgerSink.settle(Flux.range(0, 200).map(i -> new Item(i, 0)).transform(admission).transform(stage), l,
            o -> seqs.add(((Outcome.Ok<Item>) o).value().seq()))
        .subscribe(r -> {
          report.set(r);
          finishedAt[0] = clock.now(TimeUnit.MILLISECONDS);
        });
    clock.advanceTimeBy(Duration.ofSeconds(10));
    assertThat(report.get().completed()).isEqualTo(200);
    assertThat(maxRunning.get()).isLessThanOrEqualTo(4);
    return finishedAt[0];
  }

  @Test
  void aWiderWindowKeepsReplicasBusyBehindASlowItem() {
    List<Long> tightSeqs = new ArrayList<>();
    List<Long> wideSeqs = new ArrayList<>();
    Set<Integer> used = new HashSet<>();
    long tight = finishTimeWithWindow(4, tightSeqs, used);
    long wide = finishTimeWithWindow(16, wideSeqs, used);
    assertThat(tightSeqs).hasSize(200).isSorted();
    assertThat(wideSeqs).hasSize(200).isSorted();
    assertThat(used).containsExactlyInAnyOrder(0, 1, 2, 3);
    // Tight: each group of 4 waits for its 40 ms item: 50 x 40 ms. Wide: work is (40+3x10)/4 per item.
    assertThat(tight).isEqualTo(2000);
    assertThat(wide).isLessThan(tight * 3 / 4);
  }

  @Test
  void aWindowBelowTheWorkerCountIsRejected() {
    OrderedStage<Item, Item> stage = delayStage("s", 3, Duration.ofMillis(1));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> stage.withWindow(2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("window 2 is below its 3 workers");
  }

  @Test
  void cancellingWhileItemsWaitForAWorkerReleasesEveryWorker() {
    OrderedStage<Item, Item> stage = delayStage("w", 2, Duration.ofMillis(10)).withWindow(6);
    AtomicReference<LedgerSnapshot> report = new AtomicReference<>();
    reactor.core.Disposable run = LedgerSink.settle(admitted(100).transform(stage), ledger, o -> {}).subscribe(report::set);
    vts.advanceTimeBy(Duration.ofMillis(15));
    assertThat(stage.busyWorkers()).isEqualTo(2);
    run.dispose();
    assertThat(stage.busyWorkers()).isZero();
    LedgerSnapshot s = ledger.snapshot();
    assertThat(s.inFlight()).isZero();
    assertThat(s.balanced()).isTrue();
    assertThat(s.shed(Admission.CANCELLED)).isPositive();
  }

  @Test
  void blockingWorkRunsOnTheGivenSchedulerAndKeepsOrder() {
    List<String> threads = java.util.Collections.synchronizedList(new ArrayList<>());
    var pool = Schedulers.newBoundedElastic(3, 100, "stage-test");
    try {
      OrderedStage<Item, Long> blocking = OrderedStage.blocking("cpu", List.of(0, 1, 2), (Work<Integer, Item> w) -> {
        threads.add(Thread.currentThread().getName());
        return w.item().seq() * 2;
      }, pool, Schedulers.immediate());
      StepVerifier.create(admitted(50).transform(blocking).map(o -> ((Outcome.Ok<Long>) o).value()))
          .expectNextSequence(Flux.range(0, 50).map(i -> i * 2L).toIterable())
          .verifyComplete();
      assertThat(threads).hasSize(50).allMatch(t -> t.startsWith("stage-test"));
    } finally {
      pool.dispose();
    }
  }

  @Test
  void deadlineAtStageEntryShedsLateItemsButLetsFailedOnesPass() {
    // Items all captured at t=0; one 10 ms worker; budget 25 ms: items 0,1,2 start at 0,10,20 ms.
    OrderedStage<Item, Item> stage = delayStage("late", 1, Duration.ofMillis(10))
        .withDeadline(ShedPolicy.deadline(Duration.ofMillis(25)), Item::captureNanos);
    List<String> kinds = new ArrayList<>();
    LedgerSink.settle(admitted(5).transform(stage), ledger, o -> {
          if (o instanceof Outcome.Shed<Item> s) {
            assertThat(s.reason()).isEqualTo("deadline");
            assertThat(s.where()).isEqualTo("late");
          }
          kinds.add(o.getClass().getSimpleName());
        })
        .subscribe();
    vts.advanceTimeBy(Duration.ofSeconds(1));
    assertThat(kinds).containsExactly("Ok", "Ok", "Ok", "Shed", "Shed");
    assertThat(ledger.snapshot().shed("deadline")).isEqualTo(2);
  }

  @Test
  void timingsSplitQueueWaitFromService() {
    TimingTap tap = new TimingTap();
    List<StageTiming> timings = new ArrayList<>();
    OrderedStage<Item, Item> stage = delayStage("timed", 1, Duration.ofMillis(10))
        .withTiming(t -> {
          timings.add(t);
          tap.accept(t);
        });
    LedgerSink.settle(admitted(3).transform(stage), ledger, o -> {}).subscribe();
    vts.advanceTimeBy(Duration.ofSeconds(1));

    long ms = 1_000_000;
    // All three are ready at t=0; the single worker takes them at 0, 10 and 20 ms.
    assertThat(timings).extracting(StageTiming::queueNanos).containsExactly(0L, 10 * ms, 20 * ms);
    assertThat(timings).extracting(StageTiming::serviceNanos).containsOnly(10 * ms);
    TimingTap.Stats stats = tap.snapshot();
    assertThat(stats.count()).isEqualTo(3);
    assertThat(stats.meanQueueNanos()).isEqualTo(10.0 * ms);
    assertThat(stats.maxQueueNanos()).isEqualTo(20 * ms);
    assertThat(stats.meanServiceNanos()).isEqualTo(10.0 * ms);
  }

  @Test
  void upstreamErrorArrivesAfterTheItemsInTheStage() {
    OrderedStage<Item, Item> stage = delayStage("s", 2, Duration.ofMillis(10));
    Admission<Item> admission =
        Admission.of(ShedPolicy.BLOCK, 4, ledger, Item::captureNanos, vts, (item, reason) -> {});
    Flux<Item> broken = Flux.concat(
        Flux.range(0, 2).map(i -> new Item(i, 0)), Flux.error(new IllegalArgumentException("unreadable file")));
    StepVerifier.withVirtualTime(() -> broken.transform(admission).transform(stage), () -> vts, Long.MAX_VALUE)
        .thenAwait(Duration.ofMillis(10))
        .expectNextCount(2)
        .verifyErrorMessage("unreadable file");
  }
}
