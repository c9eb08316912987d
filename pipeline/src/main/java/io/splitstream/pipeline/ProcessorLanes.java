package io.splitstream.pipeline;

import io.splitstream.devices.processor.Execution;
import io.splitstream.devices.processor.LoadedSegment;
import io.splitstream.devices.processor.Platform;
import io.splitstream.devices.processor.Processor;
import io.splitstream.devices.tensor.TensorMap;
import io.splitstream.operators.Lane;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToLongFunction;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * One {@link Lane} per processor of a platform, with the processor's own thread: every stage,
 * plan epoch, stream and probe that runs something on a processor goes through its lane, which
 * serves one invocation at a time, first come first served. Waiting for a busy processor is queue
 * time; the invocation itself (transfer in, compute, the rest of an emulated processor's profile
 * time, transfer out) is service time and busy time.
 *
 * <p>An emulated processor computes the outputs on the host, then the lane holds for the rest of
 * the profile's service time on the pipeline clock; when the host was slower than the profile,
 * the invocation is counted in {@link #emulationLag()} instead of being hidden. In simulation the
 * compute runs inline (it takes no virtual time); in real time on the processor's thread.
 *
 * <p>Thread-safe. {@link #close()} stops the threads; call it after the segments' last runs.
 */
public final class ProcessorLanes implements AutoCloseable {
  /** Native inference can need more stack than the JVM's 1 MiB default; give it 16 MiB. */
  private static final long NATIVE_STACK = 16L << 20;

  /**
   * One invocation as its lane served it.
   *
   * @param enqueuedNanos when it was submitted to the lane
   * @param startedNanos when the lane started it (after any wait for the processor)
   * @param endedNanos when the processor was free again
   * @param transferNanos the part of that spent moving tensors in and out
   */
  public record Invocation(Execution execution, long enqueuedNanos, long startedNanos, long endedNanos,
      long transferNanos) {
    /**
     * How long the processor was busy computing, as observed on the pipeline clock: the lane's
     * service time less the transfers. For an emulated processor that is the profile's time, or
     * the host's when the host computed slower; for a real one, what the runtime took.
     */
    public long computeNanos() {
      return Math.max(1, endedNanos - startedNanos - transferNanos);
    }
  }

  private final Platform platform;
  private final Scheduler clock;
  private final boolean simulated;
  private final Map<String, Lane> lanes = new LinkedHashMap<>();
  private final Map<String, Scheduler> threads = new LinkedHashMap<>();
  private final AtomicLong emulationLag = new AtomicLong();
  /** Per processor: {invocations that lagged, nanoseconds they overran by}. */
  private final Map<String, java.util.concurrent.atomic.LongAdder[]> lagByProcessor = new LinkedHashMap<>();

  public ProcessorLanes(Platform platform, Scheduler clock, boolean simulated) {
    this.platform = Objects.requireNonNull(platform, "platform");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.simulated = simulated;
    for (Processor p : platform.processors()) {
      lanes.put(p.id(), Lane.of(p.id(), clock));
      lagByProcessor.put(p.id(), new java.util.concurrent.atomic.LongAdder[] {
          new java.util.concurrent.atomic.LongAdder(), new java.util.concurrent.atomic.LongAdder()});
      if (!simulated) {
        threads.put(p.id(), thread(p.id()));
      }
    }
  }

  public Platform platform() {
    return platform;
  }

  /** The lane of processor {@code id}. */
  public Lane lane(String id) {
    Lane l = lanes.get(id);
    if (l == null) {
      platform.processor(id); // throws, naming the processors the platform has
      throw new IllegalStateException("no lane for processor " + id);
    }
    return l;
  }

  /** Invocations whose host compute took longer than the emulated processor's profile time. */
  public long emulationLag() {
    return emulationLag.get();
  }

  /** {@link #emulationLag()} of processor {@code id} alone; 0 for an id the platform lacks. */
  public long emulationLag(String id) {
    var lag = lagByProcessor.get(id);
    return lag == null ? 0 : lag[0].sum();
  }

  /** Nanoseconds by which the host's compute overran processor {@code id}'s profile time, summed. */
  public long emulationLagNanos(String id) {
    var lag = lagByProcessor.get(id);
    return lag == null ? 0 : lag[1].sum();
  }

  /**
   * Runs {@code segment} on its processor's lane: waits for the lane, moves the inputs in
   * ({@code transferInNanos}), computes, holds for the rest of an emulated service time, and moves
   * the outputs out ({@code transferOut} of the outputs; 0 except for a plan's last stage).
   *
   * <p>Errors: the segment's exception (e.g. {@code ProcessorOfflineException}) fails the
   * returned {@code Mono}; the lane is free again. Cancellation: a queued invocation never runs; a
   * running one is dropped when it ends.
   */
  public Mono<Invocation> invoke(LoadedSegment segment, TensorMap inputs, long transferInNanos,
      ToLongFunction<TensorMap> transferOut) {
    Processor p = segment.processor();
    Lane lane = lane(p.id());
    Scheduler runOn = threads.get(p.id());
    return lane.submit(() -> {
      long computeStart = clock.now(TimeUnit.NANOSECONDS) + transferInNanos;
      Mono<Execution> compute = Mono.fromCallable(() -> segment.run(inputs));
      if (runOn != null) {
        compute = compute.subscribeOn(runOn);
      }
      Mono<Execution> afterTransfer = transferInNanos > 0
          ? Mono.delay(Duration.ofNanos(transferInNanos), clock).then(compute)
          : compute;
      return afterTransfer.flatMap(e -> {
        long out = Math.max(0, transferOut.applyAsLong(e.outputs()));
        return hold(p.id(), e, computeStart, out).map(x -> new Moved(x, transferInNanos + out));
      });
    }).map(s -> new Invocation(s.value().execution(), s.enqueuedNanos(), s.startedNanos(), s.endedNanos(),
        s.value().transferNanos()));
  }

  private record Moved(Execution execution, long transferNanos) {}

  private Mono<Execution> hold(String processorId, Execution e, long computeStart, long transferOut) {
    long hold = transferOut;
    if (e.emulated()) {
      long spent = clock.now(TimeUnit.NANOSECONDS) - computeStart;
      long remaining = e.serviceNanos() - spent;
      if (remaining < 0) {
        // the host computed slower than the emulated processor would have: the emulation lags
        emulationLag.incrementAndGet();
        var lag = lagByProcessor.get(processorId);
        lag[0].increment();
        lag[1].add(-remaining);
      } else {
        hold += remaining;
      }
    }
    return hold > 0 ? Mono.delay(Duration.ofNanos(hold), clock).thenReturn(e) : Mono.just(e);
  }

  private static Scheduler thread(String processorId) {
    return Schedulers.fromExecutorService(Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(null, r, "splitstream-" + processorId, NATIVE_STACK);
      t.setDaemon(true);
      return t;
    }), "splitstream-" + processorId);
  }

  /** Stops the processors' threads. Idempotent. */
  @Override
  public void close() {
    threads.values().forEach(Scheduler::dispose);
  }
}
