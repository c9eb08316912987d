package io.splitstream.pipeline.report;

import io.splitstream.pipeline.Pipeline;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/** How far a long run has got and when it will end, for progress lines. */
public final class Eta {
  /** A simulation's progress line comes this often, in wall time. */
  public static final Duration SIMULATED_EVERY = Duration.ofSeconds(2);

  private Eta() {}

  /** {@code "  ETA 12 s"} for a real-time run with a duration; empty without one. */
  public static String realTime(Pipeline p, Optional<Duration> duration) {
    if (duration.isEmpty()) {
      return "";
    }
    double left = Math.max(0, duration.get().toNanos() / 1e9 - p.progress().elapsedSeconds());
    return String.format(Locale.ROOT, "  ETA %.0f s", left);
  }

  /**
   * While a simulation runs on the calling thread, prints every {@link #SIMULATED_EVERY} of wall
   * time (from a timer thread) how much simulated time has passed, the speed-up over real time and
   * the wall time left, e.g. {@code [sim 812.4 s of 3600 s, 22.6%] 406x real time, ETA 6.9 s}. A
   * run shorter than that prints nothing. Dispose it when the simulation ends.
   */
  public static Disposable simulated(Pipeline p, Optional<Duration> duration, PrintWriter out, boolean enabled) {
    if (!enabled || duration.isEmpty()) {
      return () -> {};
    }
    double total = duration.get().toNanos() / 1e9;
    long wallStart = System.nanoTime();
    return Flux.interval(SIMULATED_EVERY, Schedulers.single()).subscribe(t -> {
      long start = p.startNanos();
      if (start == Long.MIN_VALUE) {
        return;
      }
      double sim = (p.clock().now(TimeUnit.NANOSECONDS) - start) / 1e9;
      double wall = (System.nanoTime() - wallStart) / 1e9;
      double speed = wall > 0 ? sim / wall : 0;
      out.println(line(sim, total, speed, p.ledger().completed()));
      out.flush();
    });
  }

  static String line(double simSeconds, double totalSeconds, double speed, long completed) {
    double left = speed > 0 ? Math.max(0, totalSeconds - simSeconds) / speed : Double.NaN;
    return String.format(Locale.ROOT, "[sim %.1f s of %.0f s, %.1f%%] %.0fx real time, completed %d, ETA %.1f s",
        simSeconds, totalSeconds, 100 * simSeconds / totalSeconds, speed, completed, left);
  }
}
