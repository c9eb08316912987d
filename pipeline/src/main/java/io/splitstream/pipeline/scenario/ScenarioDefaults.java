package io.splitstream.pipeline.scenario;

import java.time.Duration;
import java.util.Optional;

/**
 * What a scenario suggests for the options a user did not give: the model, the source, the SoC
 * profile and the run's duration (its {@code defaults:} block). The CLI applies each only when the
 * matching option is absent; an option given on the command line always wins.
 *
 * @param model a catalogue name or model file, as {@code --model} takes it
 * @param source a source spec, as {@code --source} takes it
 * @param soc an SoC profile id, as {@code --soc} takes it
 * @param duration the run's duration, as {@code --duration} takes it
 */
public record ScenarioDefaults(Optional<String> model, Optional<String> source, Optional<String> soc,
    Optional<Duration> duration) {
  /** No defaults. */
  public static final ScenarioDefaults NONE =
      new ScenarioDefaults(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
}
