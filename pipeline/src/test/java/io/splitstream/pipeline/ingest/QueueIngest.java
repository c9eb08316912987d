package io.splitstream.pipeline.ingest;

import io.splitstream.devices.model.TensorSpec;
import io.splitstream.devices.tensor.ElementType;
import io.splitstream.devices.tensor.TensorMap;
import io.splitstream.pipeline.frame.Frame;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongUnaryOperator;
import reactor.core.scheduler.Scheduler;

/**
 * A test system under test: one server, first come first served, each frame taking the service
 * time {@code service} gives for its sequence number, on {@code clock} (virtual or real). With
 * {@link #hold()}, frames wait until {@link #release(int)} lets them through: a pipeline as slow as
 * the test says, without sleeping.
 */
public final class QueueIngest implements Ingest {
  public static final TensorSpec INPUT = new TensorSpec("x", ElementType.FLOAT32, List.of(1L, 4L));

  private final TensorSpec input;
  private final Scheduler clock;
  private final Scheduler.Worker worker;
  private final LongUnaryOperator service;
  private long busyUntil = Long.MIN_VALUE;
  private boolean held;
  private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
  private final AtomicLong submitted = new AtomicLong();
  private final AtomicLong answered = new AtomicLong();
  private volatile boolean completed;

  public QueueIngest(Scheduler clock, LongUnaryOperator serviceNanosBySeq) {
    this(clock, serviceNanosBySeq, INPUT);
  }

  /** One that takes frames of {@code input} (the input of the model another worker of a group runs). */
  public QueueIngest(Scheduler clock, LongUnaryOperator serviceNanosBySeq, TensorSpec input) {
    this.input = input;
    this.clock = clock;
    this.worker = clock.createWorker(); // one worker: completions keep their order
    this.service = serviceNanosBySeq;
  }

  /** From now on frames wait for {@link #release}. */
  public synchronized QueueIngest hold() {
    held = true;
    return this;
  }

  /** Lets {@code n} waiting frames through (at once, in order). */
  public void release(int n) {
    for (int i = 0; i < n; i++) {
      Runnable r;
      synchronized (this) {
        r = waiting.poll();
      }
      if (r == null) {
        return;
      }
      r.run();
    }
  }

  public synchronized int waiting() {
    return waiting.size();
  }

  /** Completes once {@code n} frames wait (held), at once if they do already. */
  public synchronized java.util.concurrent.CompletableFuture<Void> whenWaiting(int n) {
    java.util.concurrent.CompletableFuture<Void> f = new java.util.concurrent.CompletableFuture<>();
    if (waiting.size() >= n) {
      f.complete(null);
    } else {
      watchers.add(java.util.Map.entry(n, f));
    }
    return f;
  }

  private final java.util.List<java.util.Map.Entry<Integer, java.util.concurrent.CompletableFuture<Void>>> watchers =
      new java.util.ArrayList<>();

  @Override
  public TensorSpec input() {
    return input;
  }

  @Override
  public Scheduler clock() {
    return clock;
  }

  @Override
  public String description() {
    return "a test queue";
  }

  @Override
  public void submit(Frame frame, Consumer<IngestResult> done) {
    submitted.incrementAndGet();
    Runnable finish = () -> {
      answered.incrementAndGet();
      done.accept(new IngestResult(frame.streamId(), frame.seq(), IngestResult.Status.COMPLETED, "", frame.tensors(),
          clock.now(TimeUnit.NANOSECONDS)));
    };
    synchronized (this) {
      if (held) {
        waiting.add(finish);
        watchers.removeIf(w -> {
          if (waiting.size() >= w.getKey()) {
            w.getValue().complete(null);
            return true;
          }
          return false;
        });
        return;
      }
      long now = clock.now(TimeUnit.NANOSECONDS);
      long start = Math.max(now, busyUntil);
      busyUntil = start + service.applyAsLong(frame.seq());
      worker.schedule(finish, busyUntil - now, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public void complete() {
    completed = true;
  }

  @Override
  public String audit() {
    return "test audit: " + submitted.get() + " submitted, " + answered.get() + " answered";
  }

  @Override
  public boolean auditPassed() {
    return completed && submitted.get() == answered.get();
  }

  @Override
  public void close() {
    worker.dispose();
  }

  /** A tensor of the test input. */
  public static TensorMap sample() {
    return TensorMap.of(INPUT.name(), io.splitstream.devices.tensor.Tensor.zeros(INPUT.type(), INPUT.shapeArray()));
  }
}
