package io.splitstream.pipeline.cli;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.onnx.InputShapes;
import io.splitstream.devices.platform.HostThreads;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Parsers for option values; each failure is one line naming the value and the expected form. */
final class Converters {
  private Converters() {}

  private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)");

  /** {@code 500ms}, {@code 20s}, {@code 1.5s}, {@code 10m}, {@code 1h}. */
  static Duration parseDuration(String text) {
    Matcher m = DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new TypeConversionException("'" + text + "' is not a duration: write a number and a unit, e.g. 500ms, 20s, 10m, 1h");
    }
    double v = Double.parseDouble(m.group(1));
    double nanos = switch (m.group(2)) {
      case "ms" -> v * 1e6;
      case "s" -> v * 1e9;
      case "m" -> v * 60e9;
      default -> v * 3600e9;
    };
    if (nanos < MIN_DURATION.toNanos()) {
      throw new TypeConversionException("duration '" + text + "' is shorter than 1 µs (0.001ms): give a longer one,"
          + " e.g. 0.5ms, 20s");
    }
    if (nanos > MAX_DURATION.toNanos()) {
      throw new TypeConversionException("duration '" + text + "' is longer than 365 days: give a shorter one, e.g. 1h");
    }
    return Duration.ofNanos(Math.round(nanos));
  }

  /** The shortest duration any option takes: below it the pipeline clock rounds to nothing. */
  static final Duration MIN_DURATION = Duration.ofNanos(1000);
  static final Duration MAX_DURATION = Duration.ofDays(365);

  static final class DurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      return parseDuration(value);
    }
  }

  /** How long to stream: at least 1 ms, or the run would end before its first frame. */
  static final class RunDurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      Duration d = parseDuration(value);
      if (d.compareTo(Duration.ofMillis(1)) < 0) {
        throw new TypeConversionException("'" + value + "' is shorter than 1 ms, too short for any frame to run:"
            + " give e.g. 1s or 20s");
      }
      return d;
    }
  }

  /** A whole number in {@code [min, max]}; outside it, {@code "'VALUE' " + why}. */
  private abstract static class IntIn implements ITypeConverter<Integer> {
    private final int min;
    private final int max;
    private final String why;

    IntIn(int min, int max, String why) {
      this.min = min;
      this.max = max;
      this.why = why;
    }

    @Override
    public Integer convert(String value) {
      int v = wholeNumber(value);
      if (v < min || v > max) {
        throw new TypeConversionException("'" + value + "' " + why);
      }
      return v;
    }
  }

  /** A whole number of at least 1 (frames, blocks, runs, rounds). */
  static final class PositiveInt extends IntIn {
    PositiveInt() {
      super(1, Integer.MAX_VALUE, "is not positive: give a whole number of at least 1");
    }
  }

  /** Threads per real processor: 1 up to the host's cores ({@link HostThreads}). */
  static final class Threads implements ITypeConverter<Integer> {
    @Override
    public Integer convert(String value) {
      int v = wholeNumber(value);
      try {
        return HostThreads.check(v, "'" + value + "'");
      } catch (SplitstreamException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /** A TCP port for {@code /metrics}: 1..65535, 0 for a free one, -1 for none. */
  static final class MetricsPort extends IntIn {
    MetricsPort() {
      super(-1, 65535, "is not a port: give 1 to 65535, 0 for a free one, or -1 for none");
    }
  }

  /** A positive finite number (a channel multiplier). */
  static final class PositiveDouble implements ITypeConverter<Double> {
    @Override
    public Double convert(String value) {
      double v;
      try {
        v = Double.parseDouble(value.trim());
      } catch (NumberFormatException e) {
        v = Double.NaN;
      }
      if (!(v > 0) || Double.isInfinite(v)) {
        throw new TypeConversionException("'" + value + "' is not a positive number: give e.g. 0.5 or 1.0");
      }
      return v;
    }
  }

  private static int wholeNumber(String value) {
    try {
      return Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      throw new TypeConversionException("'" + value + "' is not a whole number");
    }
  }

  static final class ShapesConverter implements ITypeConverter<InputShapes> {
    @Override
    public InputShapes convert(String value) {
      try {
        return InputShapes.parse(value);
      } catch (RuntimeException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }
}
