package io.splitstream.pipeline.adapt;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.emulated.EmulatedProcessor;
import io.splitstream.devices.processor.Availability;
import io.splitstream.devices.processor.Processor;
import io.splitstream.devices.processor.ProcessorOfflineException;
import io.splitstream.operators.LedgerSnapshot;
import io.splitstream.pipeline.Pipeline;
import io.splitstream.pipeline.plan.Plan;
import io.splitstream.pipeline.plan.Planner;
import io.splitstream.pipeline.plan.PlannerOptions;
import io.splitstream.pipeline.plan.ProfileTable;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Re-plans a running pipeline as its processors and its load change, from what it measures.
 *
 * <p><b>What it observes.</b> Each invocation's measured service time against the profile's
 * prediction for that segment gives a speed estimate per processor ({@link SpeedEstimates}, a
 * moving average); an invocation that fails with the processor offline marks it lost; the ledger
 * gives the arrival rate and the shed rate. It never reads a processor's availability knob: a real
 * runtime is not told that another app took its GPU. A processor the current plan does not use is
 * probed (one invocation of a segment still loaded there, through its lane) every {@link
 * Settings#probeInterval()} while its estimate is low or it is lost, so a processor that recovers
 * or comes back is seen and used again.
 *
 * <p><b>What it decides.</b> Every {@link Settings#tick()} it re-plans with the exact {@link
 * Planner} on the profile corrected by its estimates. The objective follows the load: near
 * saturation (frames shed, or arrivals above {@link Settings#saturation()} of the current plan's
 * predicted capacity) the highest throughput within the budget; with headroom (arrivals at most
 * {@value #HEADROOM} of the lowest-latency plan's capacity) the lowest latency. A candidate's value is its
 * predicted relative gain in the objective (for throughput, capacity beyond what a live source
 * offers counts for nothing), scaled by the share of {@link Settings#horizon()} left after its load
 * cost; when the best plan would load an expensive segment, the best plan avoiding
 * that processor is also considered. It switches when the value reaches {@link
 * Settings#threshold()}, no sooner than {@link Settings#cooldown()} after the last switch (a lost
 * processor skips the cooldown), and only one switch loads at a time: noise does not flap the
 * plan.
 *
 * <p><b>Prepared in advance.</b> At the start and after every switch it prepares, in the
 * background, the plans it would choose if a processor of the current plan slowed to a third, then
 * those for a processor lost (Band prepares its subgraphs ahead of need), so that such a switch pays little or no
 * load time; the load time of a prepared segment still elapses on the pipeline clock.
 *
 * <p><b>What it records.</b> Each switch as a {@link Decision}: trigger and evidence, plans,
 * predicted gain, load cost, and the throughput measured over {@link Settings#measureWindow()}
 * before the decision and after the switch. Listeners see each decision when it takes effect and
 * again when measured; metrics give estimates, switches by trigger and load time.
 *
 * <p>{@link Mode#ORACLE} is the hindsight baseline of {@code compare}: it is told each scenario
 * event ({@link #told}), reads the true availability, and switches for free at once.
 *
 * <p>Threads: decisions run on the pipeline clock's scheduler; observations arrive from the
 * processors' threads. All state is guarded by this object's lock.
 */
public final class Controller {
  /** What the controller is allowed to do. */
  public enum Mode {
    /** Keep the starting plan: the static baseline. */
    OFF,
    /** Re-plan from measurements. */
    ADAPTIVE,
    /** Re-plan at every scenario event from the true availability, switching for free. */
    ORACLE;

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * How the controller behaves.
   *
   * @param tick how often it looks at its evidence
   * @param alpha weight of one measured invocation in the speed estimate (Band: 0.1)
   * @param threshold the least value (relative gain, load cost counted) that makes it switch
   * @param cooldown the least time between two switches, unless a processor was lost
   * @param horizon the time over which a switch must pay back its load cost
   * @param probeInterval how often an unused slow or lost processor is probed
   * @param measureWindow the window throughput is measured over, before and after a switch
   * @param saturation arrivals over predicted capacity above which throughput is the objective
   * @param replicas whether plans may replicate a stage over several processors
   */
  public record Settings(Duration tick, double alpha, double threshold, Duration cooldown, Duration horizon,
      Duration probeInterval, Duration measureWindow, double saturation, boolean replicas) {
    public static Settings defaults() {
      return new Settings(Duration.ofMillis(100), 0.1, 0.10, Duration.ofSeconds(2), Duration.ofSeconds(10),
          Duration.ofSeconds(2), Duration.ofSeconds(1), 0.85, true);
    }

    /** These settings, planning without replicas. */
    public Settings withoutReplicas() {
      return new Settings(tick, alpha, threshold, cooldown, horizon, probeInterval, measureWindow, saturation, false);
    }
  }

  /**
   * Latency is the objective only while the lowest-latency plan's capacity is at least arrivals /
   * HEADROOM; throughput takes over at {@link Settings#saturation()} of the current plan. The gap
   * between the two keeps a steady load from flipping the objective.
   */
  static final double HEADROOM = 0.7;

  private enum Objective {
    THROUGHPUT,
    LATENCY
  }

  private record Sample(long nanos, long offered, long completed, long shed, long inFlight) {}

  private record Candidate(Plan plan, double loadMs, double value, double gain) {}

  private final Pipeline pipeline;
  private final ProfileTable table;
  private volatile Optional<Duration> budget;
  private final Settings settings;
  private final Mode mode;
  private final SpeedEstimates estimates;
  private final DoubleSupplier knownRate;
  private final ArrayDeque<Sample> history = new ArrayDeque<>();
  private final List<Decision> decisions = new ArrayList<>();
  private final List<Consumer<Decision>> listeners = new ArrayList<>();
  private final Map<String, Long> lastProbe = new HashMap<>();
  private final Map<String, Double> speedAtPlan = new LinkedHashMap<>();
  private final long startNanos;
  private Objective objective = Objective.THROUGHPUT;
  private double demand = Double.POSITIVE_INFINITY;
  private boolean pending;
  /** A plan chosen by hand (the control API) holds until {@link #resume()}. */
  private boolean held;
  private boolean urgent;
  private long lastSwitchNanos = Long.MIN_VALUE / 2;
  private String noPlanReported = "";
  private Disposable ticker = () -> {};
  private RuntimeException failure;
  private MeterRegistry registry;
  private final Map<String, Counter> switchCounters = new HashMap<>();
  private Timer loadTimer;

  /**
   * @param knownRate the source's arrival rate when it is known (a synthetic source's rate), else
   *     a negative value; only the oracle reads it
   */
  public Controller(Pipeline pipeline, ProfileTable table, Optional<Duration> budget, Settings settings, Mode mode,
      DoubleSupplier knownRate) {
    this.pipeline = Objects.requireNonNull(pipeline, "pipeline");
    this.table = Objects.requireNonNull(table, "table");
    this.budget = Objects.requireNonNull(budget, "budget");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.mode = Objects.requireNonNull(mode, "mode");
    this.knownRate = Objects.requireNonNull(knownRate, "knownRate");
    this.estimates = new SpeedEstimates(table, settings.alpha());
    this.startNanos = now();
    speedAtPlan.putAll(estimates.snapshot());
  }

  public Mode mode() {
    return mode;
  }

  /** The speed estimates it plans with. */
  public SpeedEstimates estimates() {
    return estimates;
  }

  /** Every switch so far, with what was measured after it. */
  public synchronized List<Decision> decisions() {
    return List.copyOf(decisions);
  }

  /** Sees each decision when it takes effect, and again when its gain has been measured. */
  public synchronized void onDecision(Consumer<Decision> listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /**
   * Exposes {@code splitstream.controller.speed{processor}}, {@code
   * splitstream.plan.switches{trigger}} and {@code splitstream.plan.load} on {@code registry}.
   */
  public synchronized Controller bindTo(MeterRegistry registry, String model) {
    this.registry = registry;
    for (String id : table.processorIds()) {
      Gauge.builder("splitstream.controller.speed", estimates, e -> e.online(id) ? e.speed(id) : 0)
          .description("The controller's estimate of a processor's speed from measured service times"
              + " (1 = as profiled, 0 = offline)")
          .tags("model", model, "processor", id)
          .strongReference(true)
          .register(registry);
    }
    // every trigger's counter exists from the start at 0, so the first switch of each is an
    // increase that rate(), increase() and changes() see (a counter born at 1 would hide it)
    for (String t : TRIGGERS) {
      switchCounter(t);
    }
    loadTimer = Timer.builder("splitstream.plan.load")
        .description("Time charged to load a new plan's segments before it took effect")
        .tags("model", model)
        .register(registry);
    return this;
  }

  /**
   * The plan to start with when the arrival rate is known ({@code rate > 0}): by the controller's
   * own rule, the lowest-latency plan when the rate is at most {@value #HEADROOM} of its capacity
   * (and it meets the budget), else the highest-throughput plan within the budget. Without a known rate, the
   * highest-throughput plan.
   */
  public static Plan startingPlan(ProfileTable table, Optional<Duration> budget, PlannerOptions opts, double rate) {
    if (rate > 0) {
      Plan low = Planner.lowestLatency(table, opts);
      if (low.throughputFps() * HEADROOM >= rate && budget.map(b -> low.latencyMs() <= b.toNanos() / 1e6).orElse(true)) {
        return low;
      }
    }
    return Planner.plan(table, budget, opts);
  }

  /** Starts observing and, unless {@link Mode#OFF}, deciding; stops when the pipeline's run ends. */
  public Controller start() {
    pipeline.observe(o -> {
      estimates.record(o.processor(), o.firstNode(), o.endNode(), o.serviceNanos(), o.probe() ? 0.5 : settings.alpha());
    });
    if (mode == Mode.ADAPTIVE) {
      pipeline.onProcessorLost(this::lost);
    }
    ticker = Flux.interval(settings.tick(), settings.tick(), pipeline.clock())
        .takeUntilOther(pipeline.finished())
        .subscribe(t -> tick());
    if (mode == Mode.ORACLE) {
      told("start");
    } else if (mode == Mode.ADAPTIVE) {
      prepareContingencies();
    }
    return this;
  }

  /** Stops deciding. */
  public void stop() {
    ticker.dispose();
  }

  /**
   * Switches to {@code plan} because a person asked (the control API), recorded as a decision
   * with trigger {@code by-hand}, and holds it: the controller keeps measuring but does not
   * re-plan until {@link #resume()}.
   */
  public synchronized Mono<Pipeline.Activation> switchByHand(Plan plan) {
    Objects.requireNonNull(plan, "plan");
    held = true;
    long now = now();
    Plan cur = pipeline.plan();
    PlannerOptions opts = estimates.plannerOptions().withReplicas(settings.replicas());
    Decision d = new Decision(seconds(now), "by-hand", "", estimates.snapshot(), "by-hand", cur.label(),
        plan.label(), 0, predicted(cur, opts), predicted(plan, opts), 0, 0, 0, false, recentRate(now), 0);
    pending = true;
    return pipeline.switchTo(plan, false)
        .doOnNext(a -> activated(d, a))
        .doOnError(this::failed);
  }

  /** Holds the current plan, as {@link #switchByHand} does, when a person chose the plan it already runs. */
  public synchronized void hold() {
    held = true;
  }

  /** Lets the controller choose the plan again after {@link #switchByHand}; a no-op otherwise. */
  public synchronized void resume() {
    held = false;
    lastSwitchNanos = Long.MIN_VALUE / 2;
  }

  /** Whether a plan chosen by hand holds. */
  public synchronized boolean held() {
    return held;
  }

  /** The latency budget plans are chosen within; empty for none. */
  public Optional<Duration> budget() {
    return budget;
  }

  /** Changes the budget the controller plans within from its next tick on. */
  public void budget(Optional<Duration> next) {
    budget = Objects.requireNonNull(next, "budget");
  }

  /**
   * For {@link Mode#ORACLE}: a scenario event was applied; re-plan from the true availability and
   * switch for free. Ignored in the other modes (they are never told).
   */
  public synchronized void told(String event) {
    if (mode != Mode.ORACLE) {
      return;
    }
    PlannerOptions truth = PlannerOptions.defaults().withReplicas(settings.replicas());
    for (Processor p : pipeline.platform().processors()) {
      if (table.processor(p.id()).isPresent()) {
        Availability.State s = p.availability().state();
        double thermal = p instanceof EmulatedProcessor e ? e.clockFactor() : 1;
        truth = truth.withAvailability(p.id(), new Availability.State(s.share(), Math.max(0.01, s.throttle() * thermal),
            s.online()));
      }
    }
    double rate = knownRate.getAsDouble();
    Plan best;
    try {
      // the same objective rule as the adaptive controller, on the true rate instead of a measured one
      Plan low = Planner.lowestLatency(table, truth);
      objective = rate > 0 && low.throughputFps() * HEADROOM >= rate ? Objective.LATENCY : Objective.THROUGHPUT;
      best = choose(truth, rate < 0 ? Double.POSITIVE_INFINITY : rate);
    } catch (SplitstreamException e) {
      pipeline.noPlan(e);
      return;
    }
    Plan cur = pipeline.plan();
    if (best.label().equals(cur.label())) {
      return;
    }
    Decision d = new Decision(seconds(now()), "oracle", "", Map.of(), objective.name().toLowerCase(Locale.ROOT),
        cur.label(), best.label(), 0, predicted(cur, truth), best.throughputFps(), 0, 0, 0, false,
        completedRate(now()), 0);
    pipeline.switchTo(best, true).subscribe(a -> activated(d, a), e -> {});
  }

  /**
   * A frame found {@code processor} offline. Called from inside the pipeline (possibly while it
   * holds its own lock to publish a plan), so it takes no lock of the controller's: the estimate
   * has its own, and the decision runs as a task on the clock.
   */
  private void lost(String processor) {
    if (!estimates.online(processor)) {
      return;
    }
    estimates.lost(processor);
    pipeline.clock().schedule(() -> {
      synchronized (this) {
        urgent = true;
      }
      tick();
    });
  }

  private synchronized void tick() {
    try {
      decide();
    } catch (RuntimeException e) {
      // a bug must not stop adaptation silently, nor flood the terminal: one line, once
      if (failure == null) {
        failure = e;
        System.err.println("error: internal failure (a bug) in the controller, which keeps the current plan and"
            + " goes on deciding: " + e);
      }
    }
  }

  private void decide() {
    long now = now();
    LedgerSnapshot l = pipeline.ledger();
    history.addLast(new Sample(now, l.offered(), l.completed(), l.shed(), l.inFlight()));
    while (history.size() > 2 && history.peekFirst().nanos() < now - 4 * settings.measureWindow().toNanos()) {
      history.removeFirst();
    }
    measurePending(now);
    if (mode != Mode.ADAPTIVE || pending || held) {
      return;
    }
    boolean warm = now - startNanos >= settings.measureWindow().toNanos();
    if (!warm && !urgent) {
      // rates need a full window of evidence; only a lost processor cannot wait for it
      return;
    }
    Plan cur = pipeline.plan();
    probe(cur, now);
    PlannerOptions opts = estimates.plannerOptions().withReplicas(settings.replicas());
    double arrival = rate(now, Sample::offered);
    double shed = rate(now, Sample::shed);
    double curFps = predicted(cur, opts);
    boolean backlog = backlogged(now);
    objective = objectiveFor(arrival, shed, curFps, opts, backlog);
    // capacity beyond what arrives buys nothing: a live source's rate caps the gain (a held-back one does not)
    demand = backlog || arrival <= 0 ? Double.POSITIVE_INFINITY : arrival * 1.25;
    Plan best;
    try {
      best = choose(opts, arrival);
    } catch (SplitstreamException e) {
      if (curFps <= 0 && !noPlanReported.equals(e.getMessage())) {
        noPlanReported = e.getMessage();
        pipeline.noPlan(e);
      }
      return;
    }
    if (!noPlanReported.isEmpty()) {
      // a plan is possible again: frames that wait for one must not find the old "no plan"
      noPlanReported = "";
      if (curFps > 0) {
        pipeline.planAvailable();
      }
    }
    boolean currentBroken = curFps <= 0;
    if (!currentBroken && !urgent && now - lastSwitchNanos < settings.cooldown().toNanos()) {
      return;
    }
    List<Candidate> candidates = new ArrayList<>();
    candidates.add(evaluate(best, cur, opts, curFps));
    for (String q : best.stages().stream().flatMap(s -> s.processors().stream()).distinct().toList()) {
      if (loadMsOn(best, q) > settings.horizon().toMillis() / 20.0) {
        try {
          Plan alt = choose(opts.withAvailability(q, new Availability.State(1, 1, false)), arrival);
          candidates.add(evaluate(alt, cur, opts, curFps));
        } catch (SplitstreamException e) {
          // no plan without q
        }
      }
    }
    Candidate pick = candidates.stream().max(java.util.Comparator.comparingDouble(Candidate::value)).orElseThrow();
    urgent = false;
    if (pick.plan().label().equals(cur.label()) || !(currentBroken || pick.value() >= settings.threshold())) {
      return;
    }
    String[] trigger = trigger(opts, arrival);
    Decision d = new Decision(seconds(now), trigger[0], trigger[1], estimates.snapshot(),
        objective.name().toLowerCase(Locale.ROOT), cur.label(), pick.plan().label(), 0, curFps,
        predicted(pick.plan(), opts), Double.isFinite(pick.gain()) ? pick.gain() : 0, pick.loadMs(), 0, false,
        recentRate(now), 0);
    pending = true;
    pipeline.switchTo(pick.plan(), false).subscribe(a -> activated(d, a), e -> failed(e));
  }

  private synchronized void activated(Decision d, Pipeline.Activation a) {
    pending = false;
    lastSwitchNanos = a.atNanos();
    speedAtPlan.clear();
    // what the plan was chosen on, not what has been learnt since it was loading
    speedAtPlan.putAll(d.estimatedSpeed().isEmpty() ? estimates.snapshot() : d.estimatedSpeed());
    Decision live = d.activated(a.epoch(), seconds(a.atNanos()), a.loadCost().toNanos() / 1e6);
    long decided = origin() + Math.round(d.atSeconds() * 1e9);
    if (a.atNanos() - decided >= 3 * settings.tick().toNanos()) {
      // the old plan served on under the new conditions while the new one loaded: that is "before"
      live = live.measuredBefore(completedBetween(decided, a.atNanos()));
    }
    decisions.add(live);
    if (registry != null) {
      switchCounter(d.trigger()).increment();
      loadTimer.record(a.loadCost());
    }
    Decision done = live;
    listeners.forEach(x -> x.accept(done));
    if (mode == Mode.ADAPTIVE) {
      prepareContingencies();
    }
  }

  private synchronized void failed(Throwable e) {
    pending = false;
    if (e instanceof ProcessorOfflineException off) {
      estimates.lost(off.processorId());
      urgent = true;
    }
  }

  private void measurePending(long now) {
    long window = settings.measureWindow().toNanos();
    for (int i = 0; i < decisions.size(); i++) {
      Decision d = decisions.get(i);
      long at = origin() + Math.round(d.activatedAtSeconds() * 1e9);
      if (!d.measured() && now >= at + window) {
        Decision m = d.measuredAfter(completedBetween(at, at + window));
        decisions.set(i, m);
        listeners.forEach(x -> x.accept(m));
      }
    }
  }

  /** Completed frames/s in {@code [from, to]} from the recorded ledger samples. */
  private double completedBetween(long from, long to) {
    Sample a = null;
    Sample b = null;
    for (Sample s : history) {
      if (a == null && s.nanos() >= from) {
        a = s;
      }
      if (s.nanos() <= to) {
        b = s;
      }
    }
    if (a == null || b == null || b.nanos() <= a.nanos()) {
      return 0;
    }
    return (b.completed() - a.completed()) / ((b.nanos() - a.nanos()) / 1e9);
  }

  private double completedRate(long now) {
    return rate(now, Sample::completed);
  }

  /** Completed frames/s over the last tick: what the old plan does now, after the change. */
  private double recentRate(long now) {
    // a tick and a half, so that one sample before this one is in it even when real ticks jitter
    return completedBetween(now - settings.tick().toNanos() * 3 / 2, now);
  }

  private double rate(long now, java.util.function.ToLongFunction<Sample> f) {
    long from = now - settings.measureWindow().toNanos();
    Sample first = null;
    for (Sample s : history) {
      if (s.nanos() >= from) {
        first = s;
        break;
      }
    }
    Sample last = history.peekLast();
    if (first == null || last == null || last.nanos() <= first.nanos()) {
      return 0;
    }
    return (f.applyAsLong(last) - f.applyAsLong(first)) / ((last.nanos() - first.nanos()) / 1e9);
  }

  /**
   * Whether frames pile up at the door: on average over the window at least the admission
   * buffer's worth in flight. Under {@code block} the source waits instead of shedding, so its
   * arrival rate is held down to what the pipeline takes; the backlog says it is saturated.
   */
  private boolean backlogged(long now) {
    long from = now - settings.measureWindow().toNanos();
    long n = 0;
    long sum = 0;
    for (Sample s : history) {
      if (s.nanos() >= from) {
        n++;
        sum += s.inFlight();
      }
    }
    return n > 0 && (double) sum / n >= pipeline.capacity();
  }

  private Objective objectiveFor(double arrival, double shed, double curFps, PlannerOptions opts, boolean backlog) {
    if (backlog || shed > 0.01 * Math.max(arrival, 1) || curFps <= 0 || arrival >= settings.saturation() * curFps) {
      return Objective.THROUGHPUT;
    }
    try {
      Plan low = Planner.lowestLatency(table, opts);
      if (low.throughputFps() * HEADROOM >= arrival) {
        return Objective.LATENCY;
      }
    } catch (SplitstreamException e) {
      return Objective.THROUGHPUT;
    }
    return objective;
  }

  private Plan choose(PlannerOptions opts, double arrival) {
    if (objective == Objective.LATENCY) {
      Plan low = Planner.lowestLatency(table, opts);
      if (low.throughputFps() * HEADROOM >= arrival && budget.map(b -> low.latencyMs() <= b.toNanos() / 1e6).orElse(true)) {
        return low;
      }
    }
    try {
      return Planner.plan(table, budget, opts);
    } catch (SplitstreamException e) {
      // no plan meets the budget: the fastest one still serves frames (and the budget says how many)
      return Planner.plan(table, Optional.empty(), opts);
    }
  }

  private Candidate evaluate(Plan p, Plan cur, PlannerOptions opts, double curFps) {
    double loadMs = 0;
    for (String q : p.stages().stream().flatMap(s -> s.processors().stream()).distinct().toList()) {
      loadMs = Math.max(loadMs, loadMsOn(p, q));
    }
    double gain;
    if (curFps <= 0) {
      gain = Double.POSITIVE_INFINITY;
    } else if (objective == Objective.THROUGHPUT) {
      gain = Math.min(predicted(p, opts), demand) / Math.min(curFps, demand) - 1;
    } else {
      double curLat = latency(cur, opts);
      gain = curLat > 0 ? (curLat - latency(p, opts)) / curLat : 0;
    }
    double horizon = settings.horizon().toMillis();
    double value = gain * Math.max(0, horizon - loadMs) / horizon;
    return new Candidate(p, loadMs, value, gain);
  }

  /** Expected load time on {@code q} for the segments of {@code p} not loaded (or not ready) there yet. */
  private double loadMsOn(Plan p, String q) {
    Processor proc = pipeline.platform().processor(q);
    double each = proc instanceof EmulatedProcessor e ? e.profile().loadMillis() : 50;
    return pipeline.cache().map(c -> c.expectedLoadMs(p, q, each)).orElse(0.0);
  }

  /**
   * Prepares in the background the plans the controller would switch to if a processor of the
   * current plan slowed to a third or were lost, so that such a switch finds its segments loaded.
   */
  private void prepareContingencies() {
    PlannerOptions opts = estimates.plannerOptions().withReplicas(settings.replicas());
    Plan cur = pipeline.plan();
    List<String> used = cur.stages().stream().flatMap(s -> s.processors().stream()).distinct().toList();
    // each processor loads one segment at a time, so order matters: contention, the commonest
    // change (Liu et al.; ShuffleDog, Heimdall in ADAPTATION.md), before losses
    for (Availability.State st : List.of(new Availability.State(0.3, 1, true), new Availability.State(1, 1, false))) {
      for (String q : used) {
        try {
          Plan p = choose(opts.withAvailability(q, st), Double.POSITIVE_INFINITY);
          if (!p.label().equals(cur.label())) {
            pipeline.prepare(p);
          }
        } catch (SplitstreamException e) {
          // no plan without q: nothing to prepare
        }
      }
    }
  }

  private double predicted(Plan p, PlannerOptions opts) {
    try {
      return Plan.of(table, placements(p), opts).throughputFps();
    } catch (SplitstreamException e) {
      return 0;
    }
  }

  private double latency(Plan p, PlannerOptions opts) {
    try {
      return Plan.of(table, placements(p), opts).latencyMs();
    } catch (SplitstreamException e) {
      return Double.POSITIVE_INFINITY;
    }
  }

  private static List<Plan.Placement> placements(Plan p) {
    return p.stages().stream().map(s -> new Plan.Placement(s.firstBlock(), s.endBlock(), s.processors())).toList();
  }

  /** Every trigger a switch can have; {@code splitstream.plan.switches} has a series for each. */
  public static final List<String> TRIGGERS = List.of("processor-slowed", "processor-recovered", "processor-lost",
      "processor-returned", "load-rose", "load-fell", "oracle");

  private Counter switchCounter(String trigger) {
    return switchCounters.computeIfAbsent(trigger, t -> Counter.builder("splitstream.plan.switches")
        .description("Plan switches the controller made, by what triggered them")
        .tags("model", pipeline.metrics().model(), "trigger", t)
        .register(registry));
  }

  /** The trigger and the processor behind it: the largest change in an estimate since the last plan. */
  private String[] trigger(PlannerOptions opts, double arrival) {
    Map<String, Double> nowSpeeds = estimates.snapshot();
    String which = "";
    double biggest = 0;
    for (Map.Entry<String, Double> e : nowSpeeds.entrySet()) {
      double before = speedAtPlan.getOrDefault(e.getKey(), 1.0);
      double after = e.getValue();
      double change = Math.abs(Math.log(Math.max(after, 1e-3) / Math.max(before, 1e-3)));
      if (change > biggest) {
        biggest = change;
        which = e.getKey();
      }
    }
    if (biggest < Math.log(1.05)) {
      return new String[] {objective == Objective.THROUGHPUT ? "load-rose" : "load-fell", ""};
    }
    double before = speedAtPlan.getOrDefault(which, 1.0);
    double after = nowSpeeds.get(which);
    String t = after == 0 ? "processor-lost" : before == 0 ? "processor-returned"
        : after < before ? "processor-slowed" : "processor-recovered";
    return new String[] {t, which};
  }

  private void probe(Plan cur, long now) {
    for (String id : table.processorIds()) {
      boolean used = cur.stages().stream().anyMatch(s -> s.processors().contains(id));
      boolean doubtful = !estimates.online(id) || estimates.speed(id) < 0.95;
      if (used || !doubtful) {
        continue;
      }
      long last = lastProbe.getOrDefault(id, Long.MIN_VALUE / 2);
      if (now - last < settings.probeInterval().toNanos()) {
        continue;
      }
      lastProbe.put(id, now);
      pipeline.probe(id).subscribe(
          o -> estimates.record(o.processor(), o.firstNode(), o.endNode(), o.serviceNanos(), 0.5),
          e -> { }); // still offline (or refused): it stays lost until a later probe succeeds // still offline (or refused): it stays lost until a later probe succeeds
    }
  }

  /** Seconds since the pipeline's run started (the origin scenario events are timed from too). */
  private double seconds(long nanos) {
    return (nanos - origin()) / 1e9;
  }

  private long origin() {
    long s = pipeline.startNanos();
    return s == Long.MIN_VALUE ? startNanos : s;
  }

  private long now() {
    return pipeline.clock().now(TimeUnit.NANOSECONDS);
  }
}
