package io.splitstream.operators.time;

import java.time.Duration;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;

/**
 * A discrete-event Reactor {@link Scheduler} with a virtual clock, for simulation mode: nothing
 * runs until {@link #run()}, {@link #runUntil(long)} or {@link #runFor(Duration)} is called, and
 * then queued tasks run on the calling thread, earliest due time first (ties in the order they were
 * scheduled), with the clock jumping to each task's due time. An hour of a 30 fps stream through a
 * few stages runs in seconds.
 *
 * <p>Tasks may be scheduled from any thread (the queue is locked), but they only ever run on the
 * thread calling a {@code run} method, one at a time; call {@code run} methods from one thread at a
 * time. The clock never goes backwards. Periodic tasks are re-queued at {@code start + k * period}
 * (no drift), which is what {@code Flux.interval} needs.
 *
 * <p>A task that throws stops the run: the exception propagates out of the {@code run} method, so a
 * broken simulation is never silently wrong. Disposing a task, its worker or this scheduler drops
 * the task(s) without running them; scheduling on a disposed scheduler or worker throws {@link
 * RejectedExecutionException}, as the {@code Scheduler} contract asks.
 */
public final class SimulatedTime implements Scheduler {
  private final PriorityQueue<Task> queue = new PriorityQueue<>();
  private volatile long nowNanos;
  private long sequence;
  private long executed;
  private volatile boolean disposed;
  private boolean running;

  /** A scheduler whose clock starts at zero. */
  public SimulatedTime() {
    this(0L);
  }

  /** A scheduler whose clock starts at {@code startNanos}. */
  public SimulatedTime(long startNanos) {
    this.nowNanos = startNanos;
  }

  @Override
  public long now(TimeUnit unit) {
    return unit.convert(nowNanos, TimeUnit.NANOSECONDS);
  }

  /** The virtual clock in nanoseconds. */
  public long nowNanos() {
    return nowNanos;
  }

  /** Tasks run so far. */
  public synchronized long executed() {
    return executed;
  }

  /** Tasks queued and not yet run (disposed ones included until their due time passes). */
  public synchronized int pending() {
    return queue.size();
  }

  @Override
  public Disposable schedule(Runnable task) {
    return enqueue(task, 0, 0, null);
  }

  @Override
  public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
    return enqueue(task, unit.toNanos(delay), 0, null);
  }

  @Override
  public Disposable schedulePeriodically(Runnable task, long initialDelay, long period, TimeUnit unit) {
    return enqueue(task, unit.toNanos(initialDelay), checkPeriod(unit.toNanos(period)), null);
  }

  @Override
  public Worker createWorker() {
    return new SimWorker();
  }

  @Override
  public void dispose() {
    disposed = true;
    synchronized (this) {
      queue.clear();
    }
  }

  @Override
  public boolean isDisposed() {
    return disposed;
  }

  /**
   * Runs tasks in time order until none is left. Never returns while a periodic task is live; use
   * {@link #runUntil(long)} for endless flows.
   *
   * @return the number of tasks run
   */
  public long run() {
    return runUntil(Long.MAX_VALUE);
  }

  /** Runs every task due within {@code duration} from now, then sets the clock to that instant. */
  public long runFor(Duration duration) {
    return runUntil(Math.addExact(nowNanos, duration.toNanos()));
  }

  /**
   * Runs every task due at or before {@code deadlineNanos} (including tasks they schedule within
   * it), then sets the clock to {@code deadlineNanos} if it is later than the last task run.
   *
   * @return the number of tasks run
   */
  public long runUntil(long deadlineNanos) {
    synchronized (this) {
      if (running) {
        // A nested run would execute later tasks before the current one returns: out of order.
        throw new IllegalStateException("SimulatedTime is already running: do not call run from a task or a second thread");
      }
      running = true;
    }
    try {
      return runTasksUntil(deadlineNanos);
    } finally {
      synchronized (this) {
        running = false;
      }
    }
  }

  private long runTasksUntil(long deadlineNanos) {
    long ran = 0;
    while (true) {
      Task t;
      synchronized (this) {
        t = queue.peek();
        if (t == null || t.due > deadlineNanos) {
          break;
        }
        queue.poll();
        if (t.due > nowNanos) {
          nowNanos = t.due;
        }
      }
      if (t.isDisposed()) {
        continue;
      }
      t.task.run();
      ran++;
      synchronized (this) {
        executed++;
        if (t.period > 0 && !t.isDisposed()) {
          t.due += t.period;
          t.seq = sequence++;
          queue.add(t);
        }
      }
    }
    if (deadlineNanos != Long.MAX_VALUE && deadlineNanos > nowNanos) {
      nowNanos = deadlineNanos;
    }
    return ran;
  }

  private Task enqueue(Runnable task, long delayNanos, long periodNanos, SimWorker worker) {
    Objects.requireNonNull(task, "task");
    if (disposed || (worker != null && worker.disposed)) {
      throw new RejectedExecutionException("simulated scheduler or worker is disposed");
    }
    synchronized (this) {
      Task t = new Task(task, nowNanos + Math.max(0, delayNanos), periodNanos, sequence++, worker);
      queue.add(t);
      return t;
    }
  }

  private static long checkPeriod(long periodNanos) {
    if (periodNanos <= 0) {
      // A zero period would re-run at the same instant forever and the clock would never move.
      throw new IllegalArgumentException(
          "simulated periodic task needs a positive period, got " + periodNanos + " ns");
    }
    return periodNanos;
  }

  private static final class Task implements Disposable, Comparable<Task> {
    final Runnable task;
    final long period;
    final SimWorker worker;
    long due;
    long seq;
    volatile boolean cancelled;

    Task(Runnable task, long due, long period, long seq, SimWorker worker) {
      this.task = task;
      this.due = due;
      this.period = period;
      this.seq = seq;
      this.worker = worker;
    }

    @Override
    public int compareTo(Task o) {
      int c = Long.compare(due, o.due);
      return c != 0 ? c : Long.compare(seq, o.seq);
    }

    @Override
    public void dispose() {
      cancelled = true;
    }

    @Override
    public boolean isDisposed() {
      return cancelled || (worker != null && worker.disposed);
    }
  }

  private final class SimWorker implements Worker {
    volatile boolean disposed;

    @Override
    public Disposable schedule(Runnable task) {
      return enqueue(task, 0, 0, this);
    }

    @Override
    public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
      return enqueue(task, unit.toNanos(delay), 0, this);
    }

    @Override
    public Disposable schedulePeriodically(Runnable task, long initialDelay, long period, TimeUnit unit) {
      return enqueue(task, unit.toNanos(initialDelay), checkPeriod(unit.toNanos(period)), this);
    }

    @Override
    public void dispose() {
      disposed = true;
    }

    @Override
    public boolean isDisposed() {
      return disposed;
    }
  }
}
