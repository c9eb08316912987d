package io.splitstream.pipeline.mlperf;

import io.splitstream.devices.SplitstreamException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A test's verdict and figures, judged as LoadGen judges them (mlcommons/inference
 * loadgen/results.cc): the scenario's metric; VALID only when the minimum duration, the minimum
 * query count, early stopping and (Server) the latency constraint are all met, else INVALID with
 * each reason and what to change. Percentiles are LoadGen's: {@code sorted[floor(n * p)]}.
 */
public final class MlperfResult {
  private final TestSettings settings;
  private final String sut;
  private final List<QueryRecord> queries;
  private final long[] sampleLatencies;
  private final long[] queryLatencies;
  private final long failedSamples;
  private final long finalIssuedNanos;
  private final long maxCompletedNanos;
  private final EarlyStopping early;
  private final boolean minDurationMet;
  private final boolean minQueriesMet;
  private final boolean earlyStoppingMet;
  private final boolean perfMet;
  private final List<String> reasons = new ArrayList<>();
  private final String earlyStoppingText;
  private final long earlyStoppingEstimate;

  public MlperfResult(TestSettings settings, String sut, List<QueryRecord> queries) {
    this.settings = settings;
    this.sut = sut;
    this.queries = List.copyOf(queries);
    this.sampleLatencies = this.queries.stream().flatMapToLong(q -> Arrays.stream(q.sampleLatenciesNanos()))
        .sorted().toArray();
    this.queryLatencies = this.queries.stream().mapToLong(QueryRecord::latencyNanos).sorted().toArray();
    this.failedSamples = this.queries.stream().mapToLong(QueryRecord::failed).sum();
    this.finalIssuedNanos = this.queries.stream().mapToLong(QueryRecord::issuedNanos).max().orElse(0);
    this.maxCompletedNanos = this.queries.stream().mapToLong(QueryRecord::completedNanos).max().orElse(0);
    MlperfScenario sc = settings.scenario();
    this.early = new EarlyStopping(sc.percentile(), TestSettings.CONFIDENCE);
    long minNanos = settings.minDuration().toNanos();
    minDurationMet = sc == MlperfScenario.OFFLINE ? maxCompletedNanos >= minNanos : finalIssuedNanos >= minNanos;
    long counted = sc == MlperfScenario.OFFLINE ? sampleCount() : queryCount();
    minQueriesMet = counted >= settings.minQueryCount();
    long target = settings.targetLatency().toNanos();
    perfMet = sc != MlperfScenario.SERVER || metricNanos() <= target;
    long n = queryCount();
    switch (sc) {
      case SINGLE_STREAM, MULTI_STREAM -> {
        long[] basis = sc == MlperfScenario.SINGLE_STREAM ? sampleLatencies : queryLatencies;
        long t = early.discardRank(n);
        earlyStoppingMet = t >= 0;
        earlyStoppingEstimate = earlyStoppingMet ? early.estimate(basis) : -1;
        earlyStoppingText = earlyStoppingMet
            ? String.format(Locale.ROOT, "processed at least %d queries (%d); would discard %d highest latency queries;"
                + " early stopping %.0fth percentile estimate: %s", early.minQueries(), n, t - 1, 100 * sc.percentile(),
                ms(earlyStoppingEstimate))
            : "only processed " + n + " queries; need at least " + early.minQueries() + " for early stopping";
      }
      case SERVER -> {
        long over = Arrays.stream(sampleLatencies).filter(l -> l > target).count();
        long h = early.minPassing(over);
        earlyStoppingMet = n >= h + over;
        earlyStoppingEstimate = -1;
        earlyStoppingText = earlyStoppingMet
            ? "run successful (" + over + " of " + n + " queries over " + ms(target) + ")"
            : "run unsuccessful: processed " + n + " queries, " + over + " over " + ms(target)
                + "; would need at least " + (h + over - n)
                + " more, with the run successful if every additional query were under latency";
      }
      default -> {
        earlyStoppingMet = true;
        earlyStoppingEstimate = -1;
        earlyStoppingText = "";
      }
    }
    if (!perfMet) {
      reasons.add(String.format(Locale.ROOT, "p99 latency %s is over the target %s: reduce --target-qps",
          ms(metricNanos()), ms(target)));
    }
    if (!minDurationMet) {
      reasons.add("the run lasted " + ms(sc == MlperfScenario.OFFLINE ? maxCompletedNanos : finalIssuedNanos)
          + ", under the minimum " + TestSettings.human(settings.minDuration()) + ": "
          + switch (sc) {
            case SERVER -> "issue more queries (a higher --target-qps or --min-queries)";
            case OFFLINE -> "raise --expected-qps so the query holds more samples";
            default -> "the run must go on longer (it stops once both minimums are met)";
          });
    }
    if (!minQueriesMet) {
      reasons.add("only " + counted + (sc == MlperfScenario.OFFLINE ? " samples" : " queries") + ", under the minimum "
          + settings.minQueryCount() + ": the test stopped early (--max-queries?)");
    }
    if (!earlyStoppingMet) {
      reasons.add("early stopping not satisfied: " + earlyStoppingText);
    }
    if (failedSamples > 0) {
      reasons.add(failedSamples + " samples did not complete (shed, failed or rejected)");
    }
  }

  public boolean valid() {
    return reasons.isEmpty();
  }

  public List<String> reasons() {
    return List.copyOf(reasons);
  }

  public TestSettings settings() {
    return settings;
  }

  public List<QueryRecord> queries() {
    return queries;
  }

  public long queryCount() {
    return queries.size();
  }

  public long sampleCount() {
    return sampleLatencies.length;
  }

  /** LoadGen's percentile of a sorted array: {@code sorted[floor(n * p)]}. */
  public static long percentile(long[] sorted, double p) {
    if (sorted.length == 0) {
      return 0;
    }
    int i = (int) Math.min(sorted.length - 1, (long) Math.floor(sorted.length * p));
    return sorted[i];
  }

  /** The latency the scenario reports: p90 of samples (SingleStream), p99 of queries (MultiStream), p99 of samples (Server). */
  public long metricNanos() {
    return switch (settings.scenario()) {
      case MULTI_STREAM -> percentile(queryLatencies, 0.99);
      case SERVER -> percentile(sampleLatencies, 0.99);
      default -> percentile(sampleLatencies, 0.90);
    };
  }

  /** Samples per second: Offline's metric (all samples over the longest latency); Server's completed rate. */
  public double samplesPerSecond() {
    if (settings.scenario() == MlperfScenario.OFFLINE) {
      return maxCompletedNanos > 0 ? sampleCount() / (maxCompletedNanos / 1e9) : 0;
    }
    return maxCompletedNanos > 0 && sampleCount() > 1 ? (sampleCount() - 1) / (maxCompletedNanos / 1e9) : 0;
  }

  public long earlyStoppingEstimateNanos() {
    return earlyStoppingEstimate;
  }

  /** A summary in LoadGen's shape. */
  public String render() {
    StringBuilder b = new StringBuilder();
    MlperfScenario sc = settings.scenario();
    b.append("================================================\n");
    b.append("MLPerf-style results summary (splitstream loadgen; rules of MLPerf LoadGen)\n");
    b.append("================================================\n");
    b.append("SUT      : ").append(sut).append('\n');
    b.append("Scenario : ").append(sc.label()).append('\n');
    b.append("Mode     : PerformanceOnly\n");
    switch (sc) {
      case SINGLE_STREAM -> b.append("90th percentile latency : ").append(ms(metricNanos())).append('\n');
      case MULTI_STREAM -> b.append("99th percentile latency (per query of ").append(settings.samplesPerQuery())
          .append(" samples) : ").append(ms(metricNanos())).append('\n');
      case SERVER -> b.append(String.format(Locale.ROOT, "Target QPS : %.1f%nCompleted samples per second : %.2f%n"
          + "99th percentile latency : %s (target %s)%n", settings.targetQps(), samplesPerSecond(), ms(metricNanos()),
          ms(settings.targetLatency().toNanos())));
      case OFFLINE -> b.append(String.format(Locale.ROOT, "Samples per second : %.2f%n", samplesPerSecond()));
    }
    b.append("Result is : ").append(valid() ? "VALID" : "INVALID").append('\n');
    if (sc == MlperfScenario.SERVER) {
      b.append("  Performance constraints satisfied : ").append(perfMet ? "Yes" : "NO").append('\n');
    }
    b.append("  Min duration satisfied : ").append(minDurationMet ? "Yes" : "NO").append('\n');
    b.append("  Min queries satisfied : ").append(minQueriesMet ? "Yes" : "NO").append('\n');
    b.append("  Early stopping satisfied : ").append(earlyStoppingMet ? "Yes" : "NO").append('\n');
    if (!valid()) {
      b.append("Reasons:\n");
      reasons.forEach(r -> b.append(" * ").append(r).append('\n'));
    }
    if (!earlyStoppingText.isEmpty()) {
      b.append("Early stopping result:\n * ").append(earlyStoppingText).append('\n');
    }
    b.append("------------------------------------------------\n");
    b.append(String.format(Locale.ROOT, "queries %d, samples %d, not completed %d, last issued at %s, last done at %s%n",
        queryCount(), sampleCount(), failedSamples, ms(finalIssuedNanos), ms(maxCompletedNanos)));
    long[] basis = sc == MlperfScenario.MULTI_STREAM ? queryLatencies : sampleLatencies;
    String what = sc == MlperfScenario.MULTI_STREAM ? "query" : "sample";
    if (basis.length > 0) {
      b.append(String.format(Locale.ROOT, "%s latency: min %s, mean %s, max %s%n", what, ms(basis[0]),
          ms((long) Arrays.stream(basis).average().orElse(0)), ms(basis[basis.length - 1])));
      b.append(String.format(Locale.ROOT, "  p50 %s, p90 %s, p95 %s, p97 %s, p99 %s, p99.9 %s%n",
          ms(percentile(basis, 0.50)), ms(percentile(basis, 0.90)), ms(percentile(basis, 0.95)),
          ms(percentile(basis, 0.97)), ms(percentile(basis, 0.99)), ms(percentile(basis, 0.999))));
    }
    b.append("settings: ").append(settings.describe()).append('\n');
    return b.toString();
  }

  /**
   * Writes one line per query: {@code query,samples,issued_ns,completed_ns,latency_ns,not_completed},
   * times from the test's start, so anyone can recompute the percentiles.
   */
  public void writeTrace(Path p) {
    StringBuilder b = new StringBuilder("query,samples,issued_ns,completed_ns,latency_ns,sample_latencies_ns,not_completed\n");
    for (QueryRecord q : queries) {
      b.append(q.id()).append(',').append(q.samples()).append(',').append(q.issuedNanos()).append(',')
          .append(q.completedNanos()).append(',').append(q.latencyNanos()).append(',');
      long[] s = q.sampleLatenciesNanos();
      for (int i = 0; i < s.length; i++) {
        if (i > 0) {
          b.append(' ');
        }
        b.append(s[i]);
      }
      b.append(',').append(q.failed()).append('\n');
    }
    try {
      Path parent = p.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      Files.writeString(p, b.toString());
    } catch (IOException e) {
      throw new SplitstreamException("cannot write the trace to " + p + ": " + e.getMessage()
          + "; choose a writable path for --trace-out", e);
    }
  }

  static String ms(long nanos) {
    return String.format(Locale.ROOT, "%.3f ms", nanos / 1e6);
  }
}
