package io.splitstream.pipeline.adapt;

import io.splitstream.devices.processor.Availability;
import io.splitstream.pipeline.plan.PlannerOptions;
import io.splitstream.pipeline.plan.ProfileTable;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;

/**
 * What the controller believes of each processor, learnt only from measurements: a speed factor
 * (the profile's predicted time for what ran over the time it measured, smoothed as an
 * exponential moving average, as Band does with α = 0.1; 1 = as profiled) and whether it is
 * online (an invocation that failed with the processor offline says it is not; a later successful
 * probe says it is back).
 *
 * <p>A moving average with α = 0.1 needs about 30 samples to follow a step. So that a real change
 * is acted on at its true size, the last {@value #RUN} samples of each processor are kept: when
 * every one of them lies more than {@link #STEP} away from the average, on the same side, the
 * average jumps to their median. Noise of ±10 % never does that (nor, in practice, jitter of a few per cent: four samples in a row beyond 15 % on one side); a processor that lost 70 % of its
 * speed does it within {@value #RUN} invocations.
 *
 * <p>Thread-safe (synchronised): invocations report from the processors' threads.
 */
public final class SpeedEstimates {
  private final ProfileTable table;
  private final double alpha;
  private final Map<String, Double> speed = new LinkedHashMap<>();
  private final Map<String, Boolean> online = new LinkedHashMap<>();
  private final Map<String, Long> samples = new LinkedHashMap<>();
  private final Map<String, java.util.ArrayDeque<Double>> recent = new LinkedHashMap<>();

  /** Consecutive samples that must agree before the average jumps to them. */
  public static final int RUN = 4;

  /** How far (relative) each of them must lie from the average. */
  public static final double STEP = 0.15;

  /**
   * @param alpha weight of a new sample in the moving average, in (0, 1]
   */
  public SpeedEstimates(ProfileTable table, double alpha) {
    if (!(alpha > 0 && alpha <= 1)) {
      throw new IllegalArgumentException("smoothing alpha must be in (0, 1], got " + alpha);
    }
    this.table = table;
    this.alpha = alpha;
    for (String id : table.processorIds()) {
      speed.put(id, 1.0);
      online.put(id, true);
      samples.put(id, 0L);
      recent.put(id, new java.util.ArrayDeque<>());
    }
  }

  /**
   * The profile's prediction for nodes {@code [firstNode, endNode)} on {@code processor} at full
   * speed (one invocation: its blocks plus the invocation cost), in milliseconds; -1 when the range
   * is not made of the table's blocks or the processor lacks one of them.
   */
  public double predictedMs(String processor, int firstNode, int endNode) {
    OptionalInt first = table.blockStartingAt(firstNode);
    if (first.isEmpty()) {
      return -1;
    }
    double ms = table.processor(processor).map(ProfileTable.ProcessorInfo::invocationMs).orElse(0.0);
    for (int k = first.getAsInt(); k < table.blockCount(); k++) {
      ProfileTable.Block b = table.blocks().get(k);
      var t = b.ms(processor);
      if (t.isEmpty()) {
        return -1;
      }
      ms += t.getAsDouble();
      if (b.endNode() == endNode) {
        return ms;
      }
      if (b.endNode() > endNode) {
        return -1;
      }
    }
    return -1;
  }

  /**
   * Takes one measured invocation into account.
   *
   * @param weight the sample's weight, {@code alpha} for a frame's invocation, more for a probe
   * @return false when the range is unknown to the profile (the sample is ignored)
   */
  public synchronized boolean record(String processor, int firstNode, int endNode, long serviceNanos, double weight) {
    double predicted = predictedMs(processor, firstNode, endNode);
    if (predicted <= 0 || serviceNanos <= 0 || !speed.containsKey(processor)) {
      return false;
    }
    double ratio = predicted / (serviceNanos / 1e6);
    double w = Math.min(1, weight);
    double avg = w * ratio + (1 - w) * speed.get(processor);
    java.util.ArrayDeque<Double> run = recent.get(processor);
    run.addLast(ratio);
    if (run.size() > RUN) {
      run.removeFirst();
    }
    if (run.size() == RUN) {
      double before = speed.get(processor);
      boolean allBelow = run.stream().allMatch(r -> r < before * (1 - STEP));
      boolean allAbove = run.stream().allMatch(r -> r > before * (1 + STEP));
      if (allBelow || allAbove) {
        avg = run.stream().sorted().toList().get(RUN / 2);
      }
    }
    speed.put(processor, avg);
    online.put(processor, true);
    samples.merge(processor, 1L, Long::sum);
    return true;
  }

  /** A measured invocation with the usual weight {@code alpha}. */
  public boolean record(String processor, int firstNode, int endNode, long serviceNanos) {
    return record(processor, firstNode, endNode, serviceNanos, alpha);
  }

  /** The processor was found offline. */
  public synchronized void lost(String processor) {
    if (online.containsKey(processor)) {
      online.put(processor, false);
    }
  }

  public synchronized double speed(String processor) {
    return speed.getOrDefault(processor, 1.0);
  }

  public synchronized boolean online(String processor) {
    return online.getOrDefault(processor, true);
  }

  /** Speeds now, 0 for an offline processor. */
  public synchronized Map<String, Double> snapshot() {
    Map<String, Double> m = new LinkedHashMap<>();
    speed.forEach((id, s) -> m.put(id, online.get(id) ? round(s) : 0.0));
    return m;
  }

  /** What the planner should assume: each processor at its estimated speed (at most full), or offline. */
  public synchronized PlannerOptions plannerOptions() {
    PlannerOptions o = PlannerOptions.defaults();
    for (String id : speed.keySet()) {
      double s = Math.max(0.01, Math.min(1.0, speed.get(id)));
      o = o.withAvailability(id, new Availability.State(s, 1, online.get(id)));
    }
    return o;
  }

  private static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }
}
