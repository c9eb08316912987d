package io.splitstream.devices.processor;

import io.splitstream.devices.model.Segment;
import io.splitstream.devices.tensor.TensorMap;
import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * A segment loaded on a real processor: each run is timed on the host, and that time is the
 * service time ({@code emulated = false}); the expected service time is the mean of the runs so far.
 * Shared by every real backend so they time and report alike.
 *
 * <p>Threads: runs may come from any thread (the backend's compute must allow what its callers
 * do). {@link #close} may come from any thread at any time: it waits for the runs in flight, frees
 * the backend once however many threads close, and a run that starts after it throws
 * {@link IllegalStateException}.
 */
public final class MeasuredSegment implements LoadedSegment {
  private final Segment segment;
  private final Processor processor;
  private final Duration loadTime;
  private final Function<TensorMap, TensorMap> compute;
  private final Runnable release;
  private final Collection<LoadedSegment> registry;
  private final AtomicLong runs = new AtomicLong();
  private final AtomicLong totalNanos = new AtomicLong();
  private final RunGuard guard;

  /**
   * @param compute runs the segment on the backend; never called after {@code release}
   * @param release frees the backend's session
   * @param registry the processor's set of open segments: this one is added now and removed on close
   */
  public MeasuredSegment(Segment segment, Processor processor, Duration loadTime,
      Function<TensorMap, TensorMap> compute, Runnable release, Collection<LoadedSegment> registry) {
    this.segment = segment;
    this.processor = processor;
    this.loadTime = loadTime;
    this.compute = compute;
    this.release = release;
    this.registry = registry;
    this.guard = new RunGuard("segment " + segment.label() + " on '" + processor.id() + "'");
    registry.add(this);
  }

  @Override
  public Segment segment() {
    return segment;
  }

  @Override
  public Processor processor() {
    return processor;
  }

  @Override
  public Duration loadTime() {
    return loadTime;
  }

  @Override
  public Execution run(TensorMap inputs) {
    if (!processor.availability().online()) {
      throw new ProcessorOfflineException(processor.id());
    }
    return guard.run(() -> {
      long start = System.nanoTime();
      TensorMap out = compute.apply(inputs);
      long nanos = Math.max(1, System.nanoTime() - start);
      totalNanos.addAndGet(nanos);
      runs.incrementAndGet();
      return new Execution(out, nanos, nanos, false);
    });
  }

  @Override
  public Duration expectedServiceTime() {
    long n = runs.get();
    return n == 0 ? Duration.ZERO : Duration.ofNanos(totalNanos.get() / n);
  }

  @Override
  public void close() {
    guard.close(() -> {
      release.run();
      registry.remove(this);
    });
  }
}
