package io.splitstream.pipeline.time;

import java.util.concurrent.TimeUnit;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;

/**
 * A real-time scheduler whose {@link #now} reads {@link System#nanoTime()}: Reactor's default
 * clock has millisecond resolution, too coarse for per-stage times of a millisecond or less.
 * Delegates all scheduling; the origin of {@code now} is arbitrary (only differences matter).
 */
public final class NanoClock implements Scheduler {
  private final Scheduler delegate;

  public NanoClock(Scheduler delegate) {
    this.delegate = delegate;
  }

  @Override
  public long now(TimeUnit unit) {
    return unit.convert(System.nanoTime(), TimeUnit.NANOSECONDS);
  }

  @Override
  public Disposable schedule(Runnable task) {
    return delegate.schedule(task);
  }

  @Override
  public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
    return delegate.schedule(task, delay, unit);
  }

  @Override
  public Disposable schedulePeriodically(Runnable task, long initialDelay, long period, TimeUnit unit) {
    return delegate.schedulePeriodically(task, initialDelay, period, unit);
  }

  @Override
  public Worker createWorker() {
    return delegate.createWorker();
  }

  @Override
  public void dispose() {
    // the delegate is shared (Schedulers.parallel()); its owner disposes it
  }

  @Override
  public void init() {
    delegate.init();
  }
}
