package io.splitstream.loadgen;

import io.splitstream.devices.tensor.TensorMap;
import io.splitstream.pipeline.frame.Frame;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Turns a {@link FrameCursor} into a stream of {@link Frame}s, either paced (at the cursor's due
 * times on the scheduler's clock, as far as demand allows) or on demand (one item per requested
 * frame). Both number frames
 * 0, 1, 2, … without gaps, stamp each with {@code scheduler.now(NANOSECONDS)} at emission, open a
 * fresh cursor per subscription and close it on complete, error or cancel.
 */
public final class Emission {
  private Emission() {}

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
      // a read error reaches downstream after the frame already waiting for its due time
      return dues.concatMapDelayError(d -> {
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
      }, false, 1).takeWhile(Optional::isPresent).map(Optional::get);
    }), FrameCursor::close);
  }

  private record Due(long offsetNanos, TensorMap tensors) {}

  /**
   * A source's frames for {@code context}: {@link #paced} when {@code paced} (a source passes
   * {@code context.paced()}, or false when it has no pace of its own to keep), else {@link
   * #onDemand}; stream id, clock and duration from the context.
   */
  public static Flux<Frame> of(io.splitstream.pipeline.source.SourceContext context, boolean paced,
      Callable<? extends FrameCursor> open) {
    return paced
        ? paced(context.streamId(), context.scheduler(), context.duration(), open)
        : onDemand(context.streamId(), context.scheduler(), context.duration(), open);
  }

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
}
