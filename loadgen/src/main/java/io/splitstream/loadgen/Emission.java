package io.splitstream.loadgen;

import io.splitstream.devices.tensor.TensorMap;
import io.splitstream.pipeline.frame.Frame;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.FluxSink;
import reactor.core.scheduler.Scheduler;

/**
 * Turns a {@link FrameCursor} into a stream of {@link Frame}s, either live (at the cursor's due
 * times, on the scheduler's clock) or on demand (one item per requested frame). Both number frames
 * 0, 1, 2, … without gaps, stamp each with {@code scheduler.now(NANOSECONDS)} at emission, open a
 * fresh cursor per subscription and close it on complete, error or cancel.
 */
public final class Emission {
  private Emission() {}

  /**
   * Frames at the cursor's due times, whether or not downstream has asked for them: frames beyond
   * demand wait in an unbounded buffer here, so a pipeline that must not queue puts its shed policy
   * (which requests without bound) right after this flux. All timers run on one worker of {@code
   * scheduler}, so a {@code VirtualTimeScheduler} drives it. The cursor is opened and advanced once on
   * the subscribing thread, then used on that worker's thread, never by two threads at once.
   * Completes at the cursor's end, or at {@code duration} after subscription (items due at or after it
   * are not emitted). Errors from the cursor end the flux with that error.
   */
  public static Flux<Frame> live(String streamId, Scheduler scheduler, Optional<Duration> duration,
      Callable<? extends FrameCursor> open) {
    return Flux.create(sink -> new LiveRun(streamId, scheduler, duration, sink).start(open),
        FluxSink.OverflowStrategy.BUFFER);
  }

  /**
   * Frames at the cursor's pace, but only as downstream asks for them: a frame is emitted at its
   * due time when it has been requested by then, else as soon as it is requested (frames keep
   * their original schedule, so a replay held back briefly catches up instead of drifting). With
   * unbounded demand (a shed policy downstream) this is exactly the live schedule; under
   * backpressure ({@code block}) the source waits instead of queueing without bound. The cursor
   * runs ahead by at most one item. Completes at the cursor's end or once {@code
   * duration} of scheduler time has passed since subscription.
   */
  public static Flux<Frame> paced(String streamId, Scheduler scheduler, Optional<Duration> duration,
      Callable<? extends FrameCursor> open) {
    return Flux.using(open::call, cursor -> Flux.defer(() -> {
      long start = scheduler.now(TimeUnit.NANOSECONDS);
      long end = duration.map(d -> start + d.toNanos()).orElse(Long.MAX_VALUE);
      long[] seq = {0};
      Flux<Due> dues = Flux.<Due>generate(sink -> {
        OptionalLong due = cursor.advance();
        if (due.isEmpty()) {
          sink.complete();
        } else {
          sink.next(new Due(due.getAsLong(), cursor.tensors()));
        }
      });
      return dues.concatMap(d -> {
        long now = scheduler.now(TimeUnit.NANOSECONDS);
        long at = start + d.offsetNanos();
        if (now >= end) {
          // held back past the end by a slow pipeline (block): the stream is over
          return Mono.just(Optional.<Frame>empty());
        }
        if (at >= end) {
          // nothing more is due before the end: finish at the end, as a live source would
          return end > now ? Mono.delay(Duration.ofNanos(end - now), scheduler).thenReturn(Optional.<Frame>empty())
              : Mono.just(Optional.<Frame>empty());
        }
        Mono<Long> wait = at > now ? Mono.delay(Duration.ofNanos(at - now), scheduler) : Mono.just(0L);
        return wait.map(x -> {
          return Optional.of(Frame.of(streamId, seq[0]++, scheduler.now(TimeUnit.NANOSECONDS), d.tensors()));
        });
      }, 1).takeWhile(Optional::isPresent).map(Optional::get);
    }), FrameCursor::close);
  }

  private record Due(long offsetNanos, TensorMap tensors) {}

  /**
   * Frames as fast as downstream requests them: each request of one frame advances the cursor once,
   * on the requesting thread (the cursor's due times are ignored). Completes at the cursor's end or
   * once {@code duration} of scheduler time has passed since subscription.
   */
  public static Flux<Frame> onDemand(String streamId, Scheduler scheduler, Optional<Duration> duration,
      Callable<? extends FrameCursor> open) {
    return Flux.<Frame, OnDemandState>generate(
        () -> new OnDemandState(open.call(), scheduler.now(TimeUnit.NANOSECONDS)),
        (state, sink) -> {
          long now = scheduler.now(TimeUnit.NANOSECONDS);
          if (duration.isPresent() && now - state.startNanos >= duration.get().toNanos()) {
            sink.complete();
            return state;
          }
          if (state.cursor.advance().isEmpty()) {
            sink.complete();
            return state;
          }
          sink.next(Frame.of(streamId, state.seq++, scheduler.now(TimeUnit.NANOSECONDS), state.cursor.tensors()));
          return state;
        },
        state -> state.cursor.close());
  }

  private static final class OnDemandState {
    final FrameCursor cursor;
    final long startNanos;
    long seq;

    OnDemandState(FrameCursor cursor, long startNanos) {
      this.cursor = cursor;
      this.startNanos = startNanos;
    }
  }

  /** One live subscription: a chain of timers on one worker, each emitting a frame and arming the next. */
  private static final class LiveRun implements Runnable {
    private final String streamId;
    private final Scheduler scheduler;
    private final Optional<Duration> duration;
    private final FluxSink<Frame> sink;
    // Guards the cursor: a cancel on another thread must not close it while a timer is using it.
    private final Object lock = new Object();
    private Scheduler.Worker worker;
    private FrameCursor cursor;
    private boolean closed;
    private long startNanos;
    private long seq;

    LiveRun(String streamId, Scheduler scheduler, Optional<Duration> duration, FluxSink<Frame> sink) {
      this.streamId = streamId;
      this.scheduler = scheduler;
      this.duration = duration;
      this.sink = sink;
    }

    void start(Callable<? extends FrameCursor> open) {
      try {
        cursor = open.call();
      } catch (Exception e) {
        sink.error(e);
        return;
      }
      worker = scheduler.createWorker();
      startNanos = scheduler.now(TimeUnit.NANOSECONDS);
      sink.onDispose(this::shutdown);
      synchronized (lock) {
        armNext();
      }
    }

    @Override
    public void run() {
      synchronized (lock) {
        if (closed) {
          return;
        }
        sink.next(Frame.of(streamId, seq++, scheduler.now(TimeUnit.NANOSECONDS), cursor.tensors()));
        armNext();
      }
    }

    /** Advances the cursor and schedules the emission of what it moved to; caller holds the lock. */
    private void armNext() {
      if (closed) {
        return;
      }
      OptionalLong due;
      try {
        due = cursor.advance();
      } catch (RuntimeException e) {
        sink.error(e);
        return;
      }
      long deadline = duration.map(d -> saturatedAdd(startNanos, d.toNanos())).orElse(Long.MAX_VALUE);
      long now = scheduler.now(TimeUnit.NANOSECONDS);
      if (due.isEmpty()) {
        sink.complete();
      } else if (saturatedAdd(startNanos, due.getAsLong()) >= deadline) {
        schedule(sink::complete, deadline - now);
      } else {
        schedule(this, startNanos + due.getAsLong() - now);
      }
    }

    private void schedule(Runnable task, long delayNanos) {
      try {
        worker.schedule(task, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        // The scheduler was shut down under us: say so rather than stall forever.
        sink.error(e);
      }
    }

    private void shutdown() {
      synchronized (lock) {
        if (!closed) {
          closed = true;
          cursor.close();
        }
      }
      worker.dispose();
    }

    private static long saturatedAdd(long a, long b) {
      long r = a + b;
      return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }
  }
}
