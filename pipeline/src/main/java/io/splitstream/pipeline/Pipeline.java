package io.splitstream.pipeline;

import io.micrometer.core.instrument.MeterRegistry;
import io.splitstream.devices.model.Segment;
import io.splitstream.devices.model.TensorSpec;
import io.splitstream.devices.processor.Execution;
import io.splitstream.devices.processor.LoadedSegment;
import io.splitstream.devices.processor.Platform;
import io.splitstream.devices.processor.Processor;
import io.splitstream.devices.processor.ProcessorKind;
import io.splitstream.devices.tensor.Tensor;
import io.splitstream.devices.tensor.TensorMap;
import io.splitstream.operators.Admission;
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
import io.splitstream.pipeline.metrics.TransferMeter;
import io.splitstream.pipeline.plan.Plan;
import io.splitstream.pipeline.source.FrameSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * One model split across processors, running one stream: source, admission (the overload policy
 * and the frame ledger), one ordered stage per segment of the plan, sink.
 *
 * <p>Stages on different processors work on different frames at once (pipeline parallelism); a
 * stage with several replicas serves frames on each of them (data parallelism) and still emits
 * them in order. Before a stage computes, the frame's input tensors move from the previous
 * stage's processor (the host processor for the first stage) at the platform interconnect's cost;
 * the last stage moves the outputs back to the host. Emulated processors hold the stage busy for
 * their profile's service time, measured on the pipeline's scheduler, so the same assembly runs in
 * real time or, on a {@link io.splitstream.operators.time.SimulatedTime}, in virtual time.
 *
 * <p>Every frame the source emits is counted once and leaves once: completed, shed by the named
 * policy, or failed with its cause (a segment that throws fails that frame only). {@link #run()}
 * emits the {@link RunReport} when the source has ended (or {@link #drain()} was called) and every
 * admitted frame has left; cancelling it settles the frames in flight as shed {@code cancelled}.
 *
 * <p>One run per instance. Thread-safe: {@link #drain()}, {@link #ledger()} and {@link
 * #progress()} may be called from any thread while it runs.
 */
public final class Pipeline implements AutoCloseable {

  /** A segment loaded on one processor: one worker of a stage. */
  public record Replica(Processor processor, LoadedSegment loaded, Scheduler runOn) {
    public Replica {
      Objects.requireNonNull(processor, "processor");
      Objects.requireNonNull(loaded, "loaded");
      Objects.requireNonNull(runOn, "runOn");
    }
  }

  /** One stage of the running plan: its segment and the replicas that run it. */
  public record StageBinding(int index, Segment segment, List<Replica> replicas) {
    public StageBinding {
      replicas = List.copyOf(replicas);
      if (replicas.isEmpty()) {
        throw new IllegalArgumentException("stage " + index + " has no replica");
      }
    }
  }

  /** A point-in-time view for a progress line. */
  public record Progress(LedgerSnapshot ledger, double elapsedSeconds, double p50Ms, double p99Ms) {}

  private final String modelName;
  private final Platform platform;
  private final Plan plan;
  private final List<StageBinding> stages;
  private final FrameSource source;
  private final ShedPolicy policy;
  private final int capacity;
  private final int handOffCapacity;
  private final Scheduler clock;
  private final boolean simulated;
  private final Consumer<Outcome<Frame>> onOutcome;
  private final Runnable onClose;

  private final Ledger ledger = new Ledger();
  private final Admission<Frame> admission;
  private final PipelineMetrics metrics;
  private final Histogram latency = new ConcurrentHistogram(3_600_000_000_000L, 3);
  private final Map<String, Long> lastSeq = new ConcurrentHashMap<>();
  private final AtomicLong orderViolations = new AtomicLong();
  private final AtomicLong emulationLag = new AtomicLong();
  private final AtomicLong firstCompletion = new AtomicLong(Long.MIN_VALUE);
  private final AtomicLong lastCompletion = new AtomicLong(Long.MIN_VALUE);
  private final List<StageStats> stageStats = new ArrayList<>();
  private final Processor host;
  private volatile long startNanos = Long.MIN_VALUE;

  private Pipeline(Builder b) {
    this.modelName = b.modelName;
    this.platform = b.platform;
    this.plan = b.plan;
    this.stages = List.copyOf(b.stages);
    this.source = b.source;
    this.policy = b.policy;
    this.capacity = b.capacity;
    this.handOffCapacity = b.handOffCapacity;
    this.clock = b.clock;
    this.simulated = b.simulated;
    this.onOutcome = b.onOutcome;
    this.onClose = b.onClose;
    this.admission = Admission.of(policy, capacity, ledger, Frame::captureNanos, clock, (frame, reason) -> {});
    this.metrics = new PipelineMetrics(b.registry, modelName, this::frameCounts, () -> clock.now(TimeUnit.NANOSECONDS));
    this.host = platform.processors().stream()
        .filter(p -> p.id().equals("cpu"))
        .findFirst()
        .or(() -> platform.processors().stream().filter(p -> p.kind() == ProcessorKind.CPU).findFirst())
        .orElse(null);
    for (StageBinding s : stages) {
      stageStats.add(new StageStats(s));
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Runs the stream. Subscribe once; emits the report when the source has ended or the run was
   * drained, and every admitted frame has left.
   */
  public Mono<RunReport> run() {
    return Mono.defer(() -> {
      startNanos = clock.now(TimeUnit.NANOSECONDS);
      metrics.planChanged(plan.label(), plan.epoch(), plan.throughputFps(),
          Duration.ofNanos(Math.round(plan.latencyMs() * 1e6)));
      Flux<Outcome<Frame>> flow = source.frames().transform(admission);
      for (StageBinding s : stages) {
        HandOff<Outcome<Frame>> handOff = HandOff.bounded(handOffCapacity);
        metrics.bindQueueDepth(s.index(), handOff::depth);
        StageStats stats = stageStats.get(s.index());
        OrderedStage<Frame, Frame> stage = OrderedStage.<Replica, Frame, Frame>async(
            "stage" + s.index(), s.replicas(), w -> work(s, stats, w), clock);
        if (s.replicas().size() > 1) {
          // replicas of unequal speed: let fast ones run ahead of a slow one holding the head of the order
          stage = stage.withWindow(4 * s.replicas().size());
        }
        if (policy instanceof ShedPolicy.Deadline d) {
          stage = stage.withDeadline(d, Frame::captureNanos);
        }
        flow = flow.transform(handOff).transform(stage);
      }
      return LedgerSink.settle(flow, ledger, this::atSink).map(this::report);
    });
  }

  /** Stops admitting: the source is cancelled, frames in flight finish, then {@link #run()} reports. */
  public void drain() {
    admission.drain();
  }

  public LedgerSnapshot ledger() {
    return ledger.snapshot();
  }

  public Plan plan() {
    return plan;
  }

  public PipelineMetrics metrics() {
    return metrics;
  }

  public Progress progress() {
    long now = clock.now(TimeUnit.NANOSECONDS);
    double elapsed = startNanos == Long.MIN_VALUE ? 0 : (now - startNanos) / 1e9;
    return new Progress(ledger.snapshot(), elapsed, percentileMs(50), percentileMs(99));
  }

  private double percentileMs(double p) {
    return latency.getTotalCount() == 0 ? 0 : latency.getValueAtPercentile(p) / 1e6;
  }

  private Mono<Frame> work(StageBinding s, StageStats stats, Work<Replica, Frame> w) {
    Replica r = w.worker();
    Frame frame = w.item();
    TensorMap inputs = select(frame.tensors(), s.segment().inputs(), s.segment().label());
    Processor from = previousProcessor(frame);
    long transferIn = transfer(from, r.processor(), inputs.totalBytes());
    boolean last = s.index() == stages.size() - 1;
    Mono<Execution> compute = Mono.fromCallable(() -> r.loaded().run(inputs));
    if (!simulated) {
      compute = compute.subscribeOn(r.runOn());
    }
    Mono<Execution> afterTransfer = transferIn > 0
        ? Mono.delay(Duration.ofNanos(transferIn), clock).then(compute)
        : compute;
    return Mono.defer(() -> {
      long computeStart = clock.now(TimeUnit.NANOSECONDS) + transferIn;
      return afterTransfer.flatMap(e -> hold(e, computeStart, last ? transfer(r.processor(), host, e.outputs().totalBytes()) : 0));
    }).map(e -> {
      long ended = clock.now(TimeUnit.NANOSECONDS);
      StageVisit visit = new StageVisit(s.index(), r.processor().id(), w.enqueuedNanos(), w.startedNanos(), ended,
          e.hostNanos(), e.emulated());
      stats.record(r.processor().id(), visit);
      // a segment's outputs are exactly what crosses the next cut (pass-through tensors included)
      return frame.after(visit, e.outputs());
    });
  }

  /** Keeps the service time an emulated processor's profile gives; real ones took what they took. */
  private Mono<Execution> hold(Execution e, long computeStart, long transferOut) {
    long hold = transferOut;
    if (e.emulated()) {
      long spent = clock.now(TimeUnit.NANOSECONDS) - computeStart;
      long remaining = e.serviceNanos() - spent;
      if (remaining < 0) {
        // the host computed slower than the emulated processor would have: the emulation lags
        emulationLag.incrementAndGet();
      } else {
        hold += remaining;
      }
    }
    return hold > 0 ? Mono.delay(Duration.ofNanos(hold), clock).thenReturn(e) : Mono.just(e);
  }

  private long transfer(Processor from, Processor to, long bytes) {
    if (from == null || to == null || from == to || bytes == 0) {
      return 0;
    }
    long nanos = platform.interconnect().transferNanos(from, to, bytes);
    TransferMeter meter = metrics.transfer(from.id(), to.id());
    meter.record(bytes);
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
      if (outcome instanceof Outcome.Ok<Frame>) {
        long now = clock.now(TimeUnit.NANOSECONDS);
        long l = Math.max(0, now - frame.captureNanos());
        latency.recordValue(Math.min(l, latency.getHighestTrackableValue()));
        metrics.recordLatency(l);
        firstCompletion.compareAndSet(Long.MIN_VALUE, now);
        lastCompletion.set(now);
      }
    }
    onOutcome.accept(outcome);
  }

  private FrameCounts frameCounts() {
    LedgerSnapshot s = ledger.snapshot();
    return new FrameCounts(s.offered(), s.completed(), s.shedByReason(), s.failedByCause(), s.inFlight());
  }

  private RunReport report(LedgerSnapshot snap) {
    long end = clock.now(TimeUnit.NANOSECONDS);
    double seconds = (end - startNanos) / 1e9;
    long first = firstCompletion.get();
    long lastDone = lastCompletion.get();
    double steady = snap.completed() > 1 && lastDone > first
        ? (snap.completed() - 1) / ((lastDone - first) / 1e9)
        : 0;
    List<RunReport.StageReport> stageReports = new ArrayList<>();
    for (StageStats st : stageStats) {
      stageReports.add(st.report(seconds, metrics));
    }
    return new RunReport(
        modelName,
        platform.name(),
        platform.description(),
        platform.emulated(),
        simulated,
        source.description(),
        policy.name(),
        plan.label(),
        plan.throughputFps(),
        plan.latencyMs(),
        seconds,
        RunReport.LedgerReport.of(snap),
        seconds > 0 ? snap.completed() / seconds : 0,
        steady,
        RunReport.LatencyReport.of(latency),
        stageReports,
        orderViolations.get(),
        emulationLag.get(),
        "");
  }

  /** Closes the loaded segments and the stage threads. Idempotent. */
  @Override
  public void close() {
    metrics.close();
    onClose.run();
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

    RunReport.StageReport report(double seconds, PipelineMetrics metrics) {
      long n = count.sum();
      List<String> procs = binding.replicas().stream().map(r -> r.processor().id()).toList();
      double busy = procs.stream().mapToDouble(metrics::busyShare).average().orElse(0);
      return new RunReport.StageReport(
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

  /** Assembles a pipeline; see {@link Assembly} for building one from a model and a plan. */
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
    private Runnable onClose = () -> {};

    private Builder() {}

    public Builder model(String name) {
      this.modelName = name;
      return this;
    }

    public Builder platform(Platform p) {
      this.platform = p;
      return this;
    }

    public Builder plan(Plan p) {
      this.plan = p;
      return this;
    }

    public Builder stages(List<StageBinding> s) {
      this.stages = s;
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

    /** Sees every outcome at the sink, in order, before it is settled. */
    public Builder onOutcome(Consumer<Outcome<Frame>> c) {
      this.onOutcome = c;
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
      Pipeline p = new Pipeline(this);
      for (StageBinding s : stages) {
        for (Replica r : s.replicas()) {
          StageMeters m = p.metrics.stage(s.index(), ProcessorLabels.of(r.processor()));
          p.stageStats.get(s.index()).meters.put(r.processor().id(), m);
        }
      }
      return p;
    }
  }
}
