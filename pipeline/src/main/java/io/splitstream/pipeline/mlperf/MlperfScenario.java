package io.splitstream.pipeline.mlperf;

import io.splitstream.devices.SplitstreamException;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * MLPerf Inference LoadGen's four scenarios, as LoadGen's {@code test_settings.h} describes them
 * (mlcommons/inference, loadgen/test_settings.h; see docs/mlperf.md).
 */
public enum MlperfScenario {
  /** One sample a query; the next query is issued when the previous completes. Metric: p90 latency. */
  SINGLE_STREAM("single-stream", "SingleStream", 0.90),
  /** Several samples (8) a query, back to back; a query's latency is its slowest sample's. Metric: p99. */
  MULTI_STREAM("multi-stream", "MultiStream", 0.99),
  /** Poisson arrivals at a target QPS, one sample each; valid when p99 stays within the target latency. */
  SERVER("server", "Server", 0.99),
  /** Every sample in one query at once. Metric: samples per second. */
  OFFLINE("offline", "Offline", 0.90);

  private final String cliName;
  private final String label;
  private final double percentile;

  MlperfScenario(String cliName, String label, double percentile) {
    this.cliName = cliName;
    this.label = label;
    this.percentile = percentile;
  }

  public String cliName() {
    return cliName;
  }

  /** LoadGen's name, as its summary prints it. */
  public String label() {
    return label;
  }

  /** The latency percentile the scenario reports (LoadGen's mlperf.conf target_latency_percentile). */
  public double percentile() {
    return percentile;
  }

  public static MlperfScenario parse(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    for (MlperfScenario s : values()) {
      if (s.cliName.equals(t) || s.label.toLowerCase(Locale.ROOT).equals(t)) {
        return s;
      }
    }
    throw new SplitstreamException("--scenario '" + text + "' is not an MLPerf scenario: give one of "
        + Arrays.stream(values()).map(MlperfScenario::cliName).collect(Collectors.joining(", ")));
  }
}
