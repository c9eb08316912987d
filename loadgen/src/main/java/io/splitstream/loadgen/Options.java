package io.splitstream.loadgen;

import io.splitstream.devices.SplitstreamException;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Locale;
import java.util.Set;

/**
 * The {@code key=value,key=value} options of a source argument, checked against the keys that the
 * caller accepts. Immutable; every malformed piece is reported as a one-line {@link
 * SplitstreamException} that quotes the whole argument, names the bad key or value and lists the
 * valid keys, so a user can fix a command line without reading the code.
 */
public final class Options {
  private final String what;
  private final String text;
  private final Set<String> valid;
  private final Map<String, String> values;

  private Options(String what, String text, Set<String> valid, Map<String, String> values) {
    this.what = what;
    this.text = text;
    this.valid = valid;
    this.values = values;
  }

  /**
   * Parses {@code text} (possibly empty) as comma-separated {@code key=value} pairs.
   *
   * @param what how the user calls this argument in messages, e.g. {@code "arrival spec"}
   * @param valid the accepted keys, in the order they are listed in messages
   * @throws SplitstreamException for a piece without '=', an unknown key or a repeated key
   */
  public static Options parse(String what, String text, List<String> valid) {
    Set<String> keys = Collections.unmodifiableSet(new LinkedHashSet<>(valid));
    Map<String, String> values = new LinkedHashMap<>();
    if (!text.isBlank()) {
      for (String piece : text.split(",", -1)) {
        String p = piece.trim();
        int eq = p.indexOf('=');
        if (eq <= 0) {
          throw new SplitstreamException(what + " '" + text + "': '" + p + "' is not key=value; valid keys: "
              + String.join(", ", keys));
        }
        String key = p.substring(0, eq).trim();
        if (!keys.contains(key)) {
          throw new SplitstreamException(what + " '" + text + "': unknown key '" + key + "'; valid keys: "
              + String.join(", ", keys));
        }
        if (values.putIfAbsent(key, p.substring(eq + 1).trim()) != null) {
          throw new SplitstreamException(what + " '" + text + "': key '" + key + "' is given twice");
        }
      }
    }
    return new Options(what, text, keys, Collections.unmodifiableMap(values));
  }

  public Optional<String> string(String key) {
    return Optional.ofNullable(values.get(checked(key)));
  }

  /** A required key's value; the message lists the valid keys when it is missing. */
  public String required(String key) {
    return string(key).orElseThrow(() -> missing(key));
  }

  /** The error for a required key that is absent, for {@code optional.orElseThrow(() -> o.missing(k))}. */
  public SplitstreamException missing(String key) {
    return new SplitstreamException(what + " '" + text + "': missing key '" + checked(key) + "'; valid keys: "
        + String.join(", ", valid));
  }

  /** A finite number strictly greater than zero. */
  public Optional<Double> positive(String key) {
    return string(key).map(v -> positiveValue(key, v));
  }

  /** {@code v}, one piece of key {@code key}'s value, as a finite number above zero. */
  public double positiveValue(String key, String v) {
    double d = number(key, v);
    if (!(d > 0) || Double.isInfinite(d)) {
      throw bad(key, v, "must be a number greater than 0");
    }
    return d;
  }

  /** Key {@code key}'s value split at {@code /} into trimmed pieces, e.g. {@code rates=20/200}. */
  public Optional<List<String>> pieces(String key) {
    return string(key).map(v -> java.util.Arrays.stream(v.split("/", -1)).map(String::trim).toList());
  }

  /** A number in the closed range [lo, hi]. */
  public Optional<Double> between(String key, double lo, double hi) {
    return string(key).map(v -> {
      double d = number(key, v);
      if (!(d >= lo && d <= hi)) {
        throw bad(key, v, "must be between " + lo + " and " + hi);
      }
      return d;
    });
  }

  public Optional<Long> longValue(String key) {
    return string(key).map(v -> {
      try {
        return Long.parseLong(v);
      } catch (NumberFormatException e) {
        throw bad(key, v, "must be a whole number");
      }
    });
  }

  /** A positive whole number. */
  public Optional<Integer> positiveInt(String key) {
    return string(key).map(v -> {
      try {
        int i = Integer.parseInt(v);
        if (i > 0) {
          return i;
        }
      } catch (NumberFormatException e) {
        // reported below with the same message as a non-positive value
      }
      throw bad(key, v, "must be a whole number greater than 0");
    });
  }

  /** A duration such as {@code 20s}, {@code 500ms}, {@code 2m}, {@code 1h} or a bare number of seconds; above zero. */
  public Optional<Duration> duration(String key) {
    return string(key).map(v -> durationValue(key, v));
  }

  /** {@code v}, one piece of key {@code key}'s value, as a positive duration. */
  public Duration durationValue(String key, String v) {
    Duration d = parseDuration(v);
    if (d == null || d.isZero() || d.isNegative()) {
      throw bad(key, v, "must be a positive duration like 20s, 500ms, 2m or 1h");
    }
    return d;
  }

  /** Builds the standard message for a value the caller found wrong after parsing it. */
  public SplitstreamException bad(String key, String value, String problem) {
    return new SplitstreamException(what + " '" + text + "': " + key + " '" + value + "' " + problem);
  }

  private double number(String key, String v) {
    try {
      return Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw bad(key, v, "is not a number");
    }
  }

  private String checked(String key) {
    if (!valid.contains(key)) {
      throw new IllegalArgumentException("key '" + key + "' was not declared valid for " + what);
    }
    return key;
  }

  private static Duration parseDuration(String v) {
    String s = v.trim().toLowerCase(Locale.ROOT);
    double factorNanos;
    String num;
    if (s.endsWith("ms")) {
      factorNanos = 1e6;
      num = s.substring(0, s.length() - 2);
    } else if (s.endsWith("s")) {
      factorNanos = 1e9;
      num = s.substring(0, s.length() - 1);
    } else if (s.endsWith("m")) {
      factorNanos = 60e9;
      num = s.substring(0, s.length() - 1);
    } else if (s.endsWith("h")) {
      factorNanos = 3600e9;
      num = s.substring(0, s.length() - 1);
    } else {
      factorNanos = 1e9;
      num = s;
    }
    try {
      double nanos = Double.parseDouble(num) * factorNanos;
      if (Double.isNaN(nanos) || Double.isInfinite(nanos) || nanos > Long.MAX_VALUE) {
        return null;
      }
      return Duration.ofNanos(Math.round(nanos));
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
