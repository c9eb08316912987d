package io.splitstream.pipeline.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** What docs/metrics.md says of the latency buckets: 60 bounds from 1 ms to 10 s, 9 % to 33 % apart. */
class LatencyBucketSpacingTest {
  private static final Pattern LE = Pattern.compile("le=\"([^\"]+)\"");

  @Test
  void frameLatencyBoundsAreNineToThirtyThreePercentApart() {
    List<Double> bounds = finiteBounds("splitstream_frame_latency_seconds_bucket{");
    assertThat(bounds).hasSize(60);
    assertThat(bounds.get(0)).isEqualTo(0.001);
    assertThat(bounds.get(59)).isEqualTo(10.0);
    // between the two added ends, each power of 4 ns is cut into steps of a third of it
    for (int i = 1; i + 2 < bounds.size(); i++) {
      double ratio = bounds.get(i + 1) / bounds.get(i);
      assertThat(ratio).as("bound %d to %d", i, i + 1).isBetween(12 / 11.0 - 1e-6, 4 / 3.0 + 1e-6);
    }
  }

  @Test
  void stageBoundsAreSeventySixFromOneHundredMicroseconds() {
    assertThat(finiteBounds("splitstream_stage_service_seconds_bucket{emulated=\"true\",kind=\"npu\"")).hasSize(76);
  }

  private static List<Double> finiteBounds(String prefix) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new SampleRun(registry);
    return registry.scrape().lines().filter(l -> l.startsWith(prefix)).map(l -> {
      Matcher m = LE.matcher(l);
      assertThat(m.find()).as(l).isTrue();
      return m.group(1);
    }).filter(v -> !v.equals("+Inf")).map(Double::parseDouble).toList();
  }
}
