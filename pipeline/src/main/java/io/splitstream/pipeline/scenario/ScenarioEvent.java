package io.splitstream.pipeline.scenario;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * One change on a scenario's timeline: at {@link #at()} after the scenario starts, either a
 * processor's availability or noise changes ({@link ProcessorChange}) or a synthetic source's
 * arrival rate does ({@link RateChange}). Values are checked by the parser, which names the file
 * and the event; the records hold only what passed.
 */
public sealed interface ScenarioEvent {
  /** The event's position in the scenario's {@code events} list, from 0. */
  int index();

  /** When it applies, from the scenario's start, on the pipeline clock. */
  Duration at();

  /** What it changes, for people: {@code gpu share 0.30}, {@code npu offline}, {@code rate 600 frames/s}. */
  String summary();

  /**
   * Sets any of a processor's share of it left by other apps, its thermal throttle (fraction of full
   * clock), whether it is online, and the noise on its service times (emulated processors); at least
   * one is present.
   *
   * @param share in (0, 1]
   * @param throttle in (0, 1]
   * @param noise in [0, 0.5]: service times vary by up to this fraction either way
   */
  record ProcessorChange(int index, Duration at, String processor, OptionalDouble share, OptionalDouble throttle,
      Optional<Boolean> online, OptionalDouble noise) implements ScenarioEvent {
    public ProcessorChange {
      Objects.requireNonNull(at, "at");
      Objects.requireNonNull(processor, "processor");
      if (share.isEmpty() && throttle.isEmpty() && online.isEmpty() && noise.isEmpty()) {
        throw new IllegalArgumentException("event " + index + " on " + processor + " sets nothing");
      }
    }

    @Override
    public String summary() {
      List<String> parts = new ArrayList<>();
      share.ifPresent(v -> parts.add(String.format(Locale.ROOT, "share %.2f", v)));
      throttle.ifPresent(v -> parts.add(String.format(Locale.ROOT, "throttle %.2f", v)));
      online.ifPresent(v -> parts.add(v ? "online" : "offline"));
      noise.ifPresent(v -> parts.add(String.format(Locale.ROOT, "noise %.2f", v)));
      return processor + " " + String.join(", ", parts);
    }
  }

  /** Sets the arrival rate of the run's synthetic source. */
  record RateChange(int index, Duration at, double framesPerSecond) implements ScenarioEvent {
    public RateChange {
      Objects.requireNonNull(at, "at");
      if (!(framesPerSecond > 0) || Double.isInfinite(framesPerSecond)) {
        throw new IllegalArgumentException("rate must be finite and above 0, got " + framesPerSecond);
      }
    }

    @Override
    public String summary() {
      return String.format(Locale.ROOT, "rate %s frames/s", ScenarioText.number(framesPerSecond));
    }
  }
}
