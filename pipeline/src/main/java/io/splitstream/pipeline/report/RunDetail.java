package io.splitstream.pipeline.report;

import java.util.List;

/**
 * The report's detail beyond the totals: per stream, and over time.
 *
 * @param streams one entry per stream, in stream-id order
 * @param series throughput, p99 latency and shed frames per time bucket, with the plan switches
 * @param latencyCdf the end-to-end latency distribution of completed frames: pairs of (latency ms,
 *     fraction of frames at or below it), increasing, for a CDF plot
 */
public record RunDetail(List<StreamReport> streams, Series series, List<double[]> latencyCdf) {
  public RunDetail {
    streams = List.copyOf(streams);
    latencyCdf = List.copyOf(latencyCdf);
  }

  public static RunDetail empty() {
    return new RunDetail(List.of(), new Series(0, List.of(), List.of(), List.of(), List.of()), List.of());
  }

  /**
   * One stream over the run.
   *
   * @param orderKept true when its completed frames left in sequence order
   */
  public record StreamReport(String stream, long offered, long completed, long shed, long failed,
      double throughputFps, double p50Ms, double p90Ms, double p99Ms, double maxMs, boolean orderKept) {}

  /**
   * Figures per time bucket of {@code bucketSeconds}, bucket {@code i} covering {@code [i*b, (i+1)*b)}
   * seconds from the start, by settlement time.
   *
   * @param switchesAtSeconds when a new plan took effect
   */
  public record Series(double bucketSeconds, List<Double> completedFps, List<Double> p99Ms, List<Long> shed,
      List<Double> switchesAtSeconds) {
    public Series {
      completedFps = List.copyOf(completedFps);
      p99Ms = List.copyOf(p99Ms);
      shed = List.copyOf(shed);
      switchesAtSeconds = List.copyOf(switchesAtSeconds);
    }
  }
}
