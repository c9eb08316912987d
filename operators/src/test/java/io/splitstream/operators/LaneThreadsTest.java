package io.splitstream.operators;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/** Submitters and job ends on real threads racing for one lane: still one job at a time. */
class LaneThreadsTest {

  @Test
  void oneJobAtATimeUnderConcurrentSubmitters() throws Exception {
    int threads = 4;
    int perThread = 1000;
    Lane lane = Lane.of("cpu0", Schedulers.parallel());
    Scheduler hop = Schedulers.newParallel("job-end", 2);
    ExecutorService submitters = Executors.newFixedThreadPool(threads);
    AtomicInteger inside = new AtomicInteger();
    AtomicInteger maxInside = new AtomicInteger();
    long[] counter = {0}; // a plain field: only exclusivity (and the lane's lock) keeps it exact
    CountDownLatch done = new CountDownLatch(threads * perThread);
    AtomicInteger failures = new AtomicInteger();
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<Future<?>> fs = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        fs.add(submitters.submit(() -> {
          start.await();
          for (int i = 0; i < perThread; i++) {
            boolean async = i % 10 == 0; // some jobs end on another thread, racing the submitters
            Mono<Long> body = Mono.fromCallable(() -> {
              maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
              long v = ++counter[0];
              inside.decrementAndGet();
              return v;
            });
            lane.submit(() -> async ? body.subscribeOn(hop) : body)
                .subscribe(s -> done.countDown(), e -> {
                  failures.incrementAndGet();
                  done.countDown();
                });
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : fs) {
        f.get(1, TimeUnit.MINUTES);
      }
      assertThat(done.await(1, TimeUnit.MINUTES)).as("all jobs served").isTrue();
    } finally {
      submitters.shutdownNow();
      hop.dispose();
    }
    assertThat(failures.get()).isZero();
    assertThat(maxInside.get()).isEqualTo(1);
    assertThat(counter[0]).isEqualTo((long) threads * perThread);
    assertThat(lane.served()).isEqualTo((long) threads * perThread);
    assertThat(lane.queued()).isZero();
    assertThat(lane.busy()).isFalse();
  }
}
