package io.splitstream.pipeline.mlperf;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.model.TensorSpec;
import io.splitstream.devices.tensor.Tensor;
import io.splitstream.devices.tensor.TensorMap;
import io.splitstream.operators.time.SimulatedTime;
import io.splitstream.pipeline.ingest.Ingest;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Runs LoadGen-style tests on systems under test that {@code open} makes fresh for each run: one
 * test ({@link #once}), or Server's peak search ({@link #findPeak}). After each run the system is
 * told no more frames come and its end-of-run audit is taken.
 */
public final class LoadTest {
  /** Longest a real-time test may take before it is called stuck. */
  private static final Duration REAL_TIME_LIMIT = Duration.ofHours(6);

  /** One test's result and its system's end-of-run audit. */
  public record Run(MlperfResult result, String audit, boolean auditPassed) {}

  /** Server's peak search: each QPS tried, and the highest that passed. */
  public record Peak(double qps, Run atPeak, List<String> tries) {}

  private LoadTest() {}

  /** The tensors every sample carries: zeros of the system's input (the timing does not depend on values). */
  public static TensorMap sample(TensorSpec input) {
    return TensorMap.of(input.name(), Tensor.zeros(input.type(), input.shapeArray()));
  }

  public static Run once(Supplier<? extends Ingest> open, TestSettings settings) {
    try (Ingest sut = open.get()) {
      return once(sut, settings);
    }
  }

  /** One test on {@code sut}, which the caller closes; it is completed here. */
  public static Run once(Ingest sut, TestSettings settings) {
    TensorMap sample = sample(sut.input());
    double expected = sut.expectedRate() > 0 ? sut.expectedRate() : 1.0; // LoadGen's offline_expected_qps default
    AtomicReference<MlperfResult> result = new AtomicReference<>();
    AtomicReference<Throwable> error = new AtomicReference<>();
    if (sut.clock() instanceof SimulatedTime sim) {
      LoadGenerator.run(sut, settings, sample, expected).subscribe(r -> {
        result.set(r);
        sut.complete();
      }, error::set);
      sim.run();
    } else {
      try {
        result.set(LoadGenerator.run(sut, settings, sample, expected).block(REAL_TIME_LIMIT));
      } catch (RuntimeException e) {
        error.set(e);
      }
      sut.complete();
    }
    if (error.get() != null) {
      throw error.get() instanceof RuntimeException re ? re : new IllegalStateException(error.get());
    }
    if (result.get() == null) {
      throw new IllegalStateException("the test ended before its last query completed");
    }
    return new Run(result.get(), sut.audit(), sut.auditPassed());
  }

  /**
   * LoadGen's FindPeakPerformance for Server: the given QPS must pass; the upper bound doubles
   * until a run fails; then bisection, each midpoint a full run, until the bounds are within
   * {@code precision} QPS. Every try is printed to {@code out} as it ends.
   */
  public static Peak findPeak(Supplier<? extends Ingest> open, TestSettings settings, double precision, PrintWriter out) {
    if (settings.scenario() != MlperfScenario.SERVER) {
      throw new SplitstreamException("--find-peak applies to --scenario server only: drop it or use server");
    }
    List<String> tries = new ArrayList<>();
    double lo = settings.targetQps();
    Run loRun = attempt(open, settings, lo, tries, out);
    if (!loRun.result().valid()) {
      throw new SplitstreamException(String.format(Locale.ROOT,
          "--target-qps %.1f does not pass, so it cannot be the search's lower bound: give a lower --target-qps", lo));
    }
    double hi = lo * 2;
    Run hiRun = attempt(open, settings, hi, tries, out);
    while (hiRun.result().valid()) {
      lo = hi;
      loRun = hiRun;
      hi *= 2;
      hiRun = attempt(open, settings, hi, tries, out);
    }
    while (hi - lo > precision) {
      double mid = (lo + hi) / 2;
      Run r = attempt(open, settings, mid, tries, out);
      if (r.result().valid()) {
        lo = mid;
        loRun = r;
      } else {
        hi = mid;
      }
    }
    return new Peak(lo, loRun, tries);
  }

  private static Run attempt(Supplier<? extends Ingest> open, TestSettings settings, double qps, List<String> tries,
      PrintWriter out) {
    Run r = once(open, settings.withTargetQps(qps));
    String line = String.format(Locale.ROOT, "  try %.2f QPS: %s, p99 %s, %s", qps, r.result().valid() ? "VALID" : "INVALID",
        MlperfResult.ms(r.result().metricNanos()), r.result().valid() ? "passes" : String.join("; ", r.result().reasons()));
    tries.add(line);
    out.println(line);
    out.flush();
    return r;
  }
}
