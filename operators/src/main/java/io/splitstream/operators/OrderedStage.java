package io.splitstream.operators;

import java.util.ArrayDeque;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.ToLongFunction;
import reactor.core.Exceptions;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * One pipeline stage: runs a function on each {@link Outcome.Ok} item with a fixed set of workers
 * (replicas: e.g. the same segment loaded on N processors), each serving one item at a time, and
 * emits the outcomes in input order. Use it with {@code outcomes.transform(stage)}.
 *
 * <p><b>Order and concurrency.</b> An item goes to a free worker (the longest-waiting item first);
 * output order equals input order. The stage admits at most {@link #window()} items at once
 * (default: one per worker; see {@link #withWindow(int)}), counting finished items that wait for an
 * earlier one to leave, so with the default window a slow item holds back its followers' workers:
 * the price of keeping order within a bounded window. Consecutive stages work in parallel: stage 2
 * serves item n while stage 1 serves item n+1.
 *
 * <p><b>Demand.</b> The stage requests at most {@code window} items from upstream, and more only
 * as items leave downstream, so a slow stage backpressures the one before it. Put a {@link
 * HandOff} before a stage to let the previous stage work ahead by a bounded number of items.
 *
 * <p><b>Errors.</b> A function that throws, or whose {@code Mono} errors or completes empty, fails
 * that item only: it becomes {@link Outcome.Failed} with the cause and the stage's name, keeps its
 * place, and later items go on. {@code Failed} and {@code Shed} inputs pass through untouched,
 * using no worker. An upstream error is passed on after the items in the stage have finished.
 *
 * <p><b>Deadline.</b> With {@link #withDeadline}, an item whose age (clock now minus its capture
 * time) plus the predicted time still ahead of it (this stage's and the later ones', see {@link
 * #withDeadline(ShedPolicy.Deadline, ToLongFunction, LongSupplier)}; zero by default) exceeds the
 * budget when a worker is granted to it becomes {@link Outcome.Shed} with reason {@code deadline}
 * instead of being computed: it could only finish late.
 *
 * <p><b>Cancellation</b> cancels the running work (the {@code Mono}s); a blocking function already
 * running finishes on its thread and its result is dropped. Each subscription has its own worker
 * slots.
 *
 * <p><b>Threads.</b> The async function is called on the thread delivering the item, or, if it
 * waited for a worker, on the thread where the previous item on that worker ended; its result is
 * emitted on whichever thread its {@code Mono} completes. The blocking function runs on the given
 * scheduler. Timings are read from the clock scheduler and delivered to the timing listener on the
 * thread that ended the work.
 *
 * @param <T> input value type
 * @param <R> output value type
 */
public final class OrderedStage<T, R> implements Function<Flux<Outcome<T>>, Flux<Outcome<R>>> {
  /** The reason for items shed at stage entry because they were too old. */
  public static final String DEADLINE = "deadline";

  private final String name;
  private final int workerCount;
  private final int window;
  private final Function<Work<Integer, T>, Mono<? extends R>> work;
  private final Scheduler clock;
  private final ShedPolicy.Deadline deadline;
  private final ToLongFunction<? super T> captureNanos;
  private final LongSupplier aheadNanos;
  private final Consumer<? super StageTiming> timing;
  private final AtomicInteger busy = new AtomicInteger();

  private OrderedStage(
      String name,
      int workerCount,
      int window,
      Function<Work<Integer, T>, Mono<? extends R>> work,
      Scheduler clock,
      ShedPolicy.Deadline deadline,
      ToLongFunction<? super T> captureNanos,
      LongSupplier aheadNanos,
      Consumer<? super StageTiming> timing) {
    this.name = name;
    this.workerCount = workerCount;
    this.window = window;
    this.work = work;
    this.clock = clock;
    this.deadline = deadline;
    this.captureNanos = captureNanos;
    this.aheadNanos = aheadNanos;
    this.timing = timing;
  }

  /**
   * A stage whose work is asynchronous: {@code fn} returns a {@code Mono} that emits the result
   * (or errors) when the worker is done. {@code fn} must not block.
   *
   * @param name the stage's name, used in failed/shed outcomes and timings
   * @param workers one entry per replica, at least one
   * @param fn the work for one item on one worker
   * @param clock the pipeline's clock, for timings and deadlines
   */
  public static <W, T, R> OrderedStage<T, R> async(
      String name,
      List<? extends W> workers,
      Function<? super Work<W, T>, ? extends Mono<? extends R>> fn,
      Scheduler clock) {
    List<W> ws = checkWorkers(name, workers);
    Objects.requireNonNull(fn, "fn");
    return new OrderedStage<>(
        name,
        ws.size(),
        ws.size(),
        w -> fn.apply(new Work<>(ws.get(w.workerIndex()), w.workerIndex(), w.item(), w.enqueuedNanos(), w.startedNanos())),
        Objects.requireNonNull(clock, "clock"),
        null,
        t -> 0L,
        () -> 0L,
        t -> {});
  }

  /**
   * A stage whose work blocks its thread (e.g. a native inference call): {@code fn} runs on
   * {@code runOn}, one call per worker at a time. A {@code null} result fails the item.
   *
   * @param runOn where the blocking calls run; it must offer at least {@code workers.size()}
   *     threads for replicas to run in parallel (e.g. {@code Schedulers.boundedElastic()})
   */
  public static <W, T, R> OrderedStage<T, R> blocking(
      String name,
      List<? extends W> workers,
      Function<? super Work<W, T>, ? extends R> fn,
      Scheduler runOn,
      Scheduler clock) {
    Objects.requireNonNull(fn, "fn");
    Objects.requireNonNull(runOn, "runOn");
    return async(name, workers, (Work<W, T> w) -> Mono.<R>fromCallable(() -> fn.apply(w)).subscribeOn(runOn), clock);
  }

  /** This stage, shedding items older than the deadline's budget when they would start. */
  public OrderedStage<T, R> withDeadline(ShedPolicy.Deadline deadline, ToLongFunction<? super T> captureNanos) {
    return withDeadline(deadline, captureNanos, () -> 0L);
  }

  /**
   * This stage, shedding an item when it would start if its age plus {@code aheadNanos} (the
   * predicted time from starting here to leaving the last stage, read at that moment) exceeds the
   * deadline's budget: an item certain to finish late is never computed.
   */
  public OrderedStage<T, R> withDeadline(
      ShedPolicy.Deadline deadline, ToLongFunction<? super T> captureNanos, LongSupplier aheadNanos) {
    return new OrderedStage<>(
        name, workerCount, window, work, clock, Objects.requireNonNull(deadline, "deadline"),
        Objects.requireNonNull(captureNanos, "captureNanos"), Objects.requireNonNull(aheadNanos, "aheadNanos"),
        timing);
  }

  /** This stage, reporting each computed item's {@link StageTiming} to {@code listener}. */
  public OrderedStage<T, R> withTiming(Consumer<? super StageTiming> listener) {
    return new OrderedStage<>(
        name, workerCount, window, work, clock, deadline, captureNanos, aheadNanos,
        Objects.requireNonNull(listener, "listener"));
  }

  /**
   * This stage, admitting up to {@code window} items at once (at least the number of workers).
   * Items beyond the free workers wait inside the stage, in order, and take the next worker that
   * frees up; a window above the worker count keeps replicas busy while a slow item holds the
   * head of the order, at the cost of that many more items held (and queue wait counted) here.
   */
  public OrderedStage<T, R> withWindow(int window) {
    if (window < workerCount) {
      throw new IllegalArgumentException("stage " + name + " window " + window
          + " is below its " + workerCount + " workers: give at least " + workerCount);
    }
    return new OrderedStage<>(name, workerCount, window, work, clock, deadline, captureNanos, aheadNanos, timing);
  }

  /** Items the stage admits at once (its request window upstream). */
  public int window() {
    return window;
  }

  /** The stage's name, as used in outcomes and timings. */
  public String name() {
    return name;
  }

  /** The number of workers (replicas). */
  public int workers() {
    return workerCount;
  }

  /** Workers serving an item right now, over all subscriptions (a gauge). */
  public int busyWorkers() {
    return busy.get();
  }

  @Override
  public Flux<Outcome<R>> apply(Flux<Outcome<T>> upstream) {
    return Flux.defer(() -> {
      WorkerSlots slots = new WorkerSlots(workerCount);
      return upstream.flatMapSequentialDelayError(o -> enter(o, slots), window, 1);
    });
  }

  private Mono<Outcome<R>> enter(Outcome<T> outcome, WorkerSlots slots) {
    if (outcome instanceof Outcome.Failed<T> f) {
      return Mono.just(f.retype());
    }
    if (outcome instanceof Outcome.Shed<T> s) {
      return Mono.just(s.retype());
    }
    Outcome.Ok<T> ok = (Outcome.Ok<T>) outcome;
    return slots.acquire().flatMap(grant -> grant.start() ? serve(ok, grant.worker, slots) : Mono.empty());
  }

  private Mono<Outcome<R>> serve(Outcome.Ok<T> ok, int worker, WorkerSlots slots) {
    long started = clock.now(TimeUnit.NANOSECONDS);
    if (deadline != null && deadline.late(captureNanos.applyAsLong(ok.value()), started, aheadNanos.getAsLong())) {
      slots.give(worker);
      return Mono.just(new Outcome.Shed<>(ok.value(), DEADLINE, name, ok.ticket(), started));
    }
    busy.incrementAndGet();
    AtomicBoolean released = new AtomicBoolean();
    Runnable release = () -> {
      if (released.compareAndSet(false, true)) {
        busy.decrementAndGet();
        slots.give(worker);
      }
    };
    Mono<? extends R> result;
    try {
      result = Objects.requireNonNull(
          work.apply(new Work<>(worker, worker, ok.value(), ok.readyNanos(), started)),
          "stage function returned a null Mono");
    } catch (Throwable e) {
      Exceptions.throwIfJvmFatal(e);
      result = Mono.error(e);
    }
    // The worker is released before the outcome is emitted: emitting may let the next item in,
    // and with a window equal to the worker count that item must find a free worker.
    return result
        .<Outcome<R>>map(r -> done(ok, worker, started, release, null, r))
        .switchIfEmpty(Mono.fromSupplier(() -> done(ok, worker, started, release,
            new NoSuchElementException("stage " + name + " produced no result"), null)))
        .onErrorResume(e -> Mono.just(done(ok, worker, started, release, e, null)))
        .doOnCancel(release);
  }

  private Outcome<R> done(Outcome.Ok<T> ok, int worker, long started, Runnable release, Throwable error, R value) {
    long ended = clock.now(TimeUnit.NANOSECONDS);
    release.run();
    timing.accept(new StageTiming(name, worker, ok.readyNanos(), started, ended, error == null));
    if (error == null) {
      return new Outcome.Ok<>(value, ok.ticket(), ended);
    }
    return new Outcome.Failed<>(ok.value(), error, name, ok.ticket(), ended);
  }

  private static <W> List<W> checkWorkers(String name, List<? extends W> workers) {
    Objects.requireNonNull(name, "name");
    if (workers.isEmpty()) {
      throw new IllegalArgumentException("stage " + name + " has no workers: give at least one");
    }
    return List.copyOf(workers);
  }

  /**
   * The workers of one subscription: a free worker goes to the longest-waiting item, and an item
   * that finds several free takes the first in the list (so under light load the workers listed
   * first, the fastest when the caller orders replicas by speed, serve everything and latency
   * stays at their time). A grant and a cancellation may race; the {@link Grant} state decides who
   * returns the worker, so none leaks.
   */
  private static final class WorkerSlots {
    private final java.util.BitSet free = new java.util.BitSet();
    private final ArrayDeque<Grant> waiting = new ArrayDeque<>();

    WorkerSlots(int n) {
      free.set(0, n);
    }

    /** Emits a grant once a worker is free for this item. */
    Mono<Grant> acquire() {
      return Mono.create(sink -> {
        Grant g = new Grant(sink);
        sink.onCancel(() -> cancel(g));
        int w;
        synchronized (this) {
          w = free.nextSetBit(0);
          if (w < 0) {
            waiting.add(g);
          } else {
            free.clear(w);
          }
        }
        if (w >= 0 && !g.grant(w)) {
          give(w);
        }
      });
    }

    void give(int worker) {
      while (true) {
        Grant next;
        synchronized (this) {
          next = waiting.poll();
          if (next == null) {
            free.set(worker);
            return;
          }
        }
        if (next.grant(worker)) {
          return;
        }
        // That item was cancelled while waiting; offer the worker to the next one.
      }
    }

    private void cancel(Grant g) {
      synchronized (this) {
        waiting.remove(g);
      }
      if (g.cancelGranted()) {
        give(g.worker);
      }
    }
  }

  /** One item's claim on a worker: waiting, then granted, then started or cancelled. */
  private static final class Grant {
    private static final int WAITING = 0;
    private static final int GRANTED = 1;
    private static final int STARTED = 2;
    private static final int CANCELLED = 3;

    private final AtomicInteger state = new AtomicInteger(WAITING);
    private final reactor.core.publisher.MonoSink<Grant> sink;
    private volatile int worker = -1;

    Grant(reactor.core.publisher.MonoSink<Grant> sink) {
      this.sink = sink;
    }

    /** Hands {@code w} to this item; false if the item was cancelled first. */
    boolean grant(int w) {
      worker = w;
      if (state.compareAndSet(WAITING, GRANTED)) {
        sink.success(this);
        return true;
      }
      return false;
    }

    /** Called with the granted worker in hand; false if the item was cancelled meanwhile. */
    boolean start() {
      return state.compareAndSet(GRANTED, STARTED);
    }

    /**
     * Marks the item cancelled; true if it held a worker it never started on, which the caller
     * must give back (a started item releases its own worker when its work is cancelled).
     */
    boolean cancelGranted() {
      if (state.compareAndSet(WAITING, CANCELLED)) {
        return false;
      }
      return state.compareAndSet(GRANTED, CANCELLED);
    }
  }
}
