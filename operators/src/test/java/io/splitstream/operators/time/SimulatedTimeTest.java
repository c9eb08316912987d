package io.splitstream.operators.time;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.splitstream.operators.Admission;
import io.splitstream.operators.Ledger;
import io.splitstream.operators.LedgerSink;
import io.splitstream.operators.LedgerSnapshot;
import io.splitstream.operators.OrderedStage;
import io.splitstream.operators.Outcome;
import io.splitstream.operators.ShedPolicy;
import io.splitstream.operators.Work;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

class SimulatedTimeTest {
  private final SimulatedTime time = new SimulatedTime();

  @Test
  void intervalAndDelaysSeeTheExpectedTimestamps() {
    List<Long> stamps = new ArrayList<>();
    Flux.interval(Duration.ofMillis(100), Duration.ofMillis(33), time)
        .take(4)
        .concatMap(i -> Mono.delay(Duration.ofMillis(5), time).thenReturn(i))
        .subscribe(i -> stamps.add(time.now(TimeUnit.MILLISECONDS)));
    time.run();
    // Ticks at 100, 133, 166, 199 ms, each delayed 5 ms.
    assertThat(stamps).containsExactly(105L, 138L, 171L, 204L);
    assertThat(time.nowNanos()).isEqualTo(204_000_000L);
  }

  @Test
  void tasksRunInDueOrderThenInScheduleOrder() {
    List<String> order = new ArrayList<>();
    time.schedule(() -> order.add("b@20"), 20, TimeUnit.MILLISECONDS);
    time.schedule(() -> order.add("a@10"), 10, TimeUnit.MILLISECONDS);
    Scheduler.Worker w = time.createWorker();
    w.schedule(() -> order.add("c@20"), 20, TimeUnit.MILLISECONDS);
    time.schedule(() -> {
      order.add("now");
      time.schedule(() -> order.add("nested@0"));
    });
    assertThat(order).isEmpty();
    assertThat(time.run()).isEqualTo(5);
    assertThat(order).containsExactly("now", "nested@0", "a@10", "b@20", "c@20");
  }

  @Test
  void runUntilStopsAtTheDeadlineAndMovesTheClock() {
    AtomicLong ticks = new AtomicLong();
    Disposable periodic = time.schedulePeriodically(ticks::incrementAndGet, 0, 10, TimeUnit.MILLISECONDS);
    time.runFor(Duration.ofMillis(95));
    assertThat(ticks.get()).isEqualTo(10); // 0, 10, ..., 90
    assertThat(time.now(TimeUnit.MILLISECONDS)).isEqualTo(95);
    periodic.dispose();
    time.runFor(Duration.ofSeconds(1));
    assertThat(ticks.get()).isEqualTo(10);
  }

  @Test
  void disposedWorkersDropTheirTasksAndRejectNewOnes() {
    AtomicLong ran = new AtomicLong();
    Scheduler.Worker w = time.createWorker();
    w.schedule(ran::incrementAndGet, 1, TimeUnit.SECONDS);
    w.dispose();
    time.run();
    assertThat(ran.get()).isZero();
    assertThatThrownBy(() -> w.schedule(ran::incrementAndGet)).isInstanceOf(RejectedExecutionException.class);
    time.dispose();
    assertThatThrownBy(() -> time.schedule(ran::incrementAndGet)).isInstanceOf(RejectedExecutionException.class);
  }

  @Test
  void aFailingTaskStopsTheRunLoudly() {
    time.schedule(() -> {
      throw new IllegalStateException("broken model");
    }, 1, TimeUnit.MILLISECONDS);
    assertThatThrownBy(time::run).hasMessage("broken model");
  }

  @Test
  void aTaskCannotRunTheSchedulerItself() {
    time.schedule(time::run);
    assertThatThrownBy(time::run).isInstanceOf(IllegalStateException.class).hasMessageContaining("already running");
    // The failed run leaves the scheduler usable.
    AtomicLong ran = new AtomicLong();
    time.schedule(ran::incrementAndGet);
    time.run();
    assertThat(ran.get()).isEqualTo(1);
  }

  @Test
  void rejectsAZeroPeriod() {
    assertThatThrownBy(() -> time.schedulePeriodically(() -> {}, 0, 0, TimeUnit.MILLISECONDS))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** One hour of a 30 fps stream through three stages: 108,000 frames, all in virtual time. */
  @Test
  void anHourOfThirtyFpsThroughThreeStages() {
    Ledger ledger = new Ledger();
    long frames = 108_000;
    Flux<long[]> camera = Flux.interval(Duration.ofNanos(1_000_000_000L / 30), time)
        .take(frames)
        .map(i -> new long[] {i, time.nowNanos()});
    Admission<long[]> admission =
        Admission.of(ShedPolicy.DROP_OLDEST, 8, ledger, f -> f[1], time, (f, reason) -> {});
    Flux<Outcome<long[]>> flow = camera.transform(admission);
    long[] serviceMs = {12, 30, 8};
    for (int s = 0; s < 3; s++) {
      Duration service = Duration.ofMillis(serviceMs[s]);
      // Stage 2 (30 ms) needs two replicas to keep up with 33.3 ms arrivals comfortably.
      List<Integer> workers = s == 1 ? List.of(0, 1) : List.of(0);
      flow = flow.transform(OrderedStage.async("s" + s, workers,
          (Work<Integer, long[]> w) -> Mono.delay(service, time).thenReturn(w.item()), time));
    }
    AtomicLong lastSeq = new AtomicLong(-1);
    AtomicLong outOfOrder = new AtomicLong();
    AtomicReference<LedgerSnapshot> report = new AtomicReference<>();
    LedgerSink.settle(flow, ledger, o -> {
          long seq = ((Outcome.Ok<long[]>) o).value()[0];
          if (seq <= lastSeq.getAndSet(seq)) {
            outOfOrder.incrementAndGet();
          }
        })
        .subscribe(report::set);

    long wallStart = System.nanoTime();
    time.run();
    double wallSeconds = (System.nanoTime() - wallStart) / 1e9;

    assertThat(report.get()).isNotNull();
    assertThat(report.get().completed()).isEqualTo(frames);
    assertThat(report.get().balanced()).isTrue();
    assertThat(outOfOrder.get()).isZero();
    assertThat(time.now(TimeUnit.SECONDS)).isEqualTo(3600);
    System.out.printf("simulated %d s (%d tasks) in %.2f s wall%n",
        time.now(TimeUnit.SECONDS), time.executed(), wallSeconds);
  }
}
