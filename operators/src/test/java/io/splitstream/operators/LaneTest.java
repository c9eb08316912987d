package io.splitstream.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.splitstream.operators.time.SimulatedTime;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/** The lane's contract: one job at a time, FIFO, timing, errors, cancellation, threads. */
class LaneTest {
  private static final long MS = 1_000_000L;
  private final SimulatedTime time = new SimulatedTime();
  private final Lane lane = Lane.of("npu0", time);

  private Mono<Lane.Served<String>> tenMs(String tag) {
    return lane.submit(() -> Mono.delay(Duration.ofMillis(10), time).thenReturn(tag));
  }

  @Test
  void independentSubmittersShareOneJobAtATimeInSubmissionOrder() {
    // Two streams submit 10 ms jobs at their own pace: A at 0, 3, 6, 9, 12 ms; B at 1, 5, 9, 13, 17 ms.
    Flux<Lane.Served<String>> a = Flux.interval(Duration.ZERO, Duration.ofMillis(3), time).take(5)
        .flatMap(i -> tenMs("a" + i));
    Flux<Lane.Served<String>> b = Flux.interval(Duration.ofMillis(1), Duration.ofMillis(4), time).take(5)
        .flatMap(i -> tenMs("b" + i));
    List<Lane.Served<String>> served = new ArrayList<>();
    Flux.merge(a, b).subscribe(served::add);
    time.run();

    assertThat(served).hasSize(10);
    served.sort(Comparator.comparingLong(Lane.Served::startedNanos));
    for (int i = 1; i < served.size(); i++) {
      assertThat(served.get(i).startedNanos()).as("start of %s", served.get(i).value())
          .isGreaterThanOrEqualTo(served.get(i - 1).endedNanos());
    }
    // FIFO: start order equals enqueue order (at 9 ms B's tick was scheduled first), and the lane
    // never idles while work waits.
    assertThat(served).isSortedAccordingTo(Comparator.comparingLong(Lane.Served::enqueuedNanos));
    assertThat(served).extracting(Lane.Served::value)
        .containsExactly("a0", "b0", "a1", "b1", "a2", "b2", "a3", "a4", "b3", "b4");
    assertThat(served).extracting(Lane.Served::serviceNanos).containsOnly(10 * MS);
    assertThat(time.nowNanos()).isEqualTo(100 * MS);
    assertThat(lane.busyNanos()).isEqualTo(100 * MS);
    assertThat(lane.served()).isEqualTo(10);
    assertThat(lane.busy()).isFalse();
    assertThat(lane.queued()).isZero();
  }

  @Test
  void queueWaitIsNotCountedAsService() {
    List<Lane.Served<String>> served = new ArrayList<>();
    for (String tag : List.of("x", "y", "z")) {
      tenMs(tag).subscribe(served::add);
    }
    time.runUntil(15 * MS);
    assertThat(lane.busy()).isTrue();
    assertThat(lane.queued()).isEqualTo(1);
    assertThat(lane.busyNanos()).isEqualTo(15 * MS); // the running job counts up to now
    time.run();

    Lane.Served<String> z = served.get(2);
    assertThat(z.value()).isEqualTo("z");
    assertThat(z.queueNanos()).isEqualTo(20 * MS);
    assertThat(z.serviceNanos()).isEqualTo(10 * MS);
    assertThat(lane.busyNanos()).isEqualTo(30 * MS); // not 30 + 10 + 20 of waiting

    // Idle time is not service either.
    time.runFor(Duration.ofMillis(50));
    tenMs("later").subscribe(served::add);
    time.run();
    assertThat(served.get(3).startedNanos()).isEqualTo(80 * MS);
    assertThat(lane.busyNanos()).isEqualTo(40 * MS);
  }

  @Test
  void timesAreReadFromTheGivenClock() {
    SimulatedTime late = new SimulatedTime(5_000 * MS);
    Lane l = Lane.of("gpu", late);
    AtomicReference<Lane.Served<Integer>> out = new AtomicReference<>();
    l.submit(() -> Mono.delay(Duration.ofMillis(7), late).thenReturn(1)).subscribe(out::set);
    late.run();
    assertThat(out.get()).isEqualTo(new Lane.Served<>(1, 5_000 * MS, 5_000 * MS, 5_007 * MS));
  }

  @Test
  void nothingIsQueuedUntilSubscribed() {
    AtomicInteger calls = new AtomicInteger();
    Mono<Lane.Served<Integer>> lazy = lane.submit(() -> Mono.fromCallable(calls::incrementAndGet));
    assertThat(lane.queued()).isZero();
    assertThat(calls.get()).isZero();
    assertThat(lazy.block().value()).isEqualTo(1);
    assertThat(lazy.block().value()).isEqualTo(2); // each subscription queues the job once
  }

  @Test
  void anErrorFreesTheLaneAndIsPassedOnUnwrapped() {
    IOException boom = new IOException("device lost");
    AtomicReference<Throwable> error = new AtomicReference<>();
    List<Lane.Served<String>> served = new ArrayList<>();
    lane.submit(() -> Mono.delay(Duration.ofMillis(4), time).then(Mono.<String>error(boom)))
        .subscribe(s -> {}, error::set);
    tenMs("next").subscribe(served::add);
    time.run();

    assertThat(error.get()).isSameAs(boom);
    assertThat(served).singleElement().satisfies(s -> assertThat(s.startedNanos()).isEqualTo(4 * MS));
    assertThat(lane.served()).isEqualTo(2);
    assertThat(lane.busyNanos()).isEqualTo(14 * MS);
  }

  @Test
  void anEmptyJobFailsWithNoSuchElementNamingTheLane() {
    AtomicReference<Throwable> error = new AtomicReference<>();
    lane.submit(Mono::empty).subscribe(s -> {}, error::set);
    assertThat(error.get()).isInstanceOf(NoSuchElementException.class).hasMessageContaining("npu0");
    assertThat(lane.busy()).isFalse();
    assertThat(lane.served()).isEqualTo(1);
  }

  @Test
  void aThrowingOrNullSupplierFailsThatSubmissionOnly() {
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    AtomicReference<Throwable> nulled = new AtomicReference<>();
    List<Lane.Served<String>> served = new ArrayList<>();
    tenMs("first").subscribe(served::add);
    lane.<String>submit(() -> {
      throw new IllegalStateException("no model loaded");
    }).subscribe(s -> {}, thrown::set);
    lane.<String>submit(() -> null).subscribe(s -> {}, nulled::set);
    tenMs("last").subscribe(served::add);
    time.run();

    assertThat(thrown.get()).isInstanceOf(IllegalStateException.class).hasMessage("no model loaded");
    assertThat(nulled.get()).isInstanceOf(NullPointerException.class).hasMessageContaining("npu0");
    assertThat(served).extracting(Lane.Served::value).containsExactly("first", "last");
    assertThat(served.get(1).startedNanos()).isEqualTo(10 * MS);
    assertThat(lane.served()).isEqualTo(4);
  }

  @Test
  void cancellingAQueuedSubmissionRemovesItWithoutRunningIt() {
    AtomicInteger calls = new AtomicInteger();
    List<Lane.Served<String>> served = new ArrayList<>();
    tenMs("head").subscribe(served::add);
    Disposable queued = lane.submit(() -> {
      calls.incrementAndGet();
      return Mono.just("never");
    }).subscribe();
    tenMs("tail").subscribe(served::add);
    assertThat(lane.queued()).isEqualTo(2);
    queued.dispose();
    assertThat(lane.queued()).isEqualTo(1);
    time.run();

    assertThat(calls.get()).isZero();
    assertThat(served).extracting(Lane.Served::value).containsExactly("head", "tail");
    assertThat(served.get(1).startedNanos()).isEqualTo(10 * MS);
    assertThat(lane.served()).isEqualTo(2);
  }

  @Test
  void cancellingARunningJobCancelsItAndFreesTheLane() {
    AtomicBoolean jobCancelled = new AtomicBoolean();
    List<Lane.Served<String>> served = new ArrayList<>();
    Disposable running = lane.submit(() -> Mono.delay(Duration.ofMillis(100), time)
            .thenReturn("slow")
            .doOnCancel(() -> jobCancelled.set(true)))
        .subscribe(served::add);
    tenMs("next").subscribe(served::add);
    time.runUntil(10 * MS);
    running.dispose();
    assertThat(jobCancelled.get()).isTrue();
    time.run();

    assertThat(served).extracting(Lane.Served::value).containsExactly("next");
    assertThat(served.get(0).startedNanos()).isEqualTo(10 * MS);
    assertThat(lane.busyNanos()).isEqualTo(20 * MS); // 10 ms of the cancelled job, 10 of the next
    assertThat(lane.served()).isEqualTo(2);
  }

  @Test
  void manySynchronousJobsRunInALoopNotByRecursion() {
    Sinks.One<String> gate = Sinks.one();
    lane.submit(gate::asMono).subscribe();
    int n = 100_000;
    AtomicInteger done = new AtomicInteger();
    AtomicInteger minDepth = new AtomicInteger(Integer.MAX_VALUE);
    AtomicInteger maxDepth = new AtomicInteger();
    for (int i = 0; i < n; i++) {
      boolean sample = i % 1000 == 0;
      lane.submit(() -> {
        if (sample) {
          int depth = Thread.currentThread().getStackTrace().length;
          minDepth.accumulateAndGet(depth, Math::min);
          maxDepth.accumulateAndGet(depth, Math::max);
        }
        return Mono.just(1);
      }).subscribe(s -> done.incrementAndGet());
    }
    assertThat(lane.queued()).isEqualTo(n);

    gate.tryEmitValue("open"); // every queued job now completes synchronously on this thread
    assertThat(done.get()).isEqualTo(n);
    assertThat(maxDepth.get() - minDepth.get()).as("stack growth over %d jobs", n).isLessThan(10);
    assertThat(lane.queued()).isZero();
    assertThat(lane.busy()).isFalse();
  }

  @Test
  void theNextJobStartsOnTheThreadThatEndedThePreviousOne() throws Exception {
    Sinks.One<String> gate = Sinks.one();
    AtomicReference<Thread> firstStartedOn = new AtomicReference<>();
    AtomicReference<Thread> secondStartedOn = new AtomicReference<>();
    lane.submit(() -> {
      firstStartedOn.set(Thread.currentThread());
      return gate.asMono();
    }).subscribe();
    lane.submit(() -> {
      secondStartedOn.set(Thread.currentThread());
      return Mono.just("b");
    }).subscribe();
    assertThat(firstStartedOn.get()).isSameAs(Thread.currentThread()); // idle lane: the submitter's
    assertThat(secondStartedOn.get()).isNull();

    Thread ender = new Thread(() -> gate.tryEmitValue("a"), "ender");
    ender.start();
    ender.join();
    assertThat(secondStartedOn.get()).isSameAs(ender);
  }

  @Test
  void rejectsABlankName() {
    assertThatThrownBy(() -> Lane.of(" ", time))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("lane name");
  }
}
