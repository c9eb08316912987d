package io.splitstream.loadgen.arrival;

import io.splitstream.loadgen.Options;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import java.util.stream.Collectors;

/**
 * An n-state Markov-modulated Poisson process: in state {@code i} arrivals are Poisson at {@code
 * rates[i]}; the process stays in a state for an exponential time of mean {@code dwell[i]}, then
 * moves to one of the other states chosen uniformly (with two states: the other one). It starts in
 * state 0. The states' long-run time shares are proportional to their mean dwell times (the jump
 * chain is uniform over the others, so its stationary law is uniform), hence the mean rate is
 * {@code sum(rates[i] * dwell[i]) / sum(dwell[i])}.
 *
 * <p>Simulated exactly (no thinning): the next arrival is drawn in the current state and kept if
 * it falls before the next switch; otherwise time moves to the switch and a fresh draw is made
 * in the new state (memoryless, so this is exact). Sojourns and arrivals use two independent
 * generators split from {@code seed}. A new base rate scales every state's rate by the same
 * factor ({@link #rate()} is the mean rate), keeping the dwell times.
 *
 * <p>Spec: {@code mmpp,rates=20/200,dwell=10s/2s[,seed=7]}: as many rates as dwell times, at
 * least two states, separated by {@code /}.
 */
public record Mmpp(List<Double> rates, List<Duration> dwell, long seed) implements ArrivalProcess {
  public Mmpp {
    rates = List.copyOf(rates);
    dwell = List.copyOf(dwell);
    if (rates.size() < 2 || rates.size() != dwell.size()) {
      throw new IllegalArgumentException("an MMPP needs at least two states and one dwell time per rate, got "
          + rates.size() + " rates and " + dwell.size() + " dwell times");
    }
    rates.forEach(r -> Draw.requirePositive("rate", r));
    dwell.forEach(d -> Draw.requirePositive("dwell", d.toNanos()));
  }

  static Mmpp parse(Options o, long defaultSeed) {
    List<Double> rates = o.pieces("rates").orElseThrow(() -> o.missing("rates")).stream()
        .map(r -> o.positiveValue("rates", r)).toList();
    List<Duration> dwell = o.pieces("dwell").orElseThrow(() -> o.missing("dwell")).stream()
        .map(d -> o.durationValue("dwell", d)).toList();
    if (rates.size() < 2 || rates.size() != dwell.size()) {
      throw o.bad("rates", o.required("rates"), "and dwell '" + o.required("dwell")
          + "' must list the same number of states, at least two, separated by / (e.g. rates=20/200,dwell=10s/2s)");
    }
    return new Mmpp(rates, dwell, o.longValue("seed").orElse(defaultSeed));
  }

  /** The long-run share of time in each state. */
  public double[] timeShares() {
    double total = dwell.stream().mapToDouble(d -> d.toNanos()).sum();
    return dwell.stream().mapToDouble(d -> d.toNanos() / total).toArray();
  }

  @Override
  public double rate() {
    return meanRate();
  }

  @Override
  public double meanRate() {
    double[] share = timeShares();
    double m = 0;
    for (int i = 0; i < share.length; i++) {
      m += share[i] * rates.get(i);
    }
    return m;
  }

  @Override
  public Walk gaps(DoubleSupplier baseRate) {
    return new Walk(baseRate);
  }

  @Override
  public String spec() {
    return "mmpp,rates=" + rates.stream().map(Draw::num).collect(Collectors.joining("/")) + ",dwell="
        + dwell.stream().map(d -> d.toMillis() + "ms").collect(Collectors.joining("/")) + ",seed=" + seed;
  }

  /**
   * One walk of the process; besides the gaps it counts each state's completed sojourns and the
   * time spent in them, so the dwell times can be checked against the configured ones.
   */
  public final class Walk extends RoundedGaps {
    private final DoubleSupplier baseRate;
    private final SplittableRandom arrivalsRandom;
    private final SplittableRandom statesRandom;
    private final long[] sojourns = new long[rates.size()];
    private final double[] timeIn = new double[rates.size()];
    private int state;
    private double t;
    private double entered;
    private double switchAt;

    Walk(DoubleSupplier baseRate) {
      this.baseRate = baseRate;
      SplittableRandom root = new SplittableRandom(seed);
      this.arrivalsRandom = root.split();
      this.statesRandom = root.split();
      this.switchAt = sojourn(0);
    }

    private double sojourn(int s) {
      return Draw.exponential(statesRandom) * dwell.get(s).toNanos() / 1e9;
    }

    @Override
    double nextArrivalSeconds() {
      double scale = baseRate.getAsDouble() / meanRate();
      while (true) {
        double candidate = t + Draw.exponential(arrivalsRandom) / (rates.get(state) * scale);
        if (candidate < switchAt) {
          t = candidate;
          return t;
        }
        t = switchAt;
        sojourns[state]++;
        timeIn[state] += t - entered;
        entered = t;
        int next = statesRandom.nextInt(rates.size() - 1);
        state = next >= state ? next + 1 : next;
        switchAt = t + sojourn(state);
      }
    }

    /** The state of the last arrival drawn. */
    public int state() {
      return state;
    }

    /** Completed sojourns per state so far. */
    public long[] sojourns() {
      return sojourns.clone();
    }

    /** Mean length of each state's completed sojourns so far, in seconds (NaN for none yet). */
    public double[] meanDwellSeconds() {
      double[] m = new double[timeIn.length];
      for (int i = 0; i < m.length; i++) {
        m[i] = sojourns[i] == 0 ? Double.NaN : timeIn[i] / sojourns[i];
      }
      return m;
    }
  }
}
