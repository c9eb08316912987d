package io.splitstream.pipeline.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.splitstream.pipeline.frame.StageVisit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * The meters of one running pipeline, on a {@link MeterRegistry} it is given (a {@code
 * PrometheusMeterRegistry} in production, a {@code SimpleMeterRegistry} in tests). The catalogue,
 * with units and example queries, is {@code docs/metrics.md}; every meter carries the tag {@code
 * model} besides those listed there.
 *
 * <p>Two kinds of input:
 *
 * <ul>
 *   <li>State the pipeline already keeps is read when the registry is scraped: the frame ledger
 *       through a {@code Supplier<FrameCounts>}, queue depths through a {@link DoubleSupplier} per
 *       stage ({@link #bindQueueDepth}). The ledger is read at most once per {@link #LEDGER_REUSE}
 *       of the registry's clock, or when {@link #refresh()} asks, so the frame meters of one scrape
 *       come from one reading and agree with each other.
 *   <li>Events are recorded by the pipeline as they happen, through handles fetched once at
 *       assembly: {@link StageMeters} per stage and processor, {@link TransferMeter} per pair of
 *       processors, {@link #recordLatency} per completed frame, {@link #planChanged} per plan.
 *       Times are nanoseconds of the pipeline scheduler's clock, the same {@code clockNanos} this
 *       object is built with.
 * </ul>
 *
 * <p>Shed and failure reasons become counters the first time {@link #refresh()} sees them in the
 * ledger (it runs on construction, and before every scrape of a {@link MetricsServer} given {@code
 * metrics::refresh}). A ledger that lists every reason it can report with 0 from the start gives
 * series that exist from the start. At most {@link #MAX_REASONS} reasons per family get their own
 * series (those seen in one refresh are admitted in sorted order); later ones, blank ones and one
 * literally called {@code other} are summed under {@code reason="other"}, so a ledger keyed by
 * something unbounded cannot flood the registry and still loses no frame.
 *
 * <p>Thread-safe: record methods may be called from any thread; they touch only meters cached in
 * their handles. The suppliers it is given are called from whatever thread scrapes the registry, so
 * they must be safe to call from any thread. The registry keeps the state behind its meters alive;
 * {@linkplain #close() close} this object when the pipeline stops, which removes its meters from
 * the registry.
 */
public final class PipelineMetrics implements AutoCloseable {
  /** Width of the sliding window behind {@code splitstream.processor.busy}. */
  public static final Duration BUSY_WINDOW = Duration.ofSeconds(10);

  /**
   * How long one ledger reading serves the frame meters, unless {@link #refresh()} takes a fresh
   * one first. Long enough that a slow scrape (tens of milliseconds on a loaded host) reads one
   * ledger state throughout; short against any scrape interval.
   */
  public static final Duration LEDGER_REUSE = Duration.ofSeconds(1);

  /** Distinct shed or failure reasons exported before the rest go to {@code reason="other"}. */
  public static final int MAX_REASONS = 32;

  /**
   * Bucket bounds of {@code splitstream.frame.latency}, in seconds: 21 bounds (plus {@code +Inf})
   * from 0.5 ms to 5 s, about a factor 1.5 apart, on round values so that a latency budget of 5,
   * 10, 20, 50, 100, 200 or 500 ms is a bucket bound and "the share within budget" is exact. The
   * end-to-end latencies the SoC profiles give lie from about 1.7 ms (BlazeFace on one Snapdragon
   * 855 processor, docs/benchmarks.md) to about 150 ms (a static plan under contention,
   * docs/adaptation.md), and up to a second under overload; Micrometer's default percentile
   * histogram spent 60 bounds on 1 ms..10 s.
   */
  static final double[] LATENCY_BUCKETS = {
    0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2,
    0.3, 0.5, 0.75, 1, 2, 5
  };

  /**
   * Bucket bounds of the stage queue and service histograms, in seconds: 19 bounds (plus {@code
   * +Inf}) from 100 µs to 2 s. A kernel on an emulated GPU or NPU takes well under a millisecond,
   * a whole model on one CPU tens of milliseconds; waits in an overloaded queue reach seconds, which
   * {@code +Inf} and the {@code _max} gauge cover.
   */
  static final double[] STAGE_BUCKETS = {
    0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05,
    0.075, 0.1, 0.2, 0.5, 1, 2
  };

  static final String OTHER_REASON = "other";
  private static final int BUSY_BUCKETS = 10;

  private final MeterRegistry registry;
  private final String model;
  private final Tags modelTag;
  private final LongSupplier clockNanos;
  private final LedgerReader ledger;
  private final ReasonCounters shed;
  private final ReasonCounters failed;
  private final Timer latency;
  private final Map<StageKey, StageMeters> stages = new ConcurrentHashMap<>();
  private final Map<String, ProcessorState> processors = new ConcurrentHashMap<>();
  private final Map<TransferKey, TransferMeter> transfers = new ConcurrentHashMap<>();
  private final Map<Integer, Gauge> queueDepths = new HashMap<>();
  private final PlanState plan = new PlanState();
  private final List<Meter> owned = new ArrayList<>();
  private Gauge planInfo;
  private boolean planGaugesRegistered;
  private volatile boolean closed;

  /**
   * Registers the frame meters on {@code registry} and reads the ledger once.
   *
   * @param registry where the meters go; shared with other pipelines only if their models differ
   * @param model the model's name, the {@code model} tag of every meter
   * @param ledger the pipeline's frame ledger; must not return null; called on scrape threads
   * @param clockNanos the pipeline scheduler's clock in nanoseconds, read for the busy share;
   *     called on scrape threads
   * @throws IllegalArgumentException when {@code model} is blank
   * @throws IllegalStateException when a pipeline for the same model has meters on {@code registry}
   */
  public PipelineMetrics(
      MeterRegistry registry, String model, Supplier<FrameCounts> ledger, LongSupplier clockNanos) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.model = Objects.requireNonNull(model, "model");
    if (model.isBlank()) {
      throw new IllegalArgumentException("model name is blank: give the model a name to tag with");
    }
    this.modelTag = Tags.of("model", model);
    this.clockNanos = Objects.requireNonNull(clockNanos, "clockNanos");
    this.ledger = new LedgerReader(Objects.requireNonNull(ledger, "ledger"));
    // The registry hands back an existing meter for the same id, which would leave this pipeline's
    // counters reading the other pipeline's ledger.
    if (registry.find("splitstream.frames.offered").tags(modelTag).meter() != null) {
      throw new IllegalStateException(
          "metrics for model "
              + model
              + " are already registered on this registry: close the previous pipeline's"
              + " PipelineMetrics first");
    }

    // The in-flight gauge holds the reader strongly; the function counters below refer to the same
    // reader, which the registry would otherwise only hold weakly.
    own(
        Gauge.builder("splitstream.frames.in.flight", this.ledger, r -> r.read().inFlight())
            .description("Frames admitted that have not yet completed, been shed or failed")
            .tags(modelTag)
            .strongReference(true)
            .register(registry));
    own(
        FunctionCounter.builder("splitstream.frames.offered", this.ledger, r -> r.read().offered())
            .description("Frames offered to and admitted by the pipeline")
            .tags(modelTag)
            .register(registry));
    own(
        FunctionCounter.builder(
                "splitstream.frames.completed", this.ledger, r -> r.read().completed())
            .description("Frames that passed every stage and reached the sink")
            .tags(modelTag)
            .register(registry));
    this.shed =
        new ReasonCounters(
            "splitstream.frames.shed",
            "Frames dropped by an overload policy, by the policy that dropped them",
            FrameCounts::shedByReason);
    this.failed =
        new ReasonCounters(
            "splitstream.frames.failed",
            "Frames that failed, by the class of failure",
            FrameCounts::failedByReason);
    this.latency =
        own(
            Timer.builder("splitstream.frame.latency")
                .description("End-to-end latency of a completed frame, from capture to sink")
                .tags(modelTag)
                .serviceLevelObjectives(durations(LATENCY_BUCKETS))
                .register(registry));
    refresh();
  }

  /** The model this object tags its meters with. */
  public String model() {
    return model;
  }

  /**
   * Records the end-to-end latency of one completed frame, capture to sink.
   *
   * @throws IllegalArgumentException when {@code latencyNanos} is negative
   */
  public void recordLatency(long latencyNanos) {
    if (latencyNanos < 0) {
      throw new IllegalArgumentException(
          "frame latency "
              + latencyNanos
              + " ns is negative: take capture and sink times from"
              + " the pipeline scheduler's clock");
    }
    latency.record(latencyNanos, TimeUnit.NANOSECONDS);
  }

  /**
   * The meters of {@code stage} (0-based) running on {@code processor}: queue wait and service
   * timers, and the processor's busy time. Returns the same handle for the same pair; fetch it once
   * at assembly. After a re-plan the stage gets a handle for its new processor; the old series
   * stay, as cumulative series should.
   *
   * @throws IllegalArgumentException when {@code stage} is negative, or the processor id was
   *     registered before with another kind or emulation flag
   * @throws IllegalStateException after {@link #close()}
   */
  public StageMeters stage(int stage, ProcessorLabels processor) {
    Objects.requireNonNull(processor, "processor");
    if (stage < 0) {
      throw new IllegalArgumentException("stage index " + stage + " is negative");
    }
    StageMeters known = stages.get(new StageKey(stage, processor.id()));
    if (known != null && known.processor().equals(processor) && !closed) {
      return known;
    }
    synchronized (this) {
      checkOpen();
      ProcessorState state = processorState(processor);
      return stages.computeIfAbsent(
          new StageKey(stage, processor.id()),
          key -> {
            Tags tags =
                modelTag.and(
                    "stage", Integer.toString(stage),
                    "processor", processor.id(),
                    "kind", processor.kindTag(),
                    "emulated", Boolean.toString(processor.emulated()));
            Timer queue =
                own(
                    stageTimer("splitstream.stage.queue", tags)
                        .description(
                            "Time a frame waited for its stage's processor, from hand-off to"
                                + " start")
                        .register(registry));
            Timer service =
                own(
                    stageTimer("splitstream.stage.service", tags)
                        .description("Time the processor spent computing the stage for a frame")
                        .register(registry));
            return new StageMeters(stage, processor, queue, service, state.busy);
          });
    }
  }

  /**
   * Records {@code visit} on the meters of its stage and processor, which must have been fetched
   * with {@link #stage(int, ProcessorLabels)} before (that is where the processor's kind comes
   * from). Costs one map lookup; holding the {@link StageMeters} handle is cheaper.
   *
   * @throws IllegalStateException when that stage and processor were never declared
   */
  public void recordVisit(StageVisit visit) {
    StageMeters meters = stages.get(new StageKey(visit.stage(), visit.processorId()));
    if (meters == null) {
      throw new IllegalStateException(
          "stage "
              + visit.stage()
              + " on processor "
              + visit.processorId()
              + " has no meters: call PipelineMetrics.stage(...) for it when assembling the"
              + " pipeline");
    }
    meters.record(visit);
  }

  /**
   * Exposes {@code depth} as {@code splitstream.stage.queue.depth{stage}}: frames waiting to enter
   * the stage, read at scrape time. Binding a stage again (after a re-plan) replaces its supplier.
   *
   * @throws IllegalStateException after {@link #close()}
   */
  public synchronized void bindQueueDepth(int stage, DoubleSupplier depth) {
    Objects.requireNonNull(depth, "depth");
    checkOpen();
    if (stage < 0) {
      throw new IllegalArgumentException("stage index " + stage + " is negative");
    }
    Gauge old = queueDepths.remove(stage);
    if (old != null) {
      disown(old);
    }
    // The registry would hand back the old gauge for the same id, so it goes first.
    queueDepths.put(
        stage,
        own(
            Gauge.builder("splitstream.stage.queue.depth", depth, DoubleSupplier::getAsDouble)
                .description("Frames waiting to enter the stage")
                .tags(modelTag.and("stage", Integer.toString(stage)))
                .strongReference(true)
                .register(registry)));
  }

  /**
   * The byte counter for transfers from processor {@code from} to processor {@code to}; the same
   * handle for the same pair.
   *
   * @throws IllegalStateException after {@link #close()}
   */
  public TransferMeter transfer(String from, String to) {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    TransferKey key = new TransferKey(from, to);
    TransferMeter known = transfers.get(key);
    if (known != null && !closed) {
      return known;
    }
    synchronized (this) {
      checkOpen();
      return transfers.computeIfAbsent(
          key,
          k ->
              new TransferMeter(
                  from,
                  to,
                  own(
                      Counter.builder("splitstream.transfer.bytes")
                          .description("Bytes of intermediate tensors moved between processors")
                          .baseUnit("bytes")
                          .tags(modelTag.and("from", from, "to", to))
                          .register(registry))));
    }
  }

  /**
   * Publishes the plan now running: {@code splitstream.plan.info{plan, epoch} = 1} replaces the
   * previous plan's series, and the epoch gauge and the predicted throughput and latency gauges
   * take the new values.
   *
   * @param label the plan's split label, e.g. {@code cpu[0-11]|npu[12-49]}
   * @param epoch the plan's epoch, increasing with every re-plan
   * @param predictedFramesPerSecond what the planner expects the plan to sustain
   * @param predictedLatency what the planner expects a frame to take end to end
   * @throws IllegalArgumentException when the label is blank or a prediction is negative or not
   *     finite
   * @throws IllegalStateException after {@link #close()}
   */
  public synchronized void planChanged(
      String label, long epoch, double predictedFramesPerSecond, Duration predictedLatency) {
    Objects.requireNonNull(label, "label");
    Objects.requireNonNull(predictedLatency, "predictedLatency");
    checkOpen();
    if (label.isBlank()) {
      throw new IllegalArgumentException("plan label is blank: label a plan by its split");
    }
    if (!(predictedFramesPerSecond >= 0) || Double.isInfinite(predictedFramesPerSecond)) {
      throw new IllegalArgumentException(
          "plan "
              + label
              + ": predicted throughput "
              + predictedFramesPerSecond
              + " frames/s is not a finite non-negative number");
    }
    if (predictedLatency.isNegative()) {
      throw new IllegalArgumentException(
          "plan " + label + ": predicted latency " + predictedLatency + " is negative");
    }
    plan.epoch = epoch;
    plan.framesPerSecond = predictedFramesPerSecond;
    plan.latencySeconds = predictedLatency.toNanos() / 1e9;
    if (!planGaugesRegistered) {
      own(
          Gauge.builder("splitstream.plan.predicted.throughput", plan, p -> p.framesPerSecond)
              .description("Throughput the planner predicts for the current plan")
              .baseUnit("frames.per.second")
              .tags(modelTag)
              .strongReference(true)
              .register(registry));
      own(
          Gauge.builder("splitstream.plan.predicted.latency", plan, p -> p.latencySeconds)
              .description("End-to-end frame latency the planner predicts for the current plan")
              .baseUnit("seconds")
              .tags(modelTag)
              .strongReference(true)
              .register(registry));
      own(
          Gauge.builder("splitstream.plan.epoch", plan, p -> p.epoch)
              .description("Epoch of the plan now running; rises by one with every plan switch")
              .tags(modelTag)
              .strongReference(true)
              .register(registry));
      planGaugesRegistered = true;
    }
    if (planInfo != null) {
      disown(planInfo);
    }
    planInfo =
        own(
            Gauge.builder("splitstream.plan.info", () -> 1)
                .description("1 for the plan now running, labelled by its split and epoch")
                .tags(modelTag.and("plan", label, "epoch", Long.toString(epoch)))
                .strongReference(true)
                .register(registry));
  }

  /**
   * Exposes the source's nominal arrival rate as {@code splitstream.source.rate} (frames per
   * second), read at scrape time: what a paced source (a synthetic arrival process, a video at its
   * native rate) is set to offer, which a scenario's rate events change. Against the offered rate
   * it shows the source keeping its pace or being held back.
   *
   * @throws IllegalStateException after {@link #close()}, or when a rate is bound already
   */
  public synchronized void bindSourceRate(DoubleSupplier framesPerSecond) {
    Objects.requireNonNull(framesPerSecond, "framesPerSecond");
    checkOpen();
    if (registry.find("splitstream.source.rate").tags(modelTag).meter() != null) {
      throw new IllegalStateException("the source rate of " + model + " is bound already");
    }
    own(
        Gauge.builder("splitstream.source.rate", framesPerSecond, DoubleSupplier::getAsDouble)
            .description("Arrival rate the source is set to offer (nominal, not measured)")
            .baseUnit("frames.per.second")
            .tags(modelTag)
            .strongReference(true)
            .register(registry));
  }

  /**
   * Exposes the run's end-to-end latency budget as {@code splitstream.latency.budget} (seconds),
   * what the latency alert compares the p99 with. A run without a budget has no such series.
   *
   * @throws IllegalArgumentException when the budget is not positive
   * @throws IllegalStateException after {@link #close()}, or when a budget was given already
   */
  public synchronized void latencyBudget(Duration budget) {
    Objects.requireNonNull(budget, "budget");
    checkOpen();
    if (budget.isNegative() || budget.isZero()) {
      throw new IllegalArgumentException("latency budget " + budget + " is not positive");
    }
    if (registry.find("splitstream.latency.budget").tags(modelTag).meter() != null) {
      throw new IllegalStateException("the latency budget of " + model + " is given already");
    }
    double seconds = budget.toNanos() / 1e9;
    own(
        Gauge.builder("splitstream.latency.budget", () -> seconds)
            .description("End-to-end latency budget of the run (--budget)")
            .baseUnit("seconds")
            .tags(modelTag)
            .strongReference(true)
            .register(registry));
  }

  /**
   * Exposes how far the host fell behind emulated processor {@code processor} in real time: {@code
   * splitstream.emulation.lag} (seconds by which the host's compute overran the profile's service
   * time, summed) and {@code splitstream.emulation.lagged} (invocations that overran), read at
   * scrape time. Both stay 0 in simulation, where host compute takes no virtual time.
   *
   * @param lagNanos the summed overrun in nanoseconds, cumulative; called on scrape threads
   * @param lagged the invocations that overran, cumulative; called on scrape threads
   * @throws IllegalArgumentException when the processor is not emulated (a real one cannot lag its
   *     own timing), or its id was registered with other labels
   * @throws IllegalStateException after {@link #close()}, or when the processor is bound already
   */
  public synchronized void bindEmulationLag(
      ProcessorLabels processor, LongSupplier lagNanos, LongSupplier lagged) {
    Objects.requireNonNull(processor, "processor");
    Objects.requireNonNull(lagNanos, "lagNanos");
    Objects.requireNonNull(lagged, "lagged");
    checkOpen();
    if (!processor.emulated()) {
      throw new IllegalArgumentException(
          "processor " + processor.id() + " is real: only an emulated processor has a lag");
    }
    ProcessorState state = processorState(processor);
    if (state.lag != null) {
      throw new IllegalStateException(
          "emulation lag of processor " + processor.id() + " is bound already");
    }
    Tags tags =
        modelTag.and(
            "processor", processor.id(),
            "kind", processor.kindTag(),
            "emulated", "true");
    own(
        FunctionCounter.builder("splitstream.emulation.lag", lagNanos, l -> l.getAsLong() / 1e9)
            .description(
                "Time by which the host's compute overran an emulated processor's profile time")
            .baseUnit("seconds")
            .tags(tags)
            .register(registry));
    own(
        FunctionCounter.builder("splitstream.emulation.lagged", lagged, LongSupplier::getAsLong)
            .description(
                "Invocations whose host compute took longer than the emulated processor's profile"
                    + " time")
            .tags(tags)
            .register(registry));
    // the registry holds a function counter's object weakly; this object keeps them alive
    state.lag = new LongSupplier[] {lagNanos, lagged};
  }

  /**
   * Busy share of processor {@code processorId} over the last {@link #BUSY_WINDOW} of the scheduler
   * clock, in 0..1; what the CLI prints. 0 for a processor no stage ran on.
   */
  public double busyShare(String processorId) {
    ProcessorState state = processors.get(processorId);
    return state == null ? 0.0 : state.busy.share(clockNanos.getAsLong());
  }

  /** {@link #busyShare} of every processor a stage was declared on, by processor id. */
  public Map<String, Double> busyShares() {
    long now = clockNanos.getAsLong();
    Map<String, Double> shares = new LinkedHashMap<>();
    processors.keySet().stream()
        .sorted()
        .forEach(id -> shares.put(id, processors.get(id).busy.share(now)));
    return shares;
  }

  /**
   * Takes a fresh ledger reading, which the frame meters then serve for up to {@link
   * #LEDGER_REUSE}, and registers counters for shed and failure reasons not seen before. Cheap when
   * nothing is new; a {@link MetricsServer} given {@code metrics::refresh} calls it before each
   * scrape, so every scrape shows the ledger as it was at the start of that scrape.
   */
  public synchronized void refresh() {
    if (closed) {
      return;
    }
    FrameCounts counts = ledger.readFresh();
    shed.register(counts);
    failed.register(counts);
  }

  /** Removes every meter this object registered. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (Meter meter : owned) {
      registry.remove(meter);
    }
    owned.clear();
  }

  private ProcessorState processorState(ProcessorLabels processor) {
    ProcessorState state =
        processors.computeIfAbsent(processor.id(), id -> new ProcessorState(processor));
    if (!state.labels.equals(processor)) {
      throw new IllegalArgumentException(
          "processor "
              + processor.id()
              + " was registered as "
              + state.labels
              + " and now as "
              + processor
              + ": one id must name one processor");
    }
    if (!state.registered) {
      Tags tags =
          modelTag.and(
              "processor", processor.id(),
              "kind", processor.kindTag(),
              "emulated", Boolean.toString(processor.emulated()));
      own(
          Gauge.builder(
                  "splitstream.processor.busy", state.busy, w -> w.share(clockNanos.getAsLong()))
              .description(
                  "Share of the last " + BUSY_WINDOW.toSeconds() + " s the processor was computing")
              .baseUnit("ratio")
              .tags(tags)
              .strongReference(true)
              .register(registry));
      own(
          FunctionCounter.builder(
                  "splitstream.processor.busy.time", state.busy, w -> w.totalBusyNanos() / 1e9)
              .description("Time the processor spent computing stages")
              .baseUnit("seconds")
              .tags(tags)
              .register(registry));
      state.registered = true;
    }
    return state;
  }

  private static Timer.Builder stageTimer(String name, Tags tags) {
    return Timer.builder(name).tags(tags).serviceLevelObjectives(durations(STAGE_BUCKETS));
  }

  private static Duration[] durations(double[] seconds) {
    Duration[] d = new Duration[seconds.length];
    for (int i = 0; i < seconds.length; i++) {
      d[i] = Duration.ofNanos(Math.round(seconds[i] * 1e9));
    }
    return d;
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("pipeline metrics of " + model + " are closed");
    }
  }

  /** Called under this object's lock (or from the constructor), like every registration. */
  private <M extends Meter> M own(M meter) {
    owned.add(meter);
    return meter;
  }

  private void disown(Meter meter) {
    owned.remove(meter);
    registry.remove(meter);
  }

  private record StageKey(int stage, String processorId) {}

  private record TransferKey(String from, String to) {}

  private final class ProcessorState {
    final ProcessorLabels labels;
    final BusyWindow busy;
    boolean registered;
    LongSupplier[] lag;

    ProcessorState(ProcessorLabels labels) {
      this.labels = labels;
      long windowNanos = BUSY_WINDOW.toNanos();
      this.busy = new BusyWindow(windowNanos / BUSY_BUCKETS, BUSY_BUCKETS, clockNanos.getAsLong());
    }
  }

  private static final class PlanState {
    volatile long epoch;
    volatile double framesPerSecond;
    volatile double latencySeconds;
  }

  /** Reuses one ledger reading for {@link #LEDGER_REUSE} of the registry clock. */
  private final class LedgerReader {
    private final Supplier<FrameCounts> source;
    private FrameCounts last;
    private long readAtNanos;

    LedgerReader(Supplier<FrameCounts> source) {
      this.source = source;
    }

    synchronized FrameCounts read() {
      long now = registry.config().clock().monotonicTime();
      if (last == null || now - readAtNanos >= LEDGER_REUSE.toNanos()) {
        take(now);
      }
      return last;
    }

    synchronized FrameCounts readFresh() {
      take(registry.config().clock().monotonicTime());
      return last;
    }

    private void take(long now) {
      last =
          Objects.requireNonNull(
              source.get(), () -> "the frame ledger of " + model + " returned no counts");
      readAtNanos = now;
    }
  }

  /** One counter per reason of a family (shed or failed), plus {@code other} past the cap. */
  private final class ReasonCounters {
    private final String name;
    private final String description;
    private final Function<FrameCounts, Map<String, Long>> byReason;
    private final Set<String> own = new LinkedHashSet<>();
    private final Set<String> overflow = ConcurrentHashMap.newKeySet();
    private boolean otherRegistered;

    ReasonCounters(
        String name, String description, Function<FrameCounts, Map<String, Long>> byReason) {
      this.name = name;
      this.description = description;
      this.byReason = byReason;
    }

    /** Called under the enclosing object's lock. */
    void register(FrameCounts counts) {
      for (String reason : new TreeSet<>(byReason.apply(counts).keySet())) {
        if (own.contains(reason) || overflow.contains(reason)) {
          continue;
        }
        if (own.size() < MAX_REASONS && !reason.isBlank() && !reason.equals(OTHER_REASON)) {
          own.add(reason);
          counter(reason, r -> byReason.apply(r.read()).getOrDefault(reason, 0L));
        } else {
          overflow.add(reason);
          if (!otherRegistered) {
            otherRegistered = true;
            counter(
                OTHER_REASON,
                r -> {
                  Map<String, Long> all = byReason.apply(r.read());
                  long sum = 0;
                  for (String o : overflow) {
                    sum += all.getOrDefault(o, 0L);
                  }
                  return sum;
                });
          }
        }
      }
    }

    private void counter(String reason, ToLongFunction<LedgerReader> value) {
      own(
          FunctionCounter.builder(name, ledger, r -> value.applyAsLong(r))
              .description(description)
              .tags(modelTag.and("reason", reason))
              .register(registry));
    }
  }
}
