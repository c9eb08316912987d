package io.splitstream.operators;

import java.util.ArrayDeque;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Exceptions;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.publisher.Operators;
import reactor.core.scheduler.Scheduler;
import reactor.util.context.Context;

/**
 * The one queue in front of a shared resource (a processor): every stage, plan epoch and stream
 * that uses the resource submits its invocations to the resource's single lane, which serves one
 * job at a time. Exclusivity is per lane, not per subscription: two stages, or the old and new
 * epoch of a plan, that share a processor never run two invocations on it at once.
 *
 * <p><b>Order.</b> Jobs are served in the order they were queued (FIFO over all submitters and
 * threads); a job is queued when the {@code Mono} returned by {@link #submit} is subscribed, and
 * each subscription queues it once (so {@code retry} queues it again, at the back).
 *
 * <p><b>Demand.</b> A lane holds at most one job in service and does not bound its queue: callers
 * bound it by how many submissions they keep outstanding (e.g. an {@link OrderedStage}'s window).
 * {@link #queued()} is the queue-depth gauge. The job's {@code Mono} is requested unbounded.
 *
 * <p><b>Errors.</b> A job whose {@code Mono} errors frees the lane and its submission errors with
 * the same exception, unwrapped; one that completes empty fails with {@link
 * NoSuchElementException} naming the lane; a supplier that throws or returns {@code null} fails
 * that submission only. Later jobs are served either way.
 *
 * <p><b>Cancellation.</b> Cancelling a queued submission removes it without calling its supplier.
 * Cancelling a running one cancels the job's {@code Mono} and frees the lane at once for the next
 * job; a blocking call already running finishes on its own thread (the lane cannot wait for it, as
 * cancellation has no completion signal), so it may briefly overlap the next job.
 *
 * <p><b>Threads.</b> Any thread may submit. The next job's supplier is called, and its {@code Mono}
 * subscribed, on the thread that frees the lane (the one on which the previous job terminated or
 * was cancelled) or, if the lane was idle, the submitting thread. A thread that finds another one
 * already starting jobs on this lane leaves the work to it: jobs that complete synchronously are
 * started one after another in a loop, not by recursion, so the stack does not grow with the queue.
 * What thread a job then runs on is its own business (it may {@code subscribeOn} an executor); its
 * result is emitted on the thread where its {@code Mono} terminated, after the lane is freed and
 * before the next job starts on that thread.
 *
 * <p><b>Timing.</b> Times are read from the given clock: enqueued when the submission is
 * subscribed, started when the job takes the lane, ended when its {@code Mono} terminates (or the
 * job is cancelled). Queue wait ({@code started - enqueued}) is not service: {@link #busyNanos()}
 * counts only started-to-ended time. With {@link io.splitstream.operators.time.SimulatedTime} all
 * times are exact virtual times.
 */
public final class Lane {
  private final String name;
  private final Scheduler clock;
  private final Object lock = new Object();
  private final ArrayDeque<Job<?>> waiting = new ArrayDeque<>();
  /** Guards the start loop: only the thread that raises it from zero starts jobs. */
  private final AtomicInteger wip = new AtomicInteger();
  private Job<?> current; // guarded by lock
  private long busyTotal; // guarded by lock
  private long served; // guarded by lock

  private Lane(String name, Scheduler clock) {
    this.name = name;
    this.clock = clock;
  }

  /**
   * An idle lane.
   *
   * @param name the resource's name, used in errors (e.g. {@code npu0})
   * @param clock the pipeline's clock, for the times in {@link Served}
   */
  public static Lane of(String name, Scheduler clock) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("lane name must be a non-blank name, got '" + name + "'");
    }
    return new Lane(name, Objects.requireNonNull(clock, "clock"));
  }

  /** The resource's name. */
  public String name() {
    return name;
  }

  /**
   * A {@code Mono} that, when subscribed, queues the job; when the job's turn comes it subscribes
   * to {@code job.get()} and holds the lane until that {@code Mono} terminates, then emits the
   * value with its timing.
   *
   * @param job makes the work; called once per subscription, only if the job's turn comes
   */
  public <R> Mono<Served<R>> submit(Supplier<? extends Mono<? extends R>> job) {
    Objects.requireNonNull(job, "job");
    return Mono.create(sink -> {
      Job<R> j = new Job<>(this, job, sink, now());
      sink.onCancel(() -> cancel(j));
      synchronized (lock) {
        // A submission cancelled before it got here must not be queued.
        if (j.state.get() == Job.QUEUED) {
          waiting.add(j);
        }
      }
      drain();
    });
  }

  /** Jobs queued and not yet started (a gauge). */
  public int queued() {
    synchronized (lock) {
      return waiting.size();
    }
  }

  /** True while a job holds the lane. */
  public boolean busy() {
    synchronized (lock) {
      return current != null;
    }
  }

  /** Total service time so far, nanoseconds: every ended job's, plus the running one's up to now. */
  public long busyNanos() {
    synchronized (lock) {
      return busyTotal + (current == null ? 0 : now() - current.startedNanos);
    }
  }

  /**
   * Jobs that held the lane and let it go: succeeded, failed (including a throwing supplier) or
   * cancelled while running. Submissions cancelled while queued are not counted.
   */
  public long served() {
    synchronized (lock) {
      return served;
    }
  }

  @Override
  public String toString() {
    synchronized (lock) {
      return "Lane[" + name + (current != null ? ", busy" : ", idle") + ", queued=" + waiting.size()
          + ", served=" + served + "]";
    }
  }

  private long now() {
    return clock.now(TimeUnit.NANOSECONDS);
  }

  /** Starts queued jobs while the lane is free; re-entrant calls only mark more work to do. */
  private void drain() {
    if (wip.getAndIncrement() != 0) {
      return;
    }
    int missed = 1;
    while (true) {
      Job<?> next;
      while ((next = claimNext()) != null) {
        next.start();
      }
      missed = wip.addAndGet(-missed);
      if (missed == 0) {
        return;
      }
    }
  }

  private Job<?> claimNext() {
    synchronized (lock) {
      if (current != null) {
        return null;
      }
      Job<?> j;
      while ((j = waiting.poll()) != null) {
        if (j.state.compareAndSet(Job.QUEUED, Job.RUNNING)) {
          j.startedNanos = now();
          current = j;
          return j;
        }
      }
      return null;
    }
  }

  /** Frees the lane held by {@code j}; returns the end time. */
  private long release(Job<?> j) {
    synchronized (lock) {
      long ended = now();
      if (current == j) {
        current = null;
        busyTotal += ended - j.startedNanos;
        served++;
      }
      return ended;
    }
  }

  private void cancel(Job<?> j) {
    if (j.state.compareAndSet(Job.QUEUED, Job.CANCELLED)) {
      synchronized (lock) {
        waiting.remove(j);
      }
      return;
    }
    if (j.state.compareAndSet(Job.RUNNING, Job.CANCELLED)) {
      j.cancelUpstream();
      release(j);
      drain();
    }
  }

  /**
   * One job's timing on a lane, on the lane's clock (nanoseconds).
   *
   * @param value what the job's {@code Mono} emitted
   * @param enqueuedNanos when the submission was subscribed
   * @param startedNanos when the job took the lane
   * @param endedNanos when its {@code Mono} terminated
   */
  public record Served<R>(R value, long enqueuedNanos, long startedNanos, long endedNanos) {
    public Served {
      Objects.requireNonNull(value, "value");
    }

    /** Time spent waiting for the lane: enqueued to started. */
    public long queueNanos() {
      return startedNanos - enqueuedNanos;
    }

    /** Time spent holding the lane: started to ended. */
    public long serviceNanos() {
      return endedNanos - startedNanos;
    }
  }

  /** One submission: queued, then running, then ended or cancelled; subscribes to the job's Mono. */
  private static final class Job<R> implements CoreSubscriber<R> {
    static final int QUEUED = 0;
    static final int RUNNING = 1;
    static final int ENDED = 2;
    static final int CANCELLED = 3;

    final AtomicInteger state = new AtomicInteger(QUEUED);
    private final Lane lane;
    private final Supplier<? extends Mono<? extends R>> supplier;
    private final MonoSink<Served<R>> sink;
    private final long enqueuedNanos;
    private final AtomicReference<Subscription> upstream = new AtomicReference<>();
    long startedNanos; // written and read under the lane's lock
    private R value;

    Job(Lane lane, Supplier<? extends Mono<? extends R>> supplier, MonoSink<Served<R>> sink, long enqueuedNanos) {
      this.lane = lane;
      this.supplier = supplier;
      this.sink = sink;
      this.enqueuedNanos = enqueuedNanos;
    }

    /** Called by the start loop once this job holds the lane. */
    void start() {
      if (state.get() != RUNNING) {
        return; // cancelled between the claim and here; the cancel freed the lane
      }
      Mono<? extends R> mono;
      try {
        mono = Objects.requireNonNull(supplier.get(), "lane " + lane.name + ": job supplier returned a null Mono");
      } catch (Throwable e) {
        Exceptions.throwIfJvmFatal(e);
        end(e);
        return;
      }
      mono.subscribe(this);
    }

    @Override
    public Context currentContext() {
      return Context.of(sink.contextView());
    }

    @Override
    public void onSubscribe(Subscription s) {
      if (upstream.compareAndSet(null, s)) {
        s.request(Long.MAX_VALUE);
      } else {
        s.cancel(); // cancelled before the job's Mono subscribed
      }
    }

    @Override
    public void onNext(R r) {
      value = r;
    }

    @Override
    public void onError(Throwable t) {
      end(t);
    }

    @Override
    public void onComplete() {
      end(value == null ? new NoSuchElementException("lane " + lane.name + ": job completed without a value") : null);
    }

    void cancelUpstream() {
      Subscription s = upstream.getAndSet(Operators.cancelledSubscription());
      if (s != null) {
        s.cancel();
      }
    }

    private void end(Throwable error) {
      if (!state.compareAndSet(RUNNING, ENDED)) {
        return; // cancelled: the submitter is gone and the lane already freed
      }
      long ended = lane.release(this);
      if (error != null) {
        sink.error(error);
      } else {
        sink.success(new Served<>(value, enqueuedNanos, startedNanos, ended));
      }
      lane.drain();
    }
  }
}
