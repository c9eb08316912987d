package io.splitstream.pipeline.metrics;

import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import java.util.Locale;

/**
 * The two text formats {@link MetricsServer} serves, and how an Accept header picks one. Prometheus
 * asks for OpenMetrics first and falls back to text 0.0.4; a plain {@code curl} sends no preference
 * and gets text 0.0.4, which both Prometheus and people read.
 */
enum ExpositionFormat {
  PROMETHEUS_TEXT,
  OPENMETRICS;

  private static final String OPENMETRICS_TYPE = "application/openmetrics-text";

  /**
   * OpenMetrics when the header accepts {@code application/openmetrics-text} with a quality above 0
   * and at least as high as any range text 0.0.4 would satisfy; otherwise Prometheus text.
   */
  static ExpositionFormat negotiate(String accept) {
    if (accept == null || accept.isBlank()) {
      return PROMETHEUS_TEXT;
    }
    double openMetrics = 0;
    double text = 0;
    for (String range : accept.split(",")) {
      String[] parts = range.split(";");
      String type = parts[0].trim().toLowerCase(Locale.ROOT);
      double q = quality(parts);
      if (type.equals(OPENMETRICS_TYPE)) {
        openMetrics = Math.max(openMetrics, q);
      } else if (type.equals("text/plain") || type.equals("text/*") || type.equals("*/*")) {
        text = Math.max(text, q);
      }
    }
    return openMetrics > 0 && openMetrics >= text ? OPENMETRICS : PROMETHEUS_TEXT;
  }

  ExpositionFormatWriter writer(ExpositionFormats formats) {
    return this == OPENMETRICS
        ? formats.getOpenMetricsTextFormatWriter()
        : formats.getPrometheusTextFormatWriter();
  }

  private static double quality(String[] parts) {
    for (int i = 1; i < parts.length; i++) {
      String p = parts[i].trim();
      if (p.length() > 2 && (p.charAt(0) == 'q' || p.charAt(0) == 'Q') && p.charAt(1) == '=') {
        try {
          double q = Double.parseDouble(p.substring(2).trim());
          return q >= 0 && q <= 1 ? q : 0;
        } catch (NumberFormatException e) {
          return 0; // a malformed quality does not count as a preference
        }
      }
    }
    return 1;
  }
}
