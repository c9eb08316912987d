package io.splitstream.devices.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.splitstream.devices.model.Segment;
import io.splitstream.devices.ort.OnnxRuntimeProcessor;
import io.splitstream.devices.tensor.TensorMap;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A measured segment's close waits for the run in flight and frees the backend once. */
class MeasuredSegmentTest {
  private final Processor processor = OnnxRuntimeProcessor.cpu("cpu", 1);
  private final Segment segment = TinyOnnx.convReluAdd();
  private final TensorMap inputs = ProcessorContract.randomInputs(segment, 1);
  private final Set<LoadedSegment> registry = ConcurrentHashMap.newKeySet();
  private final AtomicInteger releases = new AtomicInteger();

  @AfterEach
  void closeProcessor() {
    processor.close();
  }

  private MeasuredSegment measured(Function<TensorMap, TensorMap> compute, Runnable release) {
    return new MeasuredSegment(segment, processor, Duration.ZERO, compute, release, registry);
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Test
  void closeWaitsForTheRunInFlightAndLaterRunsAreRefused() throws InterruptedException {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch finish = new CountDownLatch(1);
    MeasuredSegment m = measured(in -> {
      entered.countDown();
      await(finish);
      assertThat(releases).as("released under a running call").hasValue(0);
      return in;
    }, releases::incrementAndGet);
    AtomicReference<Execution> result = new AtomicReference<>();
    Thread runner = new Thread(() -> result.set(m.run(inputs)));
    runner.start();
    await(entered);
    Thread closer = new Thread(m::close);
    closer.start();
    boolean closedUnderTheRun = CloseRace.parksOrEnds(closer);
    assertThat(closedUnderTheRun).as("close returned while the run was in flight").isFalse();
    assertThat(releases).hasValue(0);
    finish.countDown();
    runner.join();
    closer.join();
    assertThat(result.get().outputs()).isSameAs(inputs);
    assertThat(releases).hasValue(1);
    assertThat(registry).isEmpty();
    assertThatThrownBy(() -> m.run(inputs)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(segment.label()).hasMessageContaining("closed").hasMessageContaining("'cpu'");
  }

  @Test
  void closeFromEightThreadsFreesOnceAndNoneReturnsBeforeTheFree() throws InterruptedException {
    CountDownLatch freeing = new CountDownLatch(1);
    CountDownLatch finishFree = new CountDownLatch(1);
    MeasuredSegment m = measured(in -> in, () -> {
      releases.incrementAndGet();
      freeing.countDown();
      await(finishFree);
    });
    Thread first = new Thread(m::close);
    first.start();
    await(freeing);
    Thread[] others = new Thread[7];
    for (int i = 0; i < others.length; i++) {
      others[i] = new Thread(m::close);
      others[i].start();
    }
    for (Thread t : others) {
      assertThat(CloseRace.parksOrEnds(t)).as("a close returned before the segment was freed").isFalse();
    }
    finishFree.countDown();
    first.join();
    for (Thread t : others) {
      t.join();
    }
    assertThat(releases).hasValue(1);
    assertThat(registry).isEmpty();
  }

  @Test
  void closeFromInsideARunIsRefusedRatherThanDeadlocking() {
    AtomicReference<MeasuredSegment> self = new AtomicReference<>();
    MeasuredSegment m = measured(in -> {
      self.get().close();
      return in;
    }, releases::incrementAndGet);
    self.set(m);
    assertThatThrownBy(() -> m.run(inputs)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("inside a run");
    assertThat(releases).hasValue(0);
    m.close();
    assertThat(releases).hasValue(1);
  }
}
