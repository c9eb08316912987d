package io.splitstream.operators;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/** Replicas completing on real threads: order, worker exclusivity and the ledger hold. */
class OrderedStageThreadsTest {

  @Test
  void workersAreNeverSharedAndOrderHoldsAcrossThreads() {
    Scheduler pool = Schedulers.newParallel("replica", 4);
    try {
      Ledger ledger = new Ledger();
      int workers = 4;
      AtomicInteger[] inUse = new AtomicInteger[workers];
      List<Integer> ids = new ArrayList<>();
      for (int i = 0; i < workers; i++) {
        inUse[i] = new AtomicInteger();
        ids.add(i);
      }
      AtomicInteger overlaps = new AtomicInteger();
      OrderedStage<Item, Item> stage = OrderedStage.async("threads", ids, (Work<Integer, Item> w) -> {
            if (inUse[w.workerIndex()].incrementAndGet() != 1) {
              overlaps.incrementAndGet();
            }
            return Mono.fromCallable(() -> {
                  inUse[w.workerIndex()].decrementAndGet();
                  if (w.item().seq() % 97 == 0) {
                    throw new IllegalStateException("flaky");
                  }
                  return w.item();
                })
                .subscribeOn(pool);
          }, Schedulers.parallel())
          .withWindow(12);
      Admission<Item> admission =
          Admission.of(ShedPolicy.BLOCK, 32, ledger, Item::captureNanos, Schedulers.parallel(), (i, r) -> {});
      List<Long> seqs = new ArrayList<>();
      LedgerSnapshot report = LedgerSink.settle(
              Flux.range(0, 20_000).map(i -> new Item(i, 0)).transform(admission).transform(stage),
              ledger,
              o -> seqs.add(o instanceof Outcome.Ok<Item> ok ? ok.value().seq() : ((Item) ((Outcome.Failed<Item>) o).item()).seq()))
          .block(Duration.ofMinutes(1));

      assertThat(overlaps.get()).isZero();
      assertThat(seqs).hasSize(20_000).isSorted().doesNotHaveDuplicates();
      assertThat(report.completed()).isEqualTo(20_000 - 207);
      assertThat(report.failed("IllegalStateException")).isEqualTo(207);
      assertThat(report.balanced()).isTrue();
      assertThat(report.inFlight()).isZero();
      assertThat(stage.busyWorkers()).isZero();
    } finally {
      pool.dispose();
    }
  }
}
