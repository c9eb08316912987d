package io.splitstream.pipeline;

import io.micrometer.core.instrument.MeterRegistry;
import io.splitstream.devices.model.Segment;
import io.splitstream.devices.model.TensorSpec;
import io.splitstream.devices.processor.LoadedSegment;
import io.splitstream.devices.processor.Platform;
import io.splitstream.devices.processor.Processor;
import io.splitstream.devices.processor.ProcessorKind;
import io.splitstream.devices.processor.ProcessorOfflineException;
import io.splitstream.devices.tensor.Tensor;
import io.splitstream.devices.tensor.TensorMap;
import io.splitstream.operators.Admission;
import io.splitstream.operators.EpochSwitch;
import io.splitstream.operators.FrameAudit;
import io.splitstream.operators.HandOff;
import io.splitstream.operators.Ledger;
import io.splitstream.operators.LedgerSink;
import io.splitstream.operators.LedgerSnapshot;
import io.splitstream.operators.OrderedStage;
import io.splitstream.operators.Outcome;
import io.splitstream.operators.ShedPolicy;
import io.splitstream.operators.Work;
import io.splitstream.pipeline.frame.Frame;
import io.splitstream.pipeline.frame.StageVisit;
import io.splitstream.pipeline.metrics.FrameCounts;
import io.splitstream.pipeline.metrics.PipelineMetrics;
import io.splitstream.pipeline.metrics.ProcessorLabels;
import io.splitstream.pipeline.metrics.StageMeters;
import io.splitstream.pipeline.plan.Plan;
import io.splitstream.pipeline.source.FrameSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Function;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * One model split across processors, running one stream: source, admission (the overload policy
 * and the frame ledger), the stages of the current plan, sink; and, while it runs, switches from
 * one plan to the next without losing or reordering a frame.
 *
 * <p><b>Stages.</b> Stages on different processors work on different frames at once (pipeline
 * parallelism); a stage with several replicas serves frames on each of them (data parallelism)
 * and still emits them in order. Every invocation goes through its processor's lane ({@link
 * ProcessorLanes}): a processor serves one invocation at a time whichever stage, epoch or probe
 * asks, and the wait for it is queue time. Before a stage computes, the frame's input tensors move
 * from the previous stage's processor (the host processor for the first stage) at the platform
 * interconnect's cost; the last stage moves the outputs back to the host.
 *
 * <p><b>Epochs.</b> A frame is stamped at admission with the epoch of the plan current then, and
 * that plan computes it ({@link EpochSwitch#routedBy}). {@link #switchTo(Plan)} loads the new
 * plan's segments while the old plan serves (make before break: reused segments from the {@link
 * SegmentCache} cost nothing; new ones cost their load time, charged on the pipeline clock before
 * the switch takes effect), then makes it current. The old epoch finishes the frames it was given,
 * then its segments are released to the cache. Outputs leave in admission order across epochs.
 *
 * <p><b>Processor loss.</b> With {@link Builder#retryOnLoss(boolean)}, a frame whose processor
 * is found offline (mid-invocation or when its turn comes) is counted as retried and runs again:
 * on a replica of the same stage that has not failed that way, if the stage has one, else from its
 * input under the first plan that does not use the lost processor; either way it keeps its place
 * in the order; when no plan can run it ({@link #noPlan}), it fails with that cause. Without it the
 * frame fails with {@code ProcessorOfflineException}.
 *
 * <p><b>Ledger and audit.</b> Every frame the source emits is counted once and leaves once:
 * completed, shed by the named policy, or failed with its cause (a segment that throws fails that
 * frame only). Besides the ledger's counters, a {@link FrameAudit} checks by stream and sequence
 * number that each offered frame was settled exactly once; the report carries its verdict. A
 * source error ends admission; the frames admitted before it finish, and {@link #run()} still
 * reports, with the error.
 *
 * <p>One run per instance. Thread-safe: {@link #drain()}, {@link #switchTo}, {@link #ledger()}
 * and {@link #progress()} may be called from any thread while it runs.
 */
public final class Pipeline implements AutoCloseable {

  /** A segment loaded on one processor: one worker of a stage. */
  public record Replica(Processor processor, LoadedSegment loaded) {
    public Replica {
      Objects.requireNonNull(processor, "processor");
      Objects.requireNonNull(loaded, "loaded");
    }
  }

  /** One stage of a plan: its segment and the replicas that run it. */
  public record StageBinding(int index, Segment segment, List<Replica> replicas) {
    public StageBinding {
      replicas = List.copyOf(replicas);
      if (replicas.isEmpty()) {
        throw new IllegalArgumentException("stage " + index + " has no replica");
      }
    }
  }

  /**
   * One invocation as measured, for the controller: how long {@code processor} was busy computing
   * nodes {@code [firstNode, endNode)} on the pipeline clock (its lane's service time less the
   * transfers: on an emulated processor the profile's time, or the host's when the host was
   * slower; on a real one what the runtime took), at {@code atNanos}.
   */
  public record Observation(String processor, int firstNode, int endNode, long serviceNanos, long atNanos, boolean probe) {}

  /**
   * A switch that took effect.
   *
   * @param epoch the new plan's epoch
   * @param loadCost what loading its new segments cost (charged before it took effect)
   * @param loaded segments it had to load
   * @param reused segments it found loaded
   * @param atNanos when it took effect, pipeline clock
   */
  public record Activation(long epoch, Plan plan, Duration loadCost, int loaded, int reused, long atNanos) {}

  /** A point-in-time view for a progress line. */
  public record Progress(LedgerSnapshot ledger, double elapsedSeconds, double p50Ms, double p99Ms, long retried) {}

  private final String modelName;
  private final Platform platform;
  private final FrameSource source;
  private final ShedPolicy policy;
  private final int capacity;
  private final int handOffCapacity;
  private final Scheduler clock;
  private final boolean simulated;
  private final Consumer<Outcome<Frame>> onOutcome;
  private final Consumer<io.splitstream.pipeline.frame.Settlement> onSettled;
  private final Runnable onClose;
  private final SegmentCache cache;
  private final ProcessorLanes lanes;
  private final boolean ownsLanes;
  private final boolean retryOnLoss;
  private final Optional<Duration> budget;

  private final Ledger ledger = new Ledger();
  private final FrameAudit audit = new FrameAudit();
  private final Admission<Frame> admission;
  private final EpochSwitch<Frame, Frame> epochSwitch;
  private final PipelineMetrics metrics;
  private final Histogram latency = new ConcurrentHistogram(3_600_000_000_000L, 3);
  private final Map<String, Long> lastSeq = new ConcurrentHashMap<>();
  private final AtomicLong orderViolations = new AtomicLong();
  private final AtomicLong firstCompletion = new AtomicLong(Long.MIN_VALUE);
  private final AtomicLong lastCompletion = new AtomicLong(Long.MIN_VALUE);
  private final LongAdder retried = new LongAdder();
  private final LongAdder withinBudget = new LongAdder();
  private final LongAdder loadNanos = new LongAdder();
  private final List<Long> completedPerBucket = new ArrayList<>();
  private final Map<Long, LiveEpoch> epochs = new ConcurrentHashMap<>();
  private final List<LiveEpoch> allEpochs = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final Sinks.Many<Object> planEvents = Sinks.many().replay().latest();
  private final Sinks.Empty<Void> finished = Sinks.empty();
  /** The last input each (node range, processor) saw, for probes; one entry per key ever used. */
  private final Map<SegmentCache.Key, TensorMap> lastInputs = new ConcurrentHashMap<>();
  /** Processors an invocation found offline, until one on them succeeds again: learnt, not read. */
  private final java.util.Set<String> seenOffline = ConcurrentHashMap.newKeySet();
  private final Processor host;
  private volatile Consumer<Observation> observer = o -> {};
  private volatile Consumer<String> lossListener = id -> {};
  private volatile LiveEpoch current;
  private volatile long startNanos = Long.MIN_VALUE;
  private volatile TensorMap lastSourceInput;
  private final Scheduler preparer = Schedulers.newSingle("splitstream-prepare", true);
  private final MeterRegistry registry;
  private final io.micrometer.core.instrument.Meter retriedMeter;

  /** A reason no plan can run a frame, published by the controller. */
  private record NoPlan(RuntimeException cause) {}

  private Pipeline(Builder b) {
    this.modelName = b.modelName;
    this.platform = b.platform;
    this.source = b.source;
    this.policy = b.policy;
    this.capacity = b.capacity;
    this.handOffCapacity = b.handOffCapacity;
    this.clock = b.clock;
    this.simulated = b.simulated;
    this.onOutcome = b.onOutcome;
    this.onSettled = b.onSettled;
    this.onClose = b.onClose;
    this.cache = b.cache;
    this.ownsLanes = b.lanes == null;
    this.lanes = b.lanes != null ? b.lanes : new ProcessorLanes(platform, clock, simulated);
    this.retryOnLoss = b.retryOnLoss;
    this.budget = b.policy instanceof ShedPolicy.Deadline d ? Optional.of(d.budget()) : b.budget;
    this.admission = Admission.of(policy, capacity, ledger, Frame::captureNanos, clock,
        (frame, reason) -> settled(frame, "shed:" + reason))
        .tagging(f -> f.withEpoch(current.number))
        .gatedBy(this::onTime);
    this.metrics = new PipelineMetrics(b.registry, modelName, this::frameCounts, () -> clock.now(TimeUnit.NANOSECONDS));
    budget.ifPresent(metrics::latencyBudget);
    if (source.nominalRate().isPresent()) {
      metrics.bindSourceRate(() -> source.nominalRate().orElse(0));
    }
    for (Processor p : platform.processors()) {
      if (p.emulated()) {
        metrics.bindEmulationLag(ProcessorLabels.of(p), () -> lanes.emulationLagNanos(p.id()),
            () -> lanes.emulationLag(p.id()));
      }
    }
    this.host = platform.processors().stream()
        .filter(p -> p.id().equals("cpu"))
        .findFirst()
        .or(() -> platform.processors().stream().filter(p -> p.kind() == ProcessorKind.CPU).findFirst())
        .orElse(null);
    this.registry = b.registry;
    this.retriedMeter = io.micrometer.core.instrument.FunctionCounter
        .builder("splitstream.frames.retried", retried, LongAdder::sum)
        .description("Frames run again after their processor was lost: on another replica of their stage, or under a later plan")
        .tags("model", modelName)
        .register(b.registry);
    LiveEpoch first = new LiveEpoch(0, b.plan.withEpoch(0), b.stages, b.loadedFirst, 0);
    this.current = first;
    epochs.put(0L, first);
    allEpochs.add(first);
    this.epochSwitch = EpochSwitch.routedBy(Frame::epoch, chain(first)).onRetired(e -> retire(e.number()));
    planEvents.tryEmitNext(first);
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Runs the stream. Subscribe once; emits the report when the source has ended (or failed, or
   * the run was drained) and every admitted frame has left.
   */
  public Mono<RunReport> run() {
    return Mono.defer(() -> {
      startNanos = clock.now(TimeUnit.NANOSECONDS);
      publishPlan(current);
      Flux<Outcome<Frame>> flow = source.frames()
          .doOnNext(f -> {
            audit.offered(f.streamId(), f.seq());
            lastSourceInput = f.tensors();
          })
          .transform(admission)
          .transform(epochSwitch);
      return LedgerSink.settle(flow, ledger, this::atSink)
          .map(snap -> report(snap, null))
          .onErrorResume(e -> Mono.fromSupplier(() -> report(ledger.snapshot(), e)))
          .doFinally(s -> finished.tryEmitEmpty());
    });
  }

  /** Completes when {@link #run()} has ended (reported, failed or been cancelled). */
  public Mono<Void> finished() {
    return finished.asMono();
  }

  /** Stops admitting: the source is cancelled, frames in flight finish, then {@link #run()} reports. */
  public void drain() {
    admission.drain();
  }

  public LedgerSnapshot ledger() {
    return ledger.snapshot();
  }

  /** When {@link #run()} started on the pipeline clock; {@code Long.MIN_VALUE} before. */
  public long startNanos() {
    return startNanos;
  }

  /** The admission buffer (or request-ahead under {@code block}), in frames. */
  public int capacity() {
    return capacity;
  }

  /** The plan frames admitted now go to. */
  public Plan plan() {
    return current.plan;
  }

  public PipelineMetrics metrics() {
    return metrics;
  }

  public Platform platform() {
    return platform;
  }

  public Scheduler clock() {
    return clock;
  }

  /** The segment cache behind {@link #switchTo}, if the pipeline was given one. */
  public Optional<SegmentCache> cache() {
    return Optional.ofNullable(cache);
  }

  /** Frames run again after their processor was lost (on another replica, or under a later plan). */
  public long retried() {
    return retried.sum();
  }

  /** Sees every frame invocation's measured compute time, on the thread that ended it (probes are returned by {@link #probe}). */
  public void observe(Consumer<Observation> listener) {
    this.observer = Objects.requireNonNull(listener, "listener");
  }

  /** Told the id of each processor an invocation found offline. */
  public void onProcessorLost(Consumer<String> listener) {
    this.lossListener = Objects.requireNonNull(listener, "listener");
  }

  public Progress progress() {
    long now = clock.now(TimeUnit.NANOSECONDS);
    double elapsed = startNanos == Long.MIN_VALUE ? 0 : (now - startNanos) / 1e9;
    return new Progress(ledger.snapshot(), elapsed, percentileMs(50), percentileMs(99), retried.sum());
  }

  /**
   * Loads {@code plan} (what the cache lacks) while the current plan serves, charges its load cost
   * on the pipeline clock, then makes it current: frames admitted from then on run on it. Emits
   * the activation; errors (e.g. a processor that refuses a segment) leave the current plan in
   * place.
   *
   * @throws IllegalStateException when the pipeline was built without a segment cache
   */
  public Mono<Activation> switchTo(Plan plan) {
    return switchTo(plan, false);
  }

  /**
   * {@link #switchTo(Plan)}; with {@code free}, the load cost is neither waited for nor counted
   * (the oracle baseline, which switches for free).
   */
  public Mono<Activation> switchTo(Plan plan, boolean free) {
    if (cache == null) {
      return Mono.error(new IllegalStateException("this pipeline was built without a segment cache: it cannot switch plans"));
    }
    Objects.requireNonNull(plan, "plan");
    return Mono.defer(() -> {
      long wallStart = System.nanoTime();
      Mono<SegmentCache.LoadedPlan> load = Mono.fromCallable(() -> cache.acquire(plan));
      if (!simulated) {
        load = load.subscribeOn(Schedulers.boundedElastic());
      }
      return load.flatMap(lp -> {
        long charge = free ? 0 : lp.loadCost().toNanos();
        if (!simulated && !free) {
          // real time: what the host already spent loading counts towards the cost
          charge -= System.nanoTime() - wallStart;
        }
        Mono<SegmentCache.LoadedPlan> ready = charge > 0
            ? Mono.delay(Duration.ofNanos(charge), clock).thenReturn(lp)
            : Mono.just(lp);
        return ready.map(x -> activate(x, free));
      });
    });
  }

  /**
   * Loads {@code plan}'s missing segments into the cache in the background (off the lanes, off the
   * caller's thread in real time), so that a later switch to it finds them ready: contingency
   * plans prepared in advance. A no-op without a cache.
   */
  public void prepare(Plan plan) {
    if (cache == null) {
      return;
    }
    if (simulated) {
      cache.prepare(plan);
    } else {
      // one thread, so preparations keep the order they were asked in
      preparer.schedule(() -> cache.prepare(plan));
    }
  }

  /**
   * Tells frames waiting for a plan without a lost processor that none can be had: they fail
   * with {@code cause}. A later {@link #switchTo} serves the frames lost after it.
   */
  public synchronized void noPlan(RuntimeException cause) {
    planEvents.tryEmitNext(new NoPlan(Objects.requireNonNull(cause, "cause")));
  }

  /**
   * Tells frames waiting for a plan that the current one can serve them again (after {@link
   * #noPlan}, when the lost processor came back and no switch was needed).
   */
  public synchronized void planAvailable() {
    planEvents.tryEmitNext(current);
  }

  /**
   * Runs one invocation on {@code processorId} with an idle segment loaded there and the last
   * input it saw, through the processor's lane (a probe costs real processor time, like any
   * invocation). Empty when nothing is loaded there or it never ran; errors when the processor is
   * offline.
   */
  public Mono<Observation> probe(String processorId) {
    if (cache == null) {
      return Mono.empty();
    }
    return Mono.defer(() -> {
      for (Map.Entry<SegmentCache.Key, LoadedSegment> e : cache.loadedOn(processorId)) {
        SegmentCache.Key key = e.getKey();
        TensorMap in = lastInputs.get(key);
        if (in == null && key.firstNode() == 0) {
          in = lastSourceInput;
        }
        if (in != null) {
          return lanes.invoke(e.getValue(), in, 0, t -> 0).map(inv -> {
            seenOffline.remove(processorId);
            return new Observation(processorId, key.firstNode(), key.endNode(), inv.computeNanos(), inv.endedNanos(), true);
          });
        }
      }
      return Mono.empty();
    });
  }

  private synchronized Activation activate(SegmentCache.LoadedPlan lp, boolean free) {
    long number = current.number + 1;
    Plan plan = lp.plan().withEpoch(number);
    long now = clock.now(TimeUnit.NANOSECONDS);
    LiveEpoch ep = new LiveEpoch(number, plan, lp.stages(), lp, now);
    EpochSwitch.Epoch<Frame, Frame> e = epochSwitch.switchTo(chain(ep));
    if (e.number() != number) {
      throw new IllegalStateException("epoch switch numbered the new plan " + e.number() + ", expected " + number);
    }
    epochs.put(number, ep);
    allEpochs.add(ep);
    current = ep;
    Duration charged = free ? Duration.ZERO : lp.loadCost();
    loadNanos.add(charged.toNanos());
    publishPlan(ep);
    planEvents.tryEmitNext(ep);
    return new Activation(number, plan, charged, lp.loaded(), lp.reused(), now);
  }

  private void publishPlan(LiveEpoch ep) {
    metrics.planChanged(ep.plan.label(), ep.number, ep.plan.throughputFps(),
        Duration.ofNanos(Math.round(ep.plan.latencyMs() * 1e6)));
    for (int i = 0; i < ep.handOffs.size(); i++) {
      metrics.bindQueueDepth(i, ep.handOffs.get(i)::depth);
    }
  }

  private void retire(long number) {
    LiveEpoch ep = epochs.remove(number);
    if (ep != null) {
      ep.until = clock.now(TimeUnit.NANOSECONDS);
    }
    if (ep != null && ep.loaded != null && cache != null) {
      cache.release(ep.loaded);
    }
  }

  /**
   * Under {@code deadline}: whether a frame leaving the admission buffer now is forecast to finish
   * its epoch's stages within the budget (then its place is held), else it is shed uncomputed.
   */
  private boolean onTime(Frame frame, long nowNanos) {
    LiveEpoch ep = epochs.get(frame.epoch());
    long budgetNanos = budget.map(Duration::toNanos).orElse(Long.MAX_VALUE);
    return ep == null ? nowNanos - frame.captureNanos() <= budgetNanos
        : ep.forecast.reserve(frame.captureNanos(), nowNanos, budgetNanos);
  }

  private double percentileMs(double p) {
    return latency.getTotalCount() == 0 ? 0 : latency.getValueAtPercentile(p) / 1e6;
  }

  /**
   * The ordered window of a replicated stage: at least 4 frames per replica, and room for twice
   * the frames the other replicas finish while the slowest serves one (predicted times), so a fast
   * replica is not held idle behind a slow one at the head of the order. With 4 per replica alone,
   * a 0.15 ms CPU replica beside a 2.5 ms GPU one reached 0.71 of the plan's bound (docs/study.md).
   */
  static int orderWindow(Plan.Stage stage) {
    double slowest = stage.replicas().stream().mapToDouble(Plan.Replica::totalMs).max().orElse(0);
    long frames = 0;
    for (Plan.Replica r : stage.replicas()) {
      frames += r.totalMs() > 0 ? (long) Math.ceil(slowest / r.totalMs()) : 1;
    }
    return (int) Math.min(4096, Math.max(4L * stage.replicas().size(), 2 * frames));
  }

  /** The stages of one epoch as one chain: a hand-off before each ordered stage. */
  private Function<Flux<Outcome<Frame>>, Flux<Outcome<Frame>>> chain(LiveEpoch ep) {
    return in -> {
      Flux<Outcome<Frame>> flow = in;
      for (StageBinding s : ep.stages) {
        OrderedStage<Frame, Frame> stage = OrderedStage.<Replica, Frame, Frame>async(
            "stage" + s.index(), s.replicas(), w -> work(ep, s, w), clock);
        if (s.replicas().size() > 1) {
          // replicas of unequal speed: let fast ones run ahead of a slow one holding the head of the order
          stage = stage.withWindow(orderWindow(ep.plan.stages().get(s.index())));
        }
        if (policy instanceof ShedPolicy.Deadline d) {
          int index = s.index();
          stage = stage.withDeadline(d, Frame::captureNanos, () -> ep.forecast.remainingFrom(index));
        }
        flow = flow.transform(ep.handOffs.get(s.index())).transform(stage);
      }
      return flow;
    };
  }

  private Mono<Frame> work(LiveEpoch ep, StageBinding s, Work<Replica, Frame> w) {
    Frame frame = w.item();
    if (frame.done()) {
      // a re-run under a later plan already took it through every stage
      return Mono.just(frame);
    }
    return invoke(ep, s, w.worker(), frame, w.enqueuedNanos())
        .onErrorResume(ProcessorOfflineException.class, e -> {
          seenOffline.add(e.processorId());
          if (!retryOnLoss) {
            return Mono.error(e);
          }
          // a surviving replica of the same stage takes it at once, in this epoch, in its place
          Optional<Replica> other = s.replicas().stream()
              .filter(x -> !seenOffline.contains(x.processor().id()))
              .findFirst();
          if (other.isEmpty()) {
            return rerun(frame, e, 0);
          }
          retried.increment();
          lossListener.accept(e.processorId());
          return invoke(ep, s, other.get(), frame, w.enqueuedNanos())
              .onErrorResume(ProcessorOfflineException.class, e2 -> {
                seenOffline.add(e2.processorId());
                return rerun(frame, e2, 1);
              });
        });
  }

  private Mono<Frame> invoke(LiveEpoch ep, StageBinding s, Replica r, Frame frame, long enqueued) {
    return Mono.defer(() -> {
      TensorMap inputs = select(frame.tensors(), s.segment().inputs(), s.segment().label());
      Processor from = s.index() == 0 ? host : previousProcessor(frame);
      long transferIn = transfer(from, r.processor(), inputs.totalBytes());
      boolean last = s.index() == ep.stages.size() - 1;
      Plan.Stage planned = ep.plan.stages().get(s.index());
      lastInputs.put(new SegmentCache.Key(planned.firstNode(), planned.endNode(), r.processor().id()), inputs);
      return lanes.invoke(r.loaded(), inputs, transferIn,
              out -> last ? transfer(r.processor(), host, out.totalBytes()) : 0)
          .map(inv -> {
            seenOffline.remove(r.processor().id());
            StageVisit visit = new StageVisit(s.index(), r.processor().id(), enqueued, inv.startedNanos(),
                inv.endedNanos(), inv.execution().hostNanos(), inv.execution().emulated());
            ep.stats.get(s.index()).record(r.processor().id(), visit);
            ep.forecast.measured(s.index(), visit.startedNanos(), visit.serviceNanos());
            Plan.Stage ps = ep.plan.stages().get(s.index());
            observer.accept(new Observation(r.processor().id(), ps.firstNode(), ps.endNode(),
                inv.computeNanos(), inv.endedNanos(), false));
            // a segment's outputs are exactly what crosses the next cut (pass-through tensors included)
            return frame.after(visit, inv.execution().outputs());
          });
    });
  }

  /**
   * Runs {@code frame} again from its input under the first plan without the lost processor, every
   * stage in turn, and marks it done so the rest of its own epoch passes it on in order.
   */
  private Mono<Frame> rerun(Frame frame, ProcessorOfflineException lost, int attempt) {
    if (attempt == 0) {
      retried.increment();
    }
    lossListener.accept(lost.processorId());
    if (attempt >= platform.processors().size()) {
      return Mono.error(lost);
    }
    return planEvents.asFlux()
        .filter(x -> x instanceof NoPlan || !((LiveEpoch) x).uses(lost.processorId()))
        .next()
        .flatMap(x -> x instanceof NoPlan np ? Mono.<Frame>error(np.cause()) : runWhole((LiveEpoch) x, frame.restarted()))
        .onErrorResume(ProcessorOfflineException.class, e -> rerun(frame, e, attempt + 1))
        .map(Frame::finished);
  }

  private Mono<Frame> runWhole(LiveEpoch ep, Frame start) {
    Mono<Frame> m = Mono.just(start);
    for (StageBinding s : ep.stages) {
      m = m.flatMap(f -> {
        long ready = clock.now(TimeUnit.NANOSECONDS);
        Replica r = s.replicas().stream()
            .min(Comparator.comparing((Replica x) -> seenOffline.contains(x.processor().id()))
                .thenComparingInt(x -> lanes.lane(x.processor().id()).queued()))
            .orElseThrow();
        return invoke(ep, s, r, f, ready);
      });
    }
    return m;
  }

  private long transfer(Processor from, Processor to, long bytes) {
    if (from == null || to == null || from == to || bytes == 0) {
      return 0;
    }
    long nanos = platform.interconnect().transferNanos(from, to, bytes);
    metrics.transfer(from.id(), to.id()).record(bytes);
    return Math.max(0, nanos);
  }

  private Processor previousProcessor(Frame frame) {
    if (frame.trace().isEmpty()) {
      return host;
    }
    String id = frame.trace().get(frame.trace().size() - 1).processorId();
    return platform.processor(id);
  }

  private static TensorMap select(TensorMap all, List<TensorSpec> wanted, String segment) {
    Map<String, Tensor> m = new LinkedHashMap<>();
    for (TensorSpec spec : wanted) {
      if (!all.contains(spec.name())) {
        throw new IllegalStateException("segment " + segment + " needs tensor '" + spec.name()
            + "' but the frame carries only " + all.names());
      }
      m.put(spec.name(), all.get(spec.name()));
    }
    return TensorMap.of(m);
  }

  private void atSink(Outcome<Frame> outcome) {
    Object item = outcome instanceof Outcome.Ok<Frame> ok ? ok.value()
        : outcome instanceof Outcome.Failed<Frame> f ? f.item()
        : ((Outcome.Shed<Frame>) outcome).item();
    if (item instanceof Frame frame) {
      Long prev = lastSeq.put(frame.streamId(), frame.seq());
      if (prev != null && prev >= frame.seq()) {
        orderViolations.incrementAndGet();
      }
      String how;
      if (outcome instanceof Outcome.Ok<Frame>) {
        long now = clock.now(TimeUnit.NANOSECONDS);
        long l = Math.max(0, now - frame.captureNanos());
        latency.recordValue(Math.min(l, latency.getHighestTrackableValue()));
        metrics.recordLatency(l);
        if (budget.isPresent() && l <= budget.get().toNanos()) {
          withinBudget.increment();
        }
        firstCompletion.compareAndSet(Long.MIN_VALUE, now);
        lastCompletion.set(now);
        countCompletion(now);
        how = "completed";
      } else if (outcome instanceof Outcome.Failed<Frame> f) {
        how = "failed:" + Ledger.causeName(f.cause());
      } else {
        how = "shed:" + ((Outcome.Shed<Frame>) outcome).reason();
      }
      settled(frame, how);
    }
    onOutcome.accept(outcome);
  }

  private void settled(Frame frame, String how) {
    audit.settled(frame.streamId(), frame.seq(), how);
    onSettled.accept(io.splitstream.pipeline.frame.Settlement.of(frame, clock.now(TimeUnit.NANOSECONDS), how));
  }

  /** Completed frames per {@link RunReport#TIMELINE_BUCKET} of the run, for the report's timeline. */
  private synchronized void countCompletion(long now) {
    int bucket = (int) Math.min(Integer.MAX_VALUE, Math.max(0, (now - startNanos) / RunReport.TIMELINE_BUCKET.toNanos()));
    while (completedPerBucket.size() <= bucket) {
      completedPerBucket.add(0L);
    }
    completedPerBucket.set(bucket, completedPerBucket.get(bucket) + 1);
  }

  private synchronized List<Long> timeline() {
    return List.copyOf(completedPerBucket);
  }

  /**
   * The ledger for the metrics, with the reasons a run of this policy expects listed at 0 from the
   * start (its shed policy's, and a processor lost with no plan to move to), so their series exist
   * before the first such frame and {@code rate()} over them reads 0 instead of nothing.
   */
  private FrameCounts frameCounts() {
    LedgerSnapshot s = ledger.snapshot();
    return new FrameCounts(s.offered(), s.completed(), withZeros(s.shedByReason(), knownShedReasons()),
        withZeros(s.failedByCause(), KNOWN_FAILURES), s.inFlight());
  }

  /**
   * Failure causes this pipeline reports, listed with 0 from the start so that their series exist
   * before the first such frame (an alert on a rate then sees 0, not "no data"): a processor lost,
   * and no plan able to run the frame (the planner's {@code SplitstreamException}).
   */
  private static final List<String> KNOWN_FAILURES = List.of(
      ProcessorOfflineException.class.getSimpleName(),
      io.splitstream.devices.SplitstreamException.class.getSimpleName());

  /** Shed reasons this pipeline's policy can report, listed with 0 from the start (see KNOWN_FAILURES). */
  private List<String> knownShedReasons() {
    List<String> known = new ArrayList<>(List.of(Admission.CANCELLED));
    if (!(policy instanceof ShedPolicy.Block)) {
      known.add(policy.reason());
    }
    if (policy instanceof ShedPolicy.Deadline) {
      known.add(ShedPolicy.Deadline.OVERFLOW);
    }
    return known;
  }

  private static Map<String, Long> withZeros(Map<String, Long> counts, List<String> known) {
    Map<String, Long> all = new LinkedHashMap<>();
    known.forEach(k -> all.put(k, 0L));
    all.putAll(counts);
    return all;
  }

  private RunReport report(LedgerSnapshot snap, Throwable error) {
    long end = clock.now(TimeUnit.NANOSECONDS);
    double seconds = (end - startNanos) / 1e9;
    long first = firstCompletion.get();
    long lastDone = lastCompletion.get();
    double steady = snap.completed() > 1 && lastDone > first
        ? (snap.completed() - 1) / ((lastDone - first) / 1e9)
        : 0;
    List<RunReport.StageReport> stageReports = new ArrayList<>();
    for (LiveEpoch ep : allEpochs) {
      for (StageStats st : ep.stats) {
        if (st.count.sum() > 0 || ep == current) {
          long from = Math.max(ep.since, startNanos);
          long to = ep.until == Long.MIN_VALUE ? end : ep.until;
          stageReports.add(st.report(ep.number, Math.max(0, to - from) / 1e9, metrics));
        }
      }
    }
    FrameAudit.Result verdict = audit.result();
    Plan first0 = allEpochs.get(0).plan;
    return new RunReport(
        modelName,
        platform.name(),
        platform.description(),
        platform.emulated(),
        simulated,
        source.description(),
        policy.name(),
        first0.label(),
        first0.throughputFps(),
        first0.latencyMs(),
        seconds,
        RunReport.LedgerReport.of(snap),
        seconds > 0 ? snap.completed() / seconds : 0,
        steady,
        RunReport.LatencyReport.of(latency),
        stageReports,
        orderViolations.get(),
        lanes.emulationLag(),
        "",
        retried.sum(),
        budget.map(b -> b.toNanos() / 1e6).orElse(0.0),
        withinBudget.sum(),
        new RunReport.AuditReport(verdict.passed(), verdict.describe()),
        error == null ? "" : describe(error),
        RunReport.Adaptation.none(current.plan.label(), current.number, loadNanos.sum() / 1e6),
        RunReport.Timeline.of(timeline()),
        io.splitstream.pipeline.report.RunDetail.empty());
  }

  private static String describe(Throwable e) {
    String m = e.getMessage();
    return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
  }

  /** Closes the loaded segments and the processors' threads. Idempotent. */
  @Override
  public void close() {
    metrics.close();
    registry.remove(retriedMeter);
    preparer.dispose();
    if (ownsLanes) {
      lanes.close();
    }
    if (cache != null) {
      cache.close();
    }
    onClose.run();
  }

  /** One plan epoch while it serves: its stages, their hand-offs and statistics. */
  private final class LiveEpoch {
    final long number;
    final Plan plan;
    final List<StageBinding> stages;
    final SegmentCache.LoadedPlan loaded;
    final List<HandOff<Outcome<Frame>>> handOffs = new ArrayList<>();
    final List<StageStats> stats = new ArrayList<>();
    final DeadlineForecast forecast;
    final long since;
    volatile long until = Long.MIN_VALUE;

    LiveEpoch(long number, Plan plan, List<StageBinding> stages, SegmentCache.LoadedPlan loaded, long since) {
      this.since = since;
      this.number = number;
      this.plan = plan;
      this.stages = List.copyOf(stages);
      this.loaded = loaded;
      this.forecast = new DeadlineForecast(plan);
      for (StageBinding s : this.stages) {
        handOffs.add(HandOff.bounded(handOffCapacity));
        StageStats st = new StageStats(s);
        for (Replica r : s.replicas()) {
          st.meters.put(r.processor().id(), metrics.stage(s.index(), ProcessorLabels.of(r.processor())));
        }
        stats.add(st);
      }
    }

    boolean uses(String processor) {
      return stages.stream().anyMatch(s -> s.replicas().stream().anyMatch(r -> r.processor().id().equals(processor)));
    }
  }

  /** Per-stage accumulation of queue wait and service time. */
  private static final class StageStats {
    final StageBinding binding;
    final LongAdder count = new LongAdder();
    final LongAdder queueNanos = new LongAdder();
    final LongAdder serviceNanos = new LongAdder();
    final LongAdder hostNanos = new LongAdder();
    final Map<String, StageMeters> meters = new ConcurrentHashMap<>();

    StageStats(StageBinding binding) {
      this.binding = binding;
    }

    void record(String processorId, StageVisit v) {
      count.increment();
      queueNanos.add(v.queueNanos());
      serviceNanos.add(v.serviceNanos());
      hostNanos.add(v.hostNanos());
      StageMeters m = meters.get(processorId);
      if (m != null) {
        m.record(v);
      }
    }

    RunReport.StageReport report(long epoch, double seconds, PipelineMetrics metrics) {
      long n = count.sum();
      List<String> procs = binding.replicas().stream().map(r -> r.processor().id()).toList();
      double busy = procs.stream().mapToDouble(metrics::busyShare).average().orElse(0);
      return new RunReport.StageReport(
          epoch,
          binding.index(),
          binding.segment().label(),
          procs,
          binding.replicas().get(0).processor().emulated(),
          n,
          n == 0 ? 0 : queueNanos.sum() / 1e6 / n,
          n == 0 ? 0 : serviceNanos.sum() / 1e6 / n,
          n == 0 ? 0 : hostNanos.sum() / 1e6 / n,
          seconds > 0 ? serviceNanos.sum() / 1e9 / seconds / procs.size() : 0,
          busy);
    }
  }

  /** Assembles a pipeline; see {@link SegmentCache} for loading a plan's stages. */
  public static final class Builder {
    private String modelName;
    private Platform platform;
    private Plan plan;
    private List<StageBinding> stages = List.of();
    private FrameSource source;
    private ShedPolicy policy = ShedPolicy.BLOCK;
    private int capacity = 32;
    private int handOffCapacity = 4;
    private Scheduler clock;
    private boolean simulated;
    private MeterRegistry registry;
    private Consumer<Outcome<Frame>> onOutcome = o -> {};
    private Consumer<io.splitstream.pipeline.frame.Settlement> onSettled = x -> {};
    private Runnable onClose = () -> {};
    private SegmentCache cache;
    private SegmentCache.LoadedPlan loadedFirst;
    private ProcessorLanes lanes;
    private boolean retryOnLoss;
    private Optional<Duration> budget = Optional.empty();

    private Builder() {}

    public Builder model(String name) {
      this.modelName = name;
      return this;
    }

    public Builder platform(Platform p) {
      this.platform = p;
      return this;
    }

    /** The first plan (epoch 0). */
    public Builder plan(Plan p) {
      this.plan = p;
      return this;
    }

    /** The first plan's stages, loaded. */
    public Builder stages(List<StageBinding> s) {
      this.stages = s;
      return this;
    }

    /**
     * The first plan, loaded through {@code cache}, which also serves every later {@link
     * Pipeline#switchTo} and is closed with the pipeline.
     */
    public Builder plan(Plan p, SegmentCache cache) {
      this.plan = p;
      this.cache = cache;
      this.loadedFirst = cache.acquire(p);
      this.stages = loadedFirst.stages();
      return this;
    }

    public Builder source(FrameSource s) {
      this.source = s;
      return this;
    }

    public Builder policy(ShedPolicy p) {
      this.policy = p;
      return this;
    }

    /** Admission buffer (or request-ahead for {@code block}). */
    public Builder capacity(int c) {
      this.capacity = c;
      return this;
    }

    /** Frames a stage may finish ahead of the next one. */
    public Builder handOffCapacity(int c) {
      this.handOffCapacity = c;
      return this;
    }

    /** The pipeline's clock; with {@code simulated}, a SimulatedTime driving everything. */
    public Builder clock(Scheduler c, boolean simulated) {
      this.clock = c;
      this.simulated = simulated;
      return this;
    }

    public Builder registry(MeterRegistry r) {
      this.registry = r;
      return this;
    }

    /** The processors' lanes, when shared with other pipelines; by default the pipeline makes its own. */
    public Builder lanes(ProcessorLanes l) {
      this.lanes = l;
      return this;
    }

    /** Whether a frame that finds its processor offline waits for the next plan and runs again. */
    public Builder retryOnLoss(boolean retry) {
      this.retryOnLoss = retry;
      return this;
    }

    /** The latency budget completed frames are counted against (the deadline policy's, when it is one). */
    public Builder budget(Optional<Duration> b) {
      this.budget = Objects.requireNonNull(b, "budget");
      return this;
    }

    /** Sees every outcome at the sink, in order, before it is settled. */
    public Builder onOutcome(Consumer<Outcome<Frame>> c) {
      this.onOutcome = c;
      return this;
    }

    /**
     * Told how each offered frame settled, exactly once per frame, on the thread that settled it
     * (the sink's, or the admitting thread for a frame shed at admission): what a per-stream
     * report, a trace file or a network reply is built from. Must be quick and thread-safe.
     */
    public Builder onSettled(Consumer<io.splitstream.pipeline.frame.Settlement> c) {
      this.onSettled = Objects.requireNonNull(c, "onSettled");
      return this;
    }

    /** Runs at {@link Pipeline#close()}: releases what the assembly loaded. */
    public Builder onClose(Runnable r) {
      this.onClose = r;
      return this;
    }

    public Pipeline build() {
      Objects.requireNonNull(modelName, "model");
      Objects.requireNonNull(platform, "platform");
      Objects.requireNonNull(plan, "plan");
      Objects.requireNonNull(source, "source");
      Objects.requireNonNull(clock, "clock");
      Objects.requireNonNull(registry, "registry");
      if (stages.isEmpty()) {
        throw new IllegalArgumentException("a pipeline needs at least one stage");
      }
      return new Pipeline(this);
    }
  }
}
