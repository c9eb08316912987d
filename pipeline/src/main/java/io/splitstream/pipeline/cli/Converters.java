package io.splitstream.pipeline.cli;

import io.splitstream.devices.onnx.InputShapes;
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
    if (nanos <= 0) {
      throw new TypeConversionException("duration '" + text + "' must be positive");
    }
    return Duration.ofNanos(Math.round(nanos));
  }

  static final class DurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      return parseDuration(value);
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
