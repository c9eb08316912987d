package io.splitstream.pipeline.mlperf;

/**
 * One query as it went: when it was issued (for Server: scheduled) and when its last sample
 * completed, on the test's clock, relative to the test's start; its latency is the difference (a
 * MultiStream query's slowest sample). {@code failed} counts samples that did not complete
 * (shed, failed or rejected); a query with any is over every bound.
 *
 * @param sampleLatenciesNanos each sample's latency, issue to completion (Server and SingleStream
 *     percentiles are over samples)
 */
public record QueryRecord(long id, int samples, long issuedNanos, long completedNanos, int failed,
    long[] sampleLatenciesNanos) {
  public long latencyNanos() {
    return completedNanos - issuedNanos;
  }
}
