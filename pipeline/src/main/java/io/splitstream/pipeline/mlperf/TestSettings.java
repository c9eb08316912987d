package io.splitstream.pipeline.mlperf;

import io.splitstream.devices.SplitstreamException;
import java.time.Duration;
import java.util.Locale;
import java.util.OptionalDouble;

/**
 * What a LoadGen-style test is told. The defaults are LoadGen's for a submission
 * (mlcommons/inference loadgen/mlperf.conf): 600 s minimum duration for every scenario, at least
 * 662 queries for MultiStream, 24 576 samples for Offline (its ResNet-50 count); SingleStream and
 * Server take {@code test_settings.h}'s 100 queries, their early-stopping bound decides the rest.
 * Every one can be shortened for trying out; a shortened run says so and is still judged by the
 * rules it was given.
 *
 * @param samplesPerQuery 1, except MultiStream (8) and Offline (the whole sample count)
 * @param targetLatency Server: the p99 bound; SingleStream/MultiStream: reported against only
 * @param targetQps Server: the Poisson arrival rate
 * @param expectedQps Offline: how many samples per second the system is expected to take; the
 *     query holds enough of them (10 % over) to last the minimum duration, as LoadGen sizes it
 * @param maxQueries stop issuing after this many queries (0: no cap)
 */
public record TestSettings(MlperfScenario scenario, Duration minDuration, long minQueryCount, int samplesPerQuery,
    Duration targetLatency, double targetQps, OptionalDouble expectedQps, long maxQueries, long seed) {

  public static final Duration LOADGEN_MIN_DURATION = Duration.ofMinutes(10);
  public static final double CONFIDENCE = 0.99;

  public TestSettings {
    if (minDuration.isNegative()) {
      throw new SplitstreamException("--min-duration " + minDuration + " is negative: give 0 or more, e.g. 10s");
    }
    if (minQueryCount < 1) {
      throw new SplitstreamException("--min-queries " + minQueryCount + " is not positive: give at least 1");
    }
    if (samplesPerQuery < 1) {
      throw new SplitstreamException("--samples-per-query " + samplesPerQuery + " is not positive: give at least 1");
    }
    if (targetLatency.isNegative() || targetLatency.isZero()) {
      throw new SplitstreamException("--target-latency " + targetLatency + " is not positive: give one, e.g. 10ms");
    }
    if (!(targetQps > 0) || Double.isInfinite(targetQps)) {
      throw new SplitstreamException(String.format(Locale.ROOT,
          "--target-qps %s is not a positive number: give one, e.g. --target-qps 100", targetQps));
    }
    if (maxQueries < 0) {
      throw new SplitstreamException("--max-queries " + maxQueries + " is negative: give 0 (no cap) or more");
    }
  }

  /** LoadGen's defaults for {@code scenario}; {@code targetLatency} and {@code targetQps} as given. */
  public static TestSettings defaults(MlperfScenario scenario, Duration targetLatency, double targetQps) {
    long minQueries = switch (scenario) {
      case SINGLE_STREAM, SERVER -> 100;
      case MULTI_STREAM -> 662;
      case OFFLINE -> 24_576;
    };
    int perQuery = scenario == MlperfScenario.MULTI_STREAM ? 8 : 1;
    return new TestSettings(scenario, LOADGEN_MIN_DURATION, minQueries, perQuery, targetLatency, targetQps,
        OptionalDouble.empty(), 0, 1);
  }

  public TestSettings withTargetQps(double qps) {
    return new TestSettings(scenario, minDuration, minQueryCount, samplesPerQuery, targetLatency, qps, expectedQps,
        maxQueries, seed);
  }

  /** Offline: the samples of its one query, for a system expected to take {@code fallbackQps}. */
  public long offlineSamples(double fallbackQps) {
    double qps = expectedQps.orElse(fallbackQps);
    long forDuration = (long) Math.ceil(1.1 * minDuration.toNanos() / 1e9 * Math.max(0, qps));
    return Math.max(minQueryCount, forDuration);
  }

  /** One line: the settings in force. */
  public String describe() {
    return String.format(Locale.ROOT, "min duration %s, min queries %d, %d sample(s)/query%s%s",
        human(minDuration), minQueryCount, samplesPerQuery,
        scenario == MlperfScenario.SERVER ? String.format(Locale.ROOT, ", target %.1f QPS, target latency %s",
            targetQps, human(targetLatency)) : "",
        maxQueries > 0 ? ", at most " + maxQueries + " queries" : "");
  }

  static String human(Duration d) {
    long ms = d.toMillis();
    return ms % 1000 == 0 ? ms / 1000 + " s" : ms + " ms";
  }
}
