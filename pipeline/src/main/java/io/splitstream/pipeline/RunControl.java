package io.splitstream.pipeline;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.processor.Availability;
import io.splitstream.devices.processor.Processor;
import io.splitstream.operators.LedgerSnapshot;
import io.splitstream.pipeline.adapt.Controller;
import io.splitstream.pipeline.adapt.Decision;
import io.splitstream.pipeline.plan.Plan;
import io.splitstream.pipeline.plan.ProfileTable;
import io.splitstream.pipeline.plan.SplitSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import reactor.core.publisher.Mono;

/**
 * What a person may see and steer of one running pipeline: the facade the control API and the live
 * page use, so that neither reaches into {@link Pipeline} or {@link Controller}.
 *
 * <p>Steering goes through the same knobs as everything else: a plan chosen by hand is a {@link
 * Controller#switchByHand} (held until {@code auto}); an availability change is a write to the
 * emulated processor's {@link Availability}, the knob scenarios turn, so the controller still learns
 * of it only from measured service times; a budget is the controller's planning constraint; a drain
 * is {@link Pipeline#drain()}. Thread-safe.
 */
public final class RunControl {
  /** Why a request cannot be done; {@link #kind} maps to an HTTP status, {@link #field} names the input. */
  public static final class Refused extends RuntimeException {
    /** What kind of refusal. */
    public enum Kind {
      /** The input is malformed or out of range. */
      BAD_VALUE,
      /** The thing named does not exist. */
      NOT_FOUND,
      /** It exists, but the request conflicts with its state (a real processor, a finished run). */
      CONFLICT
    }

    private final Kind kind;
    private final String field;

    public Refused(Kind kind, String field, String message) {
      super(message);
      this.kind = kind;
      this.field = field;
    }

    public Kind kind() {
      return kind;
    }

    /** The request field or path parameter at fault; empty when none is. */
    public String field() {
      return field;
    }
  }

  /**
   * One processor as the API shows it: the controller's speed estimate from measured service times
   * (1 = as profiled) and whether it believes it online, its busy share over the last 10 s, and,
   * for an emulated processor only, its availability knob (null for a real one).
   */
  public record ProcessorStatus(String id, String kind, boolean emulated, String description,
      double estimatedSpeed, boolean onlineEstimate, double busy, Availability.State availability) {}

  /** One stage of the current plan; {@code bottleneckShare} is its time over the slowest stage's. */
  public record StageStatus(int index, int firstNode, int endNode, List<String> processors, double ms,
      double bottleneckShare) {}

  /** The plan frames go to now. */
  public record PlanStatus(String label, long epoch, boolean byHand, double predictedFps, double predictedLatencyMs,
      List<StageStatus> stages) {}

  /** The frame ledger, cumulative since the start. */
  public record LedgerStatus(long offered, long completed, long shed, long failed, long inFlight, long retried,
      Map<String, Long> shedByReason, Map<String, Long> failedByCause) {}

  /** Everything {@code GET /api/v1/status} answers; {@code budgetMs} is null without a budget. */
  public record Status(String model, String platform, boolean emulatedPlatform, String adapt, boolean running,
      double elapsedSeconds, Double budgetMs, PlanStatus plan, LedgerStatus ledger, double p50Ms,
      double p99Ms, List<ProcessorStatus> processors) {}

  private final Pipeline pipeline;
  private final Controller controller;
  private final ProfileTable table;
  private final AtomicBoolean ended = new AtomicBoolean();
  private final AtomicBoolean draining = new AtomicBoolean();

  public RunControl(Pipeline pipeline, Controller controller, ProfileTable table) {
    this.pipeline = Objects.requireNonNull(pipeline, "pipeline");
    this.controller = Objects.requireNonNull(controller, "controller");
    this.table = Objects.requireNonNull(table, "table");
    pipeline.finished().subscribe(null, e -> ended.set(true), () -> ended.set(true));
  }

  /** True while the run streams: started, not drained, not ended. */
  public boolean running() {
    return pipeline.startNanos() != Long.MIN_VALUE && !ended.get() && !draining.get();
  }

  /** The pipeline's metrics, for the live page's latency window. */
  public io.splitstream.pipeline.metrics.PipelineMetrics metrics() {
    return pipeline.metrics();
  }

  public Status status() {
    Pipeline.Progress g = pipeline.progress();
    LedgerSnapshot l = g.ledger();
    Plan p = pipeline.plan();
    double worst = p.bottleneckMs();
    List<StageStatus> stages = new ArrayList<>();
    for (Plan.Stage s : p.stages()) {
      stages.add(new StageStatus(s.index(), s.firstNode(), s.endNode(), s.processors(), s.ms(),
          worst > 0 ? s.ms() / worst : 0));
    }
    Map<String, Double> busy = pipeline.metrics().busyShares();
    List<ProcessorStatus> procs = new ArrayList<>();
    for (Processor q : pipeline.platform().processors()) {
      boolean planned = table.processor(q.id()).isPresent();
      procs.add(new ProcessorStatus(q.id(), q.kind().name().toLowerCase(java.util.Locale.ROOT), q.emulated(),
          q.description(), planned ? controller.estimates().speed(q.id()) : 0,
          planned && controller.estimates().online(q.id()), busy.getOrDefault(q.id(), 0.0),
          q.emulated() ? q.availability().state() : null));
    }
    return new Status(pipeline.metrics().model(), pipeline.platform().name(), pipeline.platform().emulated(),
        controller.mode().label(), running(), g.elapsedSeconds(),
        controller.budget().map(b -> b.toNanos() / 1e6).orElse(null),
        new PlanStatus(p.label(), p.epoch(), controller.held(), p.throughputFps(), p.latencyMs(), stages),
        new LedgerStatus(l.offered(), l.completed(), l.shed(), l.failed(), l.inFlight(), g.retried(),
            new TreeMap<>(l.shedByReason()), new TreeMap<>(l.failedByCause())),
        g.p50Ms(), g.p99Ms(), procs);
  }

  /** Every plan switch so far, the controller's and those asked by hand. */
  public List<Decision> decisions() {
    return controller.decisions();
  }

  /** Seconds of the pipeline clock since the run started; 0 before. */
  public double elapsedSeconds() {
    long s = pipeline.startNanos();
    return s == Long.MIN_VALUE ? 0 : (pipeline.clock().now(TimeUnit.NANOSECONDS) - s) / 1e9;
  }

  /**
   * {@code auto} hands the plan back to the controller; a split string (e.g. {@code 0:cpu,37:npu})
   * switches to it and holds it. The Mono emits the plan label frames go to once it took effect.
   *
   * @throws Refused BAD_VALUE naming {@code split} when it does not parse; CONFLICT when the run has
   *     ended or the controller may not re-plan ({@code --adapt off} still accepts a split)
   */
  public Mono<String> plan(String split) {
    requireRunning();
    if (split == null || split.isBlank()) {
      throw new Refused(Refused.Kind.BAD_VALUE, "split", "split is empty: give auto or stages such as 0:cpu,37:npu");
    }
    if (SplitSpec.isAuto(split)) {
      controller.resume();
      return Mono.just(pipeline.plan().label());
    }
    Plan plan;
    try {
      plan = SplitSpec.parse(split, table);
    } catch (SplitstreamException e) {
      throw new Refused(Refused.Kind.BAD_VALUE, "split", e.getMessage());
    }
    if (plan.label().equals(pipeline.plan().label())) {
      controller.hold(); // it runs already: nothing to load, nothing to record as a switch
      return Mono.just(plan.label());
    }
    return controller.switchByHand(plan).map(a -> a.plan().label())
        .onErrorMap(e -> !(e instanceof Refused),
            e -> new Refused(Refused.Kind.CONFLICT, "split", "the plan could not take effect: " + e.getMessage()));
  }

  /**
   * Sets what of an emulated processor other apps leave (share), its clock (throttle) and whether
   * it is online; absent fields keep their value. One write, as a scenario event does.
   *
   * @throws Refused NOT_FOUND naming {@code id}; CONFLICT for a real processor, whose availability
   *     is what its host gives it; BAD_VALUE naming the field out of range
   */
  public Availability.State availability(String id, Optional<Double> share, Optional<Double> throttle,
      Optional<Boolean> online) {
    requireRunning();
    Processor p = pipeline.platform().processors().stream().filter(q -> q.id().equals(id)).findFirst()
        .orElseThrow(() -> new Refused(Refused.Kind.NOT_FOUND, "id", "no processor '" + id + "' in this run; it has "
            + String.join(", ", pipeline.platform().processors().stream().map(Processor::id).toList())));
    if (!p.emulated()) {
      throw new Refused(Refused.Kind.CONFLICT, "id", "processor '" + id + "' is real: its availability is what the"
          + " host gives it, and it cannot be set; set it on an emulated processor (run with --soc)");
    }
    share.ifPresent(v -> range("share", v));
    throttle.ifPresent(v -> range("throttle", v));
    if (share.isEmpty() && throttle.isEmpty() && online.isEmpty()) {
      throw new Refused(Refused.Kind.BAD_VALUE, "share", "nothing to set: give share, throttle or online");
    }
    Availability a = p.availability();
    Availability.State s = a.state();
    Availability.State next = new Availability.State(share.orElse(s.share()), throttle.orElse(s.throttle()),
        online.orElse(s.online()));
    a.set(next);
    return next;
  }

  /**
   * The latency budget the controller plans within from its next tick; empty for none. The shed
   * policy keeps the budget it started with.
   */
  public void budget(Optional<Duration> budget) {
    requireRunning();
    budget.ifPresent(b -> {
      if (b.isNegative() || b.isZero() || b.compareTo(Duration.ofHours(1)) > 0) {
        throw new Refused(Refused.Kind.BAD_VALUE, "budgetMs", "budget " + b.toMillis()
            + " ms is out of range: give a positive number of milliseconds up to 3600000, or null for none");
      }
    });
    controller.budget(budget);
  }

  /** Stops admitting; frames in flight finish and the run reports. Idempotent while it drains. */
  public void drain() {
    if (ended.get()) {
      throw new Refused(Refused.Kind.CONFLICT, "", "the run has already ended: nothing to drain");
    }
    draining.set(true);
    pipeline.drain();
  }

  private void requireRunning() {
    if (ended.get() || draining.get()) {
      throw new Refused(Refused.Kind.CONFLICT, "", "the run is " + (ended.get() ? "over" : "draining")
          + ": nothing can be changed; start a new run");
    }
  }

  private static void range(String field, double v) {
    if (!(v > 0 && v <= 1)) {
      throw new Refused(Refused.Kind.BAD_VALUE, field, field + " " + v + " is out of range: give a number in (0, 1]");
    }
  }
}
