package io.splitstream.pipeline.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The bucket bounds Prometheus sees; SimpleMeterRegistry keeps no percentile histograms, so these
 * run against the production registry.
 */
class HistogramBucketsTest {
  private static final Pattern LE = Pattern.compile("le=\"([^\"]+)\"");

  @Test
  void frameLatencyBucketsAreTheChosenTwentyOneFromHalfAMillisecondToFiveSeconds() {
    List<String> bounds = bounds("splitstream_frame_latency_seconds_bucket{");

    assertThat(bounds).hasSize(22);
    assertThat(Double.parseDouble(bounds.get(0))).isEqualTo(5e-4);
    // common latency budgets are bounds, so the share within budget needs no interpolation
    assertThat(bounds).contains("0.005", "0.01", "0.02", "0.05", "0.1", "0.2", "0.5");
    assertThat(bounds.get(bounds.size() - 2)).isEqualTo("5.0");
    assertThat(bounds.get(bounds.size() - 1)).isEqualTo("+Inf");
  }

  @Test
  void stageBucketsAreTheChosenNineteenFromOneHundredMicrosecondsToTwoSeconds() {
    for (String family : List.of("service", "queue")) {
      List<String> bounds =
          bounds("splitstream_stage_" + family + "_seconds_bucket{emulated=\"true\",kind=\"npu\"");

      assertThat(bounds).as(family).hasSize(20);
      assertThat(Double.parseDouble(bounds.get(0))).isEqualTo(1e-4);
      assertThat(bounds.get(bounds.size() - 2)).isEqualTo("2.0");
    }
  }

  @Test
  void bucketCountsAreCumulative() {
    // SampleRun records latencies of 9..15 ms: nothing at or below 5 ms, all of them by 20 ms.
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new SampleRun(registry);
    double atFiveMs = -1;
    double atTwentyMs = -1;
    for (String line : registry.scrape().split("\n")) {
      if (line.startsWith("splitstream_frame_latency_seconds_bucket{")) {
        Matcher m = LE.matcher(line);
        assertThat(m.find()).isTrue();
        double le =
            m.group(1).equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(m.group(1));
        double count = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        if (le <= 0.005) {
          atFiveMs = Math.max(atFiveMs, count);
        } else if (le >= 0.020 && atTwentyMs < 0) {
          atTwentyMs = count;
        }
      }
    }
    assertThat(atFiveMs).isZero();
    assertThat(atTwentyMs).isEqualTo(7);
  }

  private static List<String> bounds(String seriesPrefix) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new SampleRun(registry);
    return registry
        .scrape()
        .lines()
        .filter(l -> l.startsWith(seriesPrefix))
        .map(
            l -> {
              Matcher m = LE.matcher(l);
              assertThat(m.find()).as(l).isTrue();
              return m.group(1);
            })
        .toList();
  }
}
