package io.splitstream.pipeline.scenario;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** How a scenario writes durations and numbers, both ways. */
final class ScenarioText {
  private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)");

  private ScenarioText() {}

  /** {@code 250ms}, {@code 10s}, {@code 1.5s}, {@code 2m}, {@code 1h}; empty when the text is none of these. */
  static Optional<Duration> parseDuration(String text) {
    Matcher m = DURATION.matcher(text.strip().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      return Optional.empty();
    }
    BigDecimal nanosPerUnit = BigDecimal.valueOf(switch (m.group(2)) {
      case "ms" -> 1_000_000L;
      case "s" -> 1_000_000_000L;
      case "m" -> 60_000_000_000L;
      default -> 3_600_000_000_000L;
    });
    BigDecimal nanos = new BigDecimal(m.group(1)).multiply(nanosPerUnit);
    if (nanos.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
      return Optional.empty();
    }
    return Optional.of(Duration.ofNanos(nanos.longValue()));
  }

  /** Seconds, as short as exact: {@code 10s}, {@code 1.5s}, {@code 0.25s}. */
  static String format(Duration d) {
    return BigDecimal.valueOf(d.toNanos(), 9).stripTrailingZeros().toPlainString() + "s";
  }

  /** A whole number without a fraction, any other number as Java writes it. */
  static String number(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
  }

  /** The first line of a parser's message, trimmed. */
  static String firstLine(String message) {
    if (message == null) {
      return "no detail";
    }
    String s = message.strip();
    int nl = s.indexOf('\n');
    s = nl < 0 ? s : s.substring(0, nl).strip();
    // the parser's own location and feature names help no user: the caller gives line and column
    s = s.replaceAll("\\s*\\[Source: [^\\]]*\\]", "").replaceAll("\\s*\\(`[A-Za-z_.]+` (enabled|disabled)\\)", "");
    return s.strip();
  }
}
