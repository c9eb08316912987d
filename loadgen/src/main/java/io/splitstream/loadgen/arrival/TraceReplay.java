package io.splitstream.loadgen.arrival;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.loadgen.Options;
import io.splitstream.loadgen.recording.NumericCsv;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.OptionalDouble;
import java.util.function.DoubleSupplier;

/**
 * Arrivals replayed from a recording: a CSV file whose first column holds either arrival
 * timestamps ({@code values=times}, the default; non-decreasing, shifted so the first arrival is at
 * 0) or the gaps between arrivals ({@code values=gaps}; the first arrival is at 0, then one arrival
 * after each gap), in {@code unit} (s, ms, us or ns; default s). At its end it stops ({@code
 * end=stop}, the default: the source then completes) or loops ({@code end=loop}: the gaps again
 * from the first; for timestamps, the loop's joining gap is their mean gap). {@link #rate()} is
 * the recording's mean rate; a new base rate compresses or stretches the next gaps by the same
 * factor.
 *
 * <p>Spec: {@code trace,file=arrivals.csv[,values=times|gaps][,unit=s|ms|us|ns][,end=stop|loop]}.
 * The file is read when the spec is parsed: a missing file, a non-numeric cell, a ragged row or a
 * timestamp going back is refused then, naming the line and field.
 *
 * @param gapsNanos the gaps after the first arrival, in nanoseconds
 * @param wrapNanos the gap from the last arrival to the first again when looping
 * @param spec the spec it was parsed from
 * @param endGiven whether the spec said how it ends ({@code end=stop|loop}); without it, a run
 *     longer than the trace is refused rather than ended early (see {@link #checkLength})
 */
public record TraceReplay(Path file, long[] gapsNanos, long wrapNanos, boolean loop, String spec, boolean endGiven)
    implements ArrivalProcess {
  public TraceReplay {
    gapsNanos = gapsNanos.clone();
    if (loop && gapsNanos.length == 0 && wrapNanos <= 0) {
      throw new IllegalArgumentException("a looping trace needs a positive gap");
    }
  }

  static TraceReplay parse(Options o) {
    Path file = Path.of(o.required("file"));
    String values = o.string("values").orElse("times");
    if (!values.equals("times") && !values.equals("gaps")) {
      throw o.bad("values", values, "must be times or gaps");
    }
    String unit = o.string("unit").orElse("s");
    double toNanos = switch (unit) {
      case "s" -> 1e9;
      case "ms" -> 1e6;
      case "us" -> 1e3;
      case "ns" -> 1;
      default -> throw o.bad("unit", unit, "must be s, ms, us or ns");
    };
    String end = o.string("end").orElse("stop");
    if (!end.equals("stop") && !end.equals("loop")) {
      throw o.bad("end", end, "must be stop or loop");
    }
    NumericCsv csv = NumericCsv.read(file, "arrival trace");
    String what = "arrival trace " + file;
    long[] gaps;
    if (values.equals("gaps")) {
      gaps = new long[csv.rows().size()];
      for (int i = 0; i < gaps.length; i++) {
        double g = csv.rows().get(i)[0];
        if (g < 0) {
          throw new SplitstreamException(what + " line " + csv.lines()[i] + ", field 1 (" + csv.columns().get(0)
              + "): gap " + Draw.num(g) + " is negative: gaps must be 0 or more");
        }
        gaps[i] = Math.round(g * toNanos);
      }
    } else {
      gaps = new long[csv.rows().size() - 1];
      long first = Math.round(csv.rows().get(0)[0] * toNanos);
      long prev = first;
      for (int i = 1; i < csv.rows().size(); i++) {
        long t = Math.round(csv.rows().get(i)[0] * toNanos);
        if (t < prev) {
          throw new SplitstreamException(what + " line " + csv.lines()[i] + ", field 1 (" + csv.columns().get(0)
              + "): timestamp " + Draw.num(csv.rows().get(i)[0]) + " is before the previous one, "
              + Draw.num(csv.rows().get(i - 1)[0]) + " (line " + csv.lines()[i - 1]
              + "): timestamps must not go back (give values=gaps for a file of gaps)");
        }
        // from the first arrival, so rounding never accumulates
        gaps[i - 1] = (t - first) - (prev - first);
        prev = t;
      }
    }
    long sum = Arrays.stream(gaps).sum();
    long wrap = values.equals("gaps") ? 0 : gaps.length == 0 ? 0 : Math.round((double) sum / gaps.length);
    if (end.equals("loop") && sum + wrap <= 0) {
      throw new SplitstreamException(what + ": every gap is 0, so end=loop would replay it forever at one instant;"
          + " give a trace with time between arrivals, or end=stop");
    }
    return new TraceReplay(file, gaps, wrap, end.equals("loop"),
        "trace,file=" + file + ",values=" + values + ",unit=" + unit + ",end=" + end, o.string("end").isPresent());
  }

  /**
   * Refuses a run of {@code duration} longer than the trace (first arrival to last, at its own
   * pace) when the spec did not say how it ends: a run lasts its {@code --duration}, so stopping at
   * the trace's end must be asked for ({@code end=stop}), as must looping ({@code end=loop}).
   *
   * @throws SplitstreamException naming the trace's length and the remedies
   */
  public void checkLength(java.time.Duration duration) {
    if (!endGiven) {
      io.splitstream.loadgen.RunLength.check(java.util.Optional.of(duration),
          java.time.Duration.ofNanos(Arrays.stream(gapsNanos).sum()), "arrival trace " + file,
          "from its first arrival to its last",
          "add ,end=loop to replay it in a loop, ,end=stop to end the run at its last arrival");
    }
  }

  @Override
  public Gaps gaps(DoubleSupplier baseRate) {
    double own = rate();
    return new Gaps() {
      private int i;
      private double carry;

      @Override
      public long nextNanos() {
        long g;
        if (i < gapsNanos.length) {
          g = gapsNanos[i++];
        } else if (!loop) {
          return END;
        } else if (wrapNanos > 0 && i == gapsNanos.length) {
          i++;
          g = wrapNanos;
        } else {
          i = 0;
          g = gapsNanos.length == 0 ? wrapNanos : gapsNanos[i++];
        }
        double scale = own / baseRate.getAsDouble();
        if (scale == 1) {
          return g;
        }
        // keep the fraction lost to rounding for the next gap, so a scaled replay does not drift
        double exact = g * scale + carry;
        long r = Math.max(0, Math.round(exact));
        carry = exact - r;
        return r;
      }
    };
  }

  /** The recording's mean rate: arrivals over the time they span (a loop's joining gap included). */
  @Override
  public double rate() {
    long span = Arrays.stream(gapsNanos).sum() + (loop ? wrapNanos : 0);
    int n = gapsNanos.length + (loop && wrapNanos > 0 ? 1 : 0);
    return span > 0 ? n / (span / 1e9) : 1;
  }

  @Override
  public double meanRate() {
    return rate();
  }

  /** The coefficient of variation of the recording's own gaps. */
  @Override
  public OptionalDouble configuredCv() {
    if (gapsNanos.length < 2) {
      return OptionalDouble.empty();
    }
    double mean = Arrays.stream(gapsNanos).average().orElse(0);
    double var = Arrays.stream(gapsNanos).mapToDouble(g -> (g - mean) * (g - mean)).sum() / gapsNanos.length;
    return mean > 0 ? OptionalDouble.of(Math.sqrt(var) / mean) : OptionalDouble.empty();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TraceReplay t && t.file.equals(file) && Arrays.equals(t.gapsNanos, gapsNanos)
        && t.wrapNanos == wrapNanos && t.loop == loop;
  }

  @Override
  public int hashCode() {
    return file.hashCode() * 31 + Arrays.hashCode(gapsNanos);
  }

  @Override
  public String toString() {
    return spec + " (" + gapsNanos.length + " gaps)";
  }
}
