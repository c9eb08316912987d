package io.splitstream.pipeline.mlperf;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.commons.math3.special.Beta;

/**
 * LoadGen's early-stopping bound (mlcommons/inference loadgen/early_stopping.cc, results.cc): with
 * {@code t} queries over the latency bound, how many under it ({@code h}) are needed to say, at the
 * given confidence, that the true percentile {@code p} lies under the bound. The chance of seeing
 * {@code t} or fewer over-bound queries in {@code h + t} when a fraction {@code p} fall under it is
 * the binomial CDF, the regularized incomplete beta {@code I_p(h, t + 1)}; the bound is the least
 * {@code h} for which it drops below {@code 1 - confidence}. Tolerance 0, as LoadGen uses.
 *
 * <p>For {@code t = 1} at 99 % confidence this gives 63 for p90 and 661 for p99: LoadGen's floors
 * of 64 and 662 queries ({@code h + 1}).
 */
public final class EarlyStopping {
  private final double percentile;
  private final double confidence;
  private final Map<Long, Long> cache = new ConcurrentHashMap<>();

  public EarlyStopping(double percentile, double confidence) {
    if (!(percentile > 0 && percentile < 1) || !(confidence > 0 && confidence < 1)) {
      throw new IllegalArgumentException("percentile and confidence must lie in (0, 1)");
    }
    this.percentile = percentile;
    this.confidence = confidence;
  }

  /** The chance of {@code t} or fewer over-bound queries among {@code h + t} when the percentile holds. */
  double odds(long h, long t) {
    return Beta.regularizedBeta(percentile, h, t + 1.0, 1e-14, 100_000);
  }

  /** The least {@code h} with {@code odds(h, t) < 1 - confidence}. */
  public long minPassing(long t) {
    if (t < 0) {
      throw new IllegalArgumentException("t must be 0 or more");
    }
    return cache.computeIfAbsent(t, this::search);
  }

  private long search(long t) {
    double limit = 1 - confidence;
    long hi = Math.max(1, (long) Math.ceil(Math.log(limit) / Math.log(percentile)));
    while (odds(hi, t) >= limit) {
      hi *= 2;
    }
    long lo = 1;
    while (lo < hi) {
      long mid = lo + (hi - lo) / 2;
      if (odds(mid, t) < limit) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return lo;
  }

  /** The fewest queries for any early-stopping estimate: {@code minPassing(1) + 1}. */
  public long minQueries() {
    return minPassing(1) + 1;
  }

  /**
   * How many of the highest latencies the estimate sits below ({@code t}): LoadGen rises from
   * {@code i = 2} to the first {@code i} with {@code n < minPassing(i) + i} and takes {@code t = i - 1}.
   * {@code minPassing(i) + i} grows with {@code i}, so the first such {@code i} is found by bisection,
   * with the same answer. {@code -1} when {@code n < minQueries()}.
   */
  public long discardRank(long n) {
    if (n < minQueries()) {
      return -1;
    }
    if (n < minPassing(2) + 2) {
      return 1;
    }
    long lo = 2; // passes: n >= minPassing(lo) + lo
    long hi = n; // fails: minPassing(n) >= 1, so n < minPassing(n) + n
    while (hi - lo > 1) {
      long mid = lo + (hi - lo) / 2;
      if (n < minPassing(mid) + mid) {
        hi = mid;
      } else {
        lo = mid;
      }
    }
    return hi - 1;
  }

  /**
   * The early-stopping percentile estimate from {@code sorted} latencies (ascending): the
   * {@code t}-th highest, {@code sorted[n - t]}; {@code -1} when there are too few.
   */
  public long estimate(long[] sorted) {
    long t = discardRank(sorted.length);
    return t < 0 ? -1 : sorted[(int) (sorted.length - t)];
  }
}
