package io.splitstream.devices.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.splitstream.devices.tensor.TensorMap;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Races runs against a close on real threads, for the close/run checks of every session and
 * loaded segment: each run must either complete with correct outputs or throw
 * {@link IllegalStateException} naming the segment and saying it is closed; anything else (a
 * native error, a NullPointerException, wrong outputs) is collected as a failure. A JVM crash fails
 * the whole test run, which is the point.
 */
public final class CloseRace {
  /** How a race went: runs that completed, runs refused as closed, and everything else. */
  public record Outcome(int completed, int refused, List<Throwable> unexpected) {}

  private static final int MAX_RUNS_PER_THREAD = 100_000;

  private CloseRace() {}

  /**
   * {@code threads} threads call {@code run} in a loop; once each has completed one run, {@code
   * close} is called from this thread. Each thread stops at its first refusal.
   *
   * @param check throws an AssertionError when outputs are wrong
   * @param label what the refusal message must name
   */
  public static Outcome runsAgainstClose(int threads, Supplier<TensorMap> run, Consumer<TensorMap> check,
      Runnable close, String label) throws InterruptedException {
    CountDownLatch warmed = new CountDownLatch(threads);
    AtomicInteger completed = new AtomicInteger();
    AtomicInteger refused = new AtomicInteger();
    List<Throwable> unexpected = Collections.synchronizedList(new ArrayList<>());
    List<Thread> runners = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread runner = new Thread(() -> {
        boolean first = true;
        try {
          for (int i = 0; i < MAX_RUNS_PER_THREAD; i++) {
            TensorMap out;
            try {
              out = run.get();
            } catch (IllegalStateException e) {
              if (String.valueOf(e.getMessage()).contains(label) && e.getMessage().contains("closed")) {
                refused.incrementAndGet();
              } else {
                unexpected.add(e);
              }
              return;
            }
            check.accept(out);
            completed.incrementAndGet();
            if (first) {
              first = false;
              warmed.countDown();
            }
          }
          unexpected.add(new AssertionError("runs went on after close: " + MAX_RUNS_PER_THREAD + " runs"));
        } catch (Throwable e) {
          unexpected.add(e);
        } finally {
          if (first) {
            warmed.countDown();
          }
        }
      }, "close-race-runner-" + t);
      runner.start();
      runners.add(runner);
    }
    if (!warmed.await(60, TimeUnit.SECONDS)) {
      fail("runners did not complete a first run within 60 s");
    }
    close.run();
    for (Thread r : runners) {
      r.join(TimeUnit.SECONDS.toMillis(60));
      assertThat(r.isAlive()).as("runner %s stopped after close", r.getName()).isFalse();
    }
    return new Outcome(completed.get(), refused.get(), List.copyOf(unexpected));
  }

  /** Calls {@code close} from {@code threads} threads released at once; returns what they threw. */
  public static List<Throwable> closeAtOnce(int threads, Runnable close) throws InterruptedException {
    CountDownLatch start = new CountDownLatch(1);
    List<Throwable> thrown = Collections.synchronizedList(new ArrayList<>());
    List<Thread> closers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread closer = new Thread(() -> {
        try {
          start.await();
          close.run();
        } catch (Throwable e) {
          thrown.add(e);
        }
      }, "close-race-closer-" + t);
      closer.start();
      closers.add(closer);
    }
    start.countDown();
    for (Thread c : closers) {
      c.join(TimeUnit.SECONDS.toMillis(60));
      assertThat(c.isAlive()).as("closer %s returned", c.getName()).isFalse();
    }
    return List.copyOf(thrown);
  }

  /**
   * Waits until {@code thread} is parked (waiting on a lock or a latch) or has ended, and says
   * whether it ended. Polls thread state: no sleep, no timing assumption.
   */
  public static boolean parksOrEnds(Thread thread) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      Thread.State s = thread.getState();
      if (s == Thread.State.TERMINATED) {
        return true;
      }
      if (s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING || s == Thread.State.BLOCKED) {
        return false;
      }
      Thread.onSpinWait();
    }
    throw new AssertionError(thread.getName() + " neither parked nor ended within 30 s");
  }
}
