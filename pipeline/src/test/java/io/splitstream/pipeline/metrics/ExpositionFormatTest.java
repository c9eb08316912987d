package io.splitstream.pipeline.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;

class ExpositionFormatTest {

  @ParameterizedTest
  @NullAndEmptySource
  void noPreferenceGetsPrometheusText(String accept) {
    assertThat(ExpositionFormat.negotiate(accept)).isEqualTo(ExpositionFormat.PROMETHEUS_TEXT);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        // what Prometheus 2.42 sends
        "application/openmetrics-text;version=1.0.0,"
            + "application/openmetrics-text;version=0.0.1;q=0.75,"
            + "text/plain;version=0.0.4;q=0.5,*/*;q=0.1 | OPENMETRICS",
        "Application/OpenMetrics-Text; version=1.0.0 | OPENMETRICS",
        "text/plain;version=0.0.4 | PROMETHEUS_TEXT",
        "*/* | PROMETHEUS_TEXT",
        "application/openmetrics-text;q=0 | PROMETHEUS_TEXT",
        "text/plain;q=0.9, application/openmetrics-text;q=0.5 | PROMETHEUS_TEXT",
        "text/plain;q=0.5, application/openmetrics-text;q=0.9 | OPENMETRICS",
        "application/openmetrics-text;q=abc | PROMETHEUS_TEXT",
        "application/json | PROMETHEUS_TEXT"
      })
  void acceptHeaderPicksFormat(String accept, ExpositionFormat expected) {
    assertThat(ExpositionFormat.negotiate(accept)).isEqualTo(expected);
  }
}
