package io.splitstream.pipeline.scenario;

import java.time.Duration;
import java.util.Locale;

/**
 * A scenario event as {@link ScenarioPlayer} applied it, for the report and the decision log.
 *
 * @param event the event
 * @param elapsed when it was applied, from the scenario's start on the pipeline clock (equal to the
 *     event's {@code at} in simulation; at or a little after it in real time)
 * @param outcome what changed, e.g. {@code gpu share 0.30}, or what could not be applied and why
 */
public record AppliedEvent(ScenarioEvent event, Duration elapsed, String outcome) {
  /** {@code t=10.000s gpu share 0.30}. */
  @Override
  public String toString() {
    return String.format(Locale.ROOT, "t=%.3fs %s", elapsed.toNanos() / 1e9, outcome);
  }
}
