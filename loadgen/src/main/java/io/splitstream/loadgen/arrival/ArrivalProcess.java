package io.splitstream.loadgen.arrival;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.loadgen.Options;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;

/**
 * When frames arrive: a point process on a time line that starts at 0, given as the gaps between
 * arrivals. The first arrival is at time 0; {@link Gaps#nextNanos()} then yields the gap to each
 * following arrival.
 *
 * <p>Implementations are immutable values; {@link #gaps()} starts a fresh, independent sequence each
 * time, and two sequences of the same process (same seed) are identical, so a run can be repeated
 * exactly. A {@link Gaps} is stateful and must be used by one thread at a time.
 *
 * <p>The base {@link #rate()} can also be varied while a sequence runs ({@link #gaps(DoubleSupplier)}):
 * each gap is drawn at the base rate in force when it is drawn, so a change applies from the next
 * arrival on and every arrival already drawn keeps its time. A constant or Poisson process then runs
 * at the new rate; a burst process keeps its factor, period and duty around the new base rate.
 *
 * <p>Spec strings (see {@link #parse(String, long)}):
 * <ul>
 *   <li>{@code constant,rate=30} — exactly {@code rate} arrivals per second;
 *   <li>{@code poisson,rate=30[,seed=7]} — exponential gaps with mean {@code 1/rate};
 *   <li>{@code burst,rate=30,factor=10,period=20s,duty=0.5[,seed=7]} — on/off modulated Poisson: the
 *       first {@code duty} fraction of every {@code period} runs at {@code rate*factor}, the rest at
 *       {@code rate}.
 *   <li>{@code gamma,rate=30,shape=0.25[,seed=7]} — a renewal process with gamma gaps of mean
 *       {@code 1/rate} and coefficient of variation {@code 1/sqrt(shape)}: shape 1 is Poisson, below 1
 *       bursty, above 1 more regular ({@link Gamma});
 *   <li>{@code mmpp,rates=20/200,dwell=10s/2s[,seed=7]} — an n-state Markov-modulated Poisson process:
 *       a Poisson rate per state, an exponential sojourn of the given mean per state ({@link Mmpp});
 *   <li>{@code ramp,from=10,to=300,over=60s[,arrivals=constant|poisson][,seed=7]} — the rate rises
 *       linearly from {@code from} to {@code to} over {@code over}, then holds ({@link Ramp});
 *   <li>{@code trace,file=arrivals.csv[,values=times|gaps][,unit=s|ms|us|ns][,end=loop|stop]} — replays
 *       recorded arrival timestamps or gaps ({@link TraceReplay}).
 * </ul>
 */
public sealed interface ArrivalProcess
    permits ArrivalProcess.Constant, ArrivalProcess.Poisson, ArrivalProcess.Burst, Gamma, Mmpp, Ramp, TraceReplay {

  /** The valid kinds, as written in a spec. */
  List<String> KINDS = List.of("constant", "poisson", "burst", "gamma", "mmpp", "ramp", "trace");

  /** A fresh sequence of gaps, starting after the arrival at time 0, at the fixed {@link #rate()}. */
  default Gaps gaps() {
    return gaps(this::rate);
  }

  /**
   * A fresh sequence of gaps like {@link #gaps()}, but at the base rate {@code baseRate} gives when
   * each gap is drawn (read once per gap, on the thread calling {@link Gaps#nextNanos()}). With a
   * supplier that always returns {@link #rate()} the sequence equals {@link #gaps()}'s.
   *
   * @param baseRate arrivals per second, finite and above 0 (for a burst: the rate outside bursts)
   */
  Gaps gaps(DoubleSupplier baseRate);

  /** The base rate of the spec: a constant or Poisson process's rate, a burst process's rate outside bursts. */
  double rate();

  /** Long-run arrivals per second. */
  double meanRate();

  /** The spec string that parses back to this process. */
  String spec();

  /** The coefficient of variation of the gaps the spec asks for (standard deviation over mean), when it has a simple one. */
  default java.util.OptionalDouble configuredCv() {
    return java.util.OptionalDouble.empty();
  }

  /**
   * The gaps between successive arrivals; deterministic, not thread-safe; infinite except for a
   * trace told to stop at its end.
   */
  interface Gaps {
    /** What {@link #nextNanos()} returns once the process has no more arrivals. */
    long END = -1;

    /** Nanoseconds from the previous arrival to the next one (never negative), or {@link #END}. */
    long nextNanos();
  }

  /** Exactly {@code rate} arrivals per second. */
  record Constant(double rate) implements ArrivalProcess {
    public Constant {
      requirePositive("rate", rate);
    }

    @Override
    public Gaps gaps(DoubleSupplier baseRate) {
      return new RoundedGaps() {
        // Arrival n after the last rate change is at anchor + n / r: absolute, so no drift.
        private double anchor;
        private double r = Double.NaN;
        private long n;

        @Override
        double nextArrivalSeconds() {
          double next = baseRate.getAsDouble();
          if (next != r) {
            if (n > 0) {
              anchor += n / r;
            }
            r = next;
            n = 0;
          }
          return anchor + ++n / r;
        }
      };
    }

    @Override
    public double meanRate() {
      return rate;
    }

    @Override
    public String spec() {
      return "constant,rate=" + num(rate);
    }

    @Override
    public java.util.OptionalDouble configuredCv() {
      return java.util.OptionalDouble.of(0);
    }
  }

  /** A Poisson process: independent exponential gaps with mean {@code 1/rate}. */
  record Poisson(double rate, long seed) implements ArrivalProcess {
    public Poisson {
      requirePositive("rate", rate);
    }

    @Override
    public Gaps gaps(DoubleSupplier baseRate) {
      SplittableRandom random = new SplittableRandom(seed);
      return new RoundedGaps() {
        private double t;

        @Override
        double nextArrivalSeconds() {
          t += exponential(random) / baseRate.getAsDouble();
          return t;
        }
      };
    }

    @Override
    public double meanRate() {
      return rate;
    }

    @Override
    public String spec() {
      return "poisson,rate=" + num(rate) + ",seed=" + seed;
    }

    @Override
    public java.util.OptionalDouble configuredCv() {
      return java.util.OptionalDouble.of(1);
    }
  }

  /**
   * On/off bursts: a Poisson process whose rate is {@code rate*factor} during the first {@code duty}
   * fraction of each {@code period} and {@code rate} for the rest. The rate switches exactly at phase
   * boundaries (the process is simulated exactly, not thinned).
   */
  record Burst(double rate, double factor, Duration period, double duty, long seed) implements ArrivalProcess {
    public Burst {
      requirePositive("rate", rate);
      requirePositive("factor", factor);
      if (period.isZero() || period.isNegative()) {
        throw new IllegalArgumentException("period must be positive, got " + period);
      }
      if (!(duty >= 0 && duty <= 1)) {
        throw new IllegalArgumentException("duty must be in [0, 1], got " + duty);
      }
    }

    /** The rate in force at {@code seconds} into the process. */
    public double rateAt(double seconds) {
      double p = period.toNanos() / 1e9;
      double phase = seconds - Math.floor(seconds / p) * p;
      return phase < duty * p ? rate * factor : rate;
    }

    @Override
    public Gaps gaps(DoubleSupplier baseRate) {
      SplittableRandom random = new SplittableRandom(seed);
      double p = period.toNanos() / 1e9;
      double on = duty * p;
      return new RoundedGaps() {
        private double t;

        @Override
        double nextArrivalSeconds() {
          double base = baseRate.getAsDouble();
          // Spend one unit-rate exponential "budget" across piecewise-constant rate segments.
          double budget = exponential(random);
          while (true) {
            double start = Math.floor(t / p) * p;
            double phase = t - start;
            double segmentEnd = phase < on ? start + on : start + p;
            double r = phase < on ? base * factor : base;
            double cost = (segmentEnd - t) * r;
            if (budget <= cost) {
              t += budget / r;
              return t;
            }
            budget -= cost;
            // Guard against floating-point stalls right at a boundary.
            t = Math.max(segmentEnd, Math.nextUp(t));
          }
        }
      };
    }

    @Override
    public double meanRate() {
      return rate * (duty * factor + (1 - duty));
    }

    @Override
    public String spec() {
      return "burst,rate=" + num(rate) + ",factor=" + num(factor) + ",period=" + period.toMillis() + "ms,duty="
          + num(duty) + ",seed=" + seed;
    }
  }

  /**
   * Parses a spec such as {@code poisson,rate=30,seed=7}. A process that needs a seed and has none in
   * the spec takes {@code defaultSeed} (the run's seed).
   *
   * @throws SplitstreamException one line naming the bad kind, key or value and listing valid ones
   */
  static ArrivalProcess parse(String spec, long defaultSeed) {
    String s = spec.trim();
    int comma = s.indexOf(',');
    String kind = (comma < 0 ? s : s.substring(0, comma)).trim().toLowerCase(Locale.ROOT);
    String rest = comma < 0 ? "" : s.substring(comma + 1);
    String what = "arrival spec '" + spec + "'";
    switch (kind) {
      case "constant": {
        Options o = Options.parse(what + ", kind constant", rest, List.of("rate"));
        return new Constant(o.positive("rate").orElseThrow(() -> o.missing("rate")));
      }
      case "poisson": {
        Options o = Options.parse(what + ", kind poisson", rest, List.of("rate", "seed"));
        return new Poisson(o.positive("rate").orElseThrow(() -> o.missing("rate")),
            o.longValue("seed").orElse(defaultSeed));
      }
      case "burst": {
        Options o = Options.parse(what + ", kind burst", rest, List.of("rate", "factor", "period", "duty", "seed"));
        return new Burst(
            o.positive("rate").orElseThrow(() -> o.missing("rate")),
            o.positive("factor").orElseThrow(() -> o.missing("factor")),
            o.duration("period").orElseThrow(() -> o.missing("period")),
            o.between("duty", 0, 1).orElseThrow(() -> o.missing("duty")),
            o.longValue("seed").orElse(defaultSeed));
      }
      case "gamma":
        return Gamma.parse(Options.parse(what + ", kind gamma", rest, List.of("rate", "shape", "seed")), defaultSeed);
      case "mmpp":
        return Mmpp.parse(Options.parse(what + ", kind mmpp", rest, List.of("rates", "dwell", "seed")), defaultSeed);
      case "ramp":
        return Ramp.parse(Options.parse(what + ", kind ramp", rest, List.of("from", "to", "over", "arrivals", "seed")),
            defaultSeed);
      case "trace":
        return TraceReplay.parse(Options.parse(what + ", kind trace", rest, List.of("file", "values", "unit", "end")));
      default:
        throw new SplitstreamException(what + ": unknown kind '" + kind + "'; valid kinds: "
            + String.join(", ", KINDS) + " (e.g. poisson,rate=30,seed=7)");
    }
  }

  private static void requirePositive(String name, double v) {
    Draw.requirePositive(name, v);
  }

  private static double exponential(SplittableRandom random) {
    return Draw.exponential(random);
  }

  private static String num(double v) {
    return Draw.num(v);
  }
}
