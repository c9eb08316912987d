package io.splitstream.pipeline.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.splitstream.devices.SplitstreamException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BuiltInScenariosTest {
  private static final Set<String> SOC = Set.of("cpu", "gpu", "npu");

  @Test
  void theIndexListsEveryBuiltIn() {
    assertThat(Scenario.builtInNames()).containsExactly("step", "cpu-contention", "contention", "throttling", "processor-loss",
        "load-step", "bursts", "small-model", "stable");
  }

  @Test
  void everyBuiltInLoadsByNameAndValidatesOnAnSocWithRateControl() {
    for (String name : Scenario.builtInNames()) {
      Scenario s = Scenario.load(name);
      assertThat(s.name()).isEqualTo(name);
      assertThat(s.origin()).isEqualTo("built-in '" + name + "'");
      assertThat(s.description()).as(name + " cites the study").get().asString().contains("Liu et al., AdaAIoTSys'24").doesNotContain("\n");
      assertThat(s.runDuration()).as(name).isPresent();
      assertThat(s.warnings()).as(name + ": every event falls within its duration").isEmpty();
      s.validate(SOC, true);
    }
  }

  @Test
  void onlyTheLoadScenariosNeedRateControlAndTheySuggestASyntheticSource() {
    for (String name : Scenario.builtInNames()) {
      Scenario s = Scenario.builtIn(name);
      boolean load = name.equals("load-step") || name.equals("bursts");
      assertThat(s.changesRate()).as(name).isEqualTo(load);
      if (load) {
        assertThat(s.defaults().source()).get().asString().startsWith("synthetic:");
        assertThatThrownBy(() -> s.validate(SOC, false)).isInstanceOf(SplitstreamException.class);
      } else {
        s.validate(SOC, false);
      }
    }
  }

  @Test
  void stepIsTheGpuLosingSeventyPercentAtTenSecondsOfThirty() {
    Scenario s = Scenario.builtIn("step");
    assertThat(s.duration()).contains(Duration.ofSeconds(30));
    assertThat(s.events()).containsExactly(new ScenarioEvent.ProcessorChange(0, Duration.ofSeconds(10), "gpu",
        OptionalDouble.of(0.3), OptionalDouble.empty(), Optional.empty(), OptionalDouble.empty()));
  }

  @Test
  void contentionAndProcessorLossGiveBackWhatTheyTake() {
    assertThat(Scenario.builtIn("contention").events()).extracting(e -> e.at().toSeconds() + " " + e.summary())
        .containsExactly("10 gpu share 0.30", "40 gpu share 1.00");
    assertThat(Scenario.builtIn("processor-loss").events()).extracting(e -> e.at().toSeconds() + " " + e.summary())
        .containsExactly("10 npu offline", "30 npu online");
  }

  @Test
  void throttlingStepsTheNpuDownToFortyPercentAndBack() {
    List<String> npu = Scenario.builtIn("throttling").events().stream()
        .filter(e -> e.summary().startsWith("npu")).map(ScenarioEvent::summary).toList();
    assertThat(npu).containsExactly("npu throttle 0.60", "npu throttle 0.40", "npu throttle 0.60", "npu throttle 1.00");
    assertThat(Scenario.builtIn("throttling").processors()).containsExactly("gpu", "npu");
  }

  @Test
  void loadStepAndBurstsChangeTheRateAsDescribed() {
    assertThat(Scenario.builtIn("load-step").events()).extracting(e -> e.at().toSeconds() + " " + e.summary())
        .containsExactly("0 rate 100 frames/s", "10 rate 900 frames/s", "30 rate 100 frames/s");
    List<ScenarioEvent> bursts = Scenario.builtIn("bursts").events();
    assertThat(bursts).hasSize(12);
    for (ScenarioEvent e : bursts) {
      double expected = e.at().toSeconds() / 5 % 2 == 0 ? 100 : 900;
      assertThat(((ScenarioEvent.RateChange) e).framesPerSecond()).as("at " + e.at()).isEqualTo(expected);
      assertThat(e.at().toSeconds() % 5).isZero();
    }
  }

  @Test
  void stableIsTenMinutesOfNoiseOnEveryProcessorAndNothingElse() {
    Scenario s = Scenario.builtIn("stable");
    assertThat(s.duration()).contains(Duration.ofMinutes(10));
    assertThat(s.processors()).containsExactly("cpu", "gpu", "npu");
    assertThat(s.events()).allSatisfy(e -> assertThat(e.summary()).endsWith("noise 0.10"));
  }

  @Test
  void smallModelSuggestsASmallModelAndAnSoc() {
    ScenarioDefaults d = Scenario.builtIn("small-model").defaults();
    assertThat(d.model()).contains("blazeface");
    assertThat(d.soc()).contains("sd855-pixel4");
  }

  @Test
  void anUnknownBuiltInListsTheNames() {
    assertThatThrownBy(() -> Scenario.builtIn("nope")).isInstanceOf(SplitstreamException.class)
        .hasMessageContaining("no built-in scenario 'nope'").hasMessageContaining("step, cpu-contention, contention");
  }
}
