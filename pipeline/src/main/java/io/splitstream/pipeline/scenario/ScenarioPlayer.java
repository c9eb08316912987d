package io.splitstream.pipeline.scenario;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.processor.Availability;
import io.splitstream.devices.processor.Processor;
import io.splitstream.pipeline.source.RateControl;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;

/**
 * Plays a {@link Scenario} on the pipeline clock: each event at its {@code at} after {@link #start}
 * is called, applied to the processors' {@link Availability} (share, throttle, online), to a
 * {@link NoiseTarget} (noise) and to the source's {@link RateControl} (rate).
 *
 * <p>The availability is the emulator's knob for "what other apps and the thermal governor leave
 * us": the player is the only thing that sets it; a controller reads it, never writes it.
 *
 * <p>Order: events apply in list order, one at a time; events with the same {@code at} apply in
 * the same clock task, one after another. Each is due at start + {@code at} on the clock (no drift
 * across events); one that comes late in real time is applied as soon as it can be.
 *
 * <p>Listener: called once per applied event, right after it took effect, with an {@link
 * AppliedEvent}. An exception from it (or from applying) propagates to the clock (a {@code
 * SimulatedTime} run stops with it); events after it stay scheduled.
 *
 * <p>Cancellation: disposing the returned {@link Disposable} drops every event not yet applied;
 * what was applied stays applied. It also reads as disposed once the last event has been applied.
 *
 * <p>Threads: events are applied on one worker of the clock, never concurrently.
 */
public final class ScenarioPlayer {
  private ScenarioPlayer() {}

  /** {@link #start(Scenario, Scheduler, Function, Optional, Optional, long, Consumer)} without noise: noise events are reported as not applied. */
  public static Disposable start(Scenario scenario, Scheduler clock, Function<String, Processor> processors,
      Optional<RateControl> rate, Consumer<AppliedEvent> listener) {
    return start(scenario, clock, processors, rate, Optional.empty(), 0L, listener);
  }

  /**
   * Schedules every event of {@code scenario} on {@code clock}, counting from now.
   *
   * @param processors the run's processor of each id the scenario names; every id is looked up now
   * @param rate the source's rate control, needed when the scenario changes the rate
   * @param noise where noise events go, if anywhere
   * @param seed the run's seed; each noise event gets its own seed from it, the event and the processor
   * @throws SplitstreamException before anything is scheduled, when a processor the scenario names is
   *     not found or it changes the rate and {@code rate} is empty
   */
  public static Disposable start(Scenario scenario, Scheduler clock, Function<String, Processor> processors,
      Optional<RateControl> rate, Optional<NoiseTarget> noise, long seed, Consumer<AppliedEvent> listener) {
    Map<String, Processor> resolved = new LinkedHashMap<>();
    for (String id : scenario.processors()) {
      Processor p = processors.apply(id);
      if (p == null) {
        throw new SplitstreamException("scenario " + scenario.origin() + ": processor '" + id
            + "' is not on this platform; name only the platform's processors");
      }
      resolved.put(id, p);
    }
    scenario.validate(resolved.keySet(), rate.isPresent());
    Playback playback = new Playback(scenario.events(), clock, resolved, rate, noise, seed, listener);
    playback.scheduleNext();
    return playback.worker;
  }

  /** The walk along one scenario's events: each clock task applies the events due and schedules the next. */
  private static final class Playback implements Runnable {
    private final List<ScenarioEvent> events;
    private final Scheduler clock;
    private final Scheduler.Worker worker;
    private final long startNanos;
    private final Map<String, Processor> processors;
    private final Optional<RateControl> rate;
    private final Optional<NoiseTarget> noise;
    private final long seed;
    private final Consumer<AppliedEvent> listener;
    private int next;

    Playback(List<ScenarioEvent> events, Scheduler clock, Map<String, Processor> processors,
        Optional<RateControl> rate, Optional<NoiseTarget> noise, long seed, Consumer<AppliedEvent> listener) {
      this.events = events;
      this.clock = clock;
      this.worker = clock.createWorker();
      this.startNanos = clock.now(TimeUnit.NANOSECONDS);
      this.processors = processors;
      this.rate = rate;
      this.noise = noise;
      this.seed = seed;
      this.listener = listener;
    }

    void scheduleNext() {
      long delay = startNanos + events.get(next).at().toNanos() - clock.now(TimeUnit.NANOSECONDS);
      try {
        worker.schedule(this, Math.max(0, delay), TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        if (!worker.isDisposed()) {
          throw e;
        }
        // disposed meanwhile: the rest of the scenario is cancelled, as asked
      }
    }

    @Override
    public void run() {
      if (worker.isDisposed()) {
        return;
      }
      int from = next;
      Duration at = events.get(from).at();
      while (next < events.size() && events.get(next).at().equals(at)) {
        next++;
      }
      int to = next;
      // Schedule the next batch first, so a throwing listener does not cancel the rest.
      if (next < events.size()) {
        scheduleNext();
      }
      try {
        for (ScenarioEvent e : events.subList(from, to)) {
          String outcome = apply(e);
          listener.accept(new AppliedEvent(e, Duration.ofNanos(clock.now(TimeUnit.NANOSECONDS) - startNanos), outcome));
        }
      } finally {
        if (next == events.size()) {
          worker.dispose();
        }
      }
    }

    private String apply(ScenarioEvent event) {
      if (event instanceof ScenarioEvent.RateChange r) {
        rate.orElseThrow().setRate(r.framesPerSecond());
        return r.summary();
      }
      ScenarioEvent.ProcessorChange p = (ScenarioEvent.ProcessorChange) event;
      Availability availability = processors.get(p.processor()).availability();
      if (p.share().isPresent() || p.throttle().isPresent() || p.online().isPresent()) {
        Availability.State s = availability.state();
        // One write, so a reader never sees half of an event that changes two things.
        availability.set(new Availability.State(p.share().orElse(s.share()), p.throttle().orElse(s.throttle()),
            p.online().orElse(s.online())));
      }
      if (p.noise().isPresent() && noise.isEmpty()) {
        return p.summary() + " (noise not applied: this run has no noise target)";
      }
      p.noise().ifPresent(n -> noise.get().setNoise(p.processor(), n, noiseSeed(p)));
      return p.summary();
    }

    private long noiseSeed(ScenarioEvent.ProcessorChange p) {
      return new SplittableRandom(seed ^ (31L * p.index() + p.processor().hashCode())).nextLong();
    }
  }
}
