package io.splitstream.loadgen.arrival;

import io.splitstream.devices.model.TensorSpec;
import io.splitstream.devices.tensor.ElementType;
import io.splitstream.loadgen.synthetic.SyntheticSource;
import io.splitstream.operators.time.SimulatedTime;
import io.splitstream.pipeline.source.SourceContext;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code bench arrivals}: each arrival process, replayed by a synthetic source for a long run in
 * virtual time, measured from the frames' capture times (mean rate, coefficient of variation of the
 * gaps) against what its spec configures; for an MMPP also each state's measured mean dwell time
 * against the configured one. Prints a table; asserts nothing.
 */
@Command(name = "arrivals", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
      "Each arrival process's measured rate and burstiness against the configured ones.",
      "Each arrival process (constant, Poisson, burst, gamma, MMPP, ramp, trace replay) run by a synthetic source in",
      "virtual time; measured mean rate and coefficient of variation of the gaps (MMPP: dwell times) against the",
      "configured ones, from the frames' capture times."
    })
public final class ArrivalsBench implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--duration", defaultValue = "1h", description = "virtual time per process, e.g. 10m, 1h (default: ${DEFAULT-VALUE})",
      converter = DurationConverter.class)
  Duration duration;

  @Option(names = "--seed", defaultValue = "1", description = "seed of every process (default: ${DEFAULT-VALUE})")
  long seed;

  @Option(names = "--spec", description = "measure this arrival spec instead of the built-in list (repeatable)")
  List<String> specs;

  /** What one process did over the run. */
  public record Measured(long arrivals, double meanRate, double cv) {}

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    Path trace = Files.createTempFile("splitstream-arrivals", ".csv");
    try {
      writeTrace(trace, new Gamma(40, 0.5, seed), 20_000);
      List<String> all = specs != null ? specs : List.of(
          "constant,rate=30",
          "poisson,rate=30",
          "burst,rate=30,factor=10,period=20s,duty=0.1",
          "gamma,rate=30,shape=0.25",
          "gamma,rate=30,shape=4",
          "mmpp,rates=10/100,dwell=20s/5s",
          "mmpp,rates=5/30/150,dwell=30s/20s/5s",
          "ramp,from=10,to=100,over=" + duration.toSeconds() + "s",
          "ramp,from=10,to=100,over=" + duration.toSeconds() + "s,arrivals=poisson",
          "trace,file=" + trace + ",values=times,unit=ms,end=loop");
      out.printf(Locale.ROOT, "Arrival processes over %s of virtual time each (seed %d), measured from frame capture times:%n",
          duration, seed);
      out.printf(Locale.ROOT, "%-44s %9s %9s %8s %8s %8s  %s%n", "process", "arrivals", "rate cfg", "rate", "CV cfg",
          "CV", "notes");
      for (String s : all) {
        ArrivalProcess p = ArrivalProcess.parse(s, seed);
        Measured m = measure(p, duration);
        double configuredRate = p instanceof Ramp r ? r.arrivalsBy(duration.toNanos() / 1e9) / (duration.toNanos() / 1e9)
            : p.meanRate();
        String notes = notes(p);
        out.printf(Locale.ROOT, "%-44s %9d %9.2f %8.2f %8s %8.3f  %s%n", label(s), m.arrivals(), configuredRate,
            m.meanRate(), p.configuredCv().isPresent() ? String.format(Locale.ROOT, "%.3f", p.configuredCv().getAsDouble())
                : "-", m.cv(), notes);
        out.flush();
      }
      out.println("rate cfg: the spec's long-run mean (ramp: its mean over the run; trace: the recording's own);"
          + " CV: standard deviation over mean of the gaps (- where the spec sets none)");
    } finally {
      Files.deleteIfExists(trace);
    }
    return 0;
  }

  private String notes(ArrivalProcess p) {
    if (p instanceof Mmpp mm) {
      Mmpp.Walk w = mm.gaps(mm::rate);
      double end = duration.toNanos() / 1e9;
      double t = 0;
      while (t < end) {
        t += w.nextNanos() / 1e9;
      }
      double[] dwell = w.meanDwellSeconds();
      StringBuilder b = new StringBuilder("dwell cfg/measured:");
      for (int i = 0; i < dwell.length; i++) {
        b.append(String.format(Locale.ROOT, " %.1f/%.2fs (%d)", mm.dwell().get(i).toNanos() / 1e9, dwell[i],
            w.sojourns()[i]));
      }
      return b.toString();
    }
    if (p instanceof Ramp r) {
      double d = duration.toNanos() / 1e9;
      return String.format(Locale.ROOT, "rate %.0f -> %.0f/s", r.rateAt(0), r.rateAt(d));
    }
    return "";
  }

  private static String label(String s) {
    String l = s.replaceAll("file=[^,]*", "file=(gamma-generated, 20000 rows)");
    return l.length() > 44 ? l.substring(0, 41) + "..." : l;
  }

  /** Runs a synthetic source with {@code p} for {@code duration} of virtual time and measures its frames. */
  public static Measured measure(ArrivalProcess p, Duration duration) {
    SimulatedTime clock = new SimulatedTime();
    TensorSpec input = new TensorSpec("x", ElementType.FLOAT32, List.of(1L, 4L));
    SyntheticSource source = new SyntheticSource(p, new SourceContext(input, "bench", clock, Optional.of(duration), 1, true));
    long[] n = {0};
    long[] last = {Long.MIN_VALUE};
    double[] sums = {0, 0};
    source.frames().subscribe(f -> {
      if (last[0] != Long.MIN_VALUE) {
        double g = f.captureNanos() - last[0];
        sums[0] += g;
        sums[1] += g * g;
      }
      last[0] = f.captureNanos();
      n[0]++;
    });
    clock.run();
    long gaps = n[0] - 1;
    double mean = gaps > 0 ? sums[0] / gaps : 0;
    double var = gaps > 0 ? sums[1] / gaps - mean * mean : 0;
    return new Measured(n[0], n[0] / (duration.toNanos() / 1e9), mean > 0 ? Math.sqrt(Math.max(0, var)) / mean : 0);
  }

  /** Writes {@code rows} arrival timestamps in milliseconds drawn from {@code p}, with a header. */
  static void writeTrace(Path file, ArrivalProcess p, int rows) {
    ArrivalProcess.Gaps g = p.gaps();
    List<String> lines = new ArrayList<>(rows + 1);
    lines.add("arrival_ms");
    long t = 0;
    for (int i = 0; i < rows; i++) {
      lines.add(String.format(Locale.ROOT, "%.6f", t / 1e6));
      t += g.nextNanos();
    }
    try {
      Files.write(file, lines);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Durations such as 10m or 1h, as the CLI takes them. */
  static final class DurationConverter implements picocli.CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      return io.splitstream.loadgen.Options.parse("--duration", "d=" + value, List.of("d")).duration("d").orElseThrow();
    }
  }
}
