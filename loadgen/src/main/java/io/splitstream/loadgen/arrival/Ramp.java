package io.splitstream.loadgen.arrival;

import io.splitstream.loadgen.Options;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;

/**
 * A rate rising (or falling) linearly from {@code from} to {@code to} arrivals per second over
 * {@code over}, then holding at {@code to}: the load that finds a pipeline's knee, where latency
 * leaves its floor. With {@code arrivals=constant} (the default) arrival {@code n} is exactly at
 * the time the integrated rate reaches {@code n}; with {@code arrivals=poisson} the process is an
 * inhomogeneous Poisson process of that rate (unit exponential budgets spent along the integrated
 * rate, inverted exactly, seeded). {@link #rate()} is {@code from}: a new base rate scales the whole
 * ramp by the same factor from the next arrival on.
 */
public record Ramp(double from, double to, Duration over, boolean poisson, long seed) implements ArrivalProcess {
  public Ramp {
    Draw.requirePositive("from", from);
    Draw.requirePositive("to", to);
    Draw.requirePositive("over", over.toNanos());
  }

  static Ramp parse(Options o, long defaultSeed) {
    String arrivals = o.string("arrivals").orElse("constant");
    if (!arrivals.equals("constant") && !arrivals.equals("poisson")) {
      throw o.bad("arrivals", arrivals, "must be constant or poisson");
    }
    return new Ramp(o.positive("from").orElseThrow(() -> o.missing("from")),
        o.positive("to").orElseThrow(() -> o.missing("to")), o.duration("over").orElseThrow(() -> o.missing("over")),
        arrivals.equals("poisson"), o.longValue("seed").orElse(defaultSeed));
  }

  /** The configured rate at {@code seconds} from the start. */
  public double rateAt(double seconds) {
    double d = over.toNanos() / 1e9;
    return seconds >= d ? to : from + (to - from) * seconds / d;
  }

  /** The integrated rate: expected arrivals in {@code [0, seconds)}. */
  public double arrivalsBy(double seconds) {
    double d = over.toNanos() / 1e9;
    double s = Math.min(seconds, d);
    return from * s + (to - from) * s * s / (2 * d) + (seconds > d ? to * (seconds - d) : 0);
  }

  /** The time at which the integrated rate reaches {@code n}. */
  double timeOf(double n) {
    double d = over.toNanos() / 1e9;
    double atEnd = arrivalsBy(d);
    if (n >= atEnd) {
      return d + (n - atEnd) / to;
    }
    double a = (to - from) / (2 * d);
    // root of a t^2 + from t - n = 0 in the stable form (no cancellation when a is small)
    return 2 * n / (from + Math.sqrt(from * from + 4 * a * n));
  }

  @Override
  public Gaps gaps(DoubleSupplier baseRate) {
    SplittableRandom random = new SplittableRandom(seed);
    return new RoundedGaps() {
      private double budget;

      @Override
      double nextArrivalSeconds() {
        double scale = baseRate.getAsDouble() / from;
        budget += (poisson ? Draw.exponential(random) : 1) / scale;
        return timeOf(budget);
      }
    };
  }

  @Override
  public double rate() {
    return from;
  }

  /** The rate it holds at after the ramp. */
  @Override
  public double meanRate() {
    return to;
  }

  @Override
  public String spec() {
    return "ramp,from=" + Draw.num(from) + ",to=" + Draw.num(to) + ",over=" + over.toMillis() + "ms,arrivals="
        + (poisson ? "poisson,seed=" + seed : "constant");
  }
}
