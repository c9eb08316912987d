package io.splitstream.pipeline.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.splitstream.devices.SplitstreamException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import org.assertj.core.api.AbstractStringAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScenarioTest {
  private static final Set<String> SOC = Set.of("cpu", "gpu", "npu");

  static final String EXAMPLE_YAML = """
      name: gpu-contention
      description: another app takes 70% of the GPU, then gives it back   # optional
      duration: 60s
      events:
        - {at: 0s, processor: gpu, noise: 0.1}
        - {at: 10s, processor: gpu, share: 0.3}
        - {at: 25s, processor: npu, throttle: 0.6}
        - {at: 40s, processor: npu, online: false}
        - {at: 50s, processor: npu, online: true}
        - {at: 55s, rate: 120}
        - {at: 70s, processor: gpu, share: 1.0}
      """;

  static final String EXAMPLE_JSON = """
      {"name": "gpu-contention",
       "description": "another app takes 70% of the GPU, then gives it back",
       "duration": "60s",
       "events": [
         {"at": "0s", "processor": "gpu", "noise": 0.1},
         {"at": "10s", "processor": "gpu", "share": 0.3},
         {"at": "25s", "processor": "npu", "throttle": 0.6},
         {"at": "40s", "processor": "npu", "online": false},
         {"at": "50s", "processor": "npu", "online": true},
         {"at": "55s", "rate": 120},
         {"at": "70s", "processor": "gpu", "share": 1.0}]}
      """;

  @Test
  void parsesTheDocumentedShape() {
    Scenario s = yaml(EXAMPLE_YAML);
    assertThat(s.name()).isEqualTo("gpu-contention");
    assertThat(s.description()).contains("another app takes 70% of the GPU, then gives it back");
    assertThat(s.duration()).contains(Duration.ofSeconds(60));
    assertThat(s.defaults()).isEqualTo(ScenarioDefaults.NONE);
    assertThat(s.events()).hasSize(7);
    assertThat(s.events().get(1)).isEqualTo(new ScenarioEvent.ProcessorChange(1, Duration.ofSeconds(10), "gpu",
        OptionalDouble.of(0.3), OptionalDouble.empty(), Optional.empty(), OptionalDouble.empty()));
    assertThat(s.events().get(3)).isEqualTo(new ScenarioEvent.ProcessorChange(3, Duration.ofSeconds(40), "npu",
        OptionalDouble.empty(), OptionalDouble.empty(), Optional.of(false), OptionalDouble.empty()));
    assertThat(s.events().get(5)).isEqualTo(new ScenarioEvent.RateChange(5, Duration.ofSeconds(55), 120));
    assertThat(s.events()).extracting(ScenarioEvent::summary).containsExactly("gpu noise 0.10", "gpu share 0.30",
        "npu throttle 0.60", "npu offline", "npu online", "rate 120 frames/s", "gpu share 1.00");
    assertThat(s.processors()).containsExactly("gpu", "npu");
    assertThat(s.changesRate()).isTrue();
    assertThat(s.validate(SOC, true)).isSameAs(s);
    assertThat(s.warnings()).singleElement().asString().contains("events[6] (at 70s)", "duration 60s");
  }

  @Test
  void yamlAndJsonOfTheSameScenarioParseEqual() {
    Scenario fromYaml = Scenario.parse(EXAMPLE_YAML, Scenario.Syntax.YAML, "same", "x");
    Scenario fromJson = Scenario.parse(EXAMPLE_JSON, Scenario.Syntax.JSON, "same", "x");
    assertThat(fromJson).isEqualTo(fromYaml);
  }

  @Test
  void durationsTakeMillisecondsSecondsFractionsAndMinutes() {
    Scenario s = yaml("""
        events:
          - {at: 250ms, rate: 10}
          - {at: 1.5s, rate: 10}
          - {at: 2m, rate: 10}
        defaults: {model: blazeface, source: 'synthetic:constant,rate=100', soc: sd855-pixel4, duration: 3m}
        """);
    assertThat(s.events()).extracting(ScenarioEvent::at)
        .containsExactly(Duration.ofMillis(250), Duration.ofMillis(1500), Duration.ofMinutes(2));
    assertThat(s.name()).as("no name: the default name").isEqualTo("test");
    assertThat(s.defaults()).isEqualTo(new ScenarioDefaults(Optional.of("blazeface"),
        Optional.of("synthetic:constant,rate=100"), Optional.of("sd855-pixel4"), Optional.of(Duration.ofMinutes(3))));
    assertThat(s.runDuration()).contains(Duration.ofMinutes(3));
  }

  @Test
  void equalTimesAreAllowedAndKeepListOrder() {
    Scenario s = yaml("events: [{at: 5s, processor: gpu, share: 0.5}, {at: 5s, processor: npu, share: 0.5}]");
    assertThat(s.events()).extracting(e -> ((ScenarioEvent.ProcessorChange) e).processor()).containsExactly("gpu", "npu");
  }

  @Test
  void unknownTopLevelKeyListsTheKnownOnes() {
    fails("name: x\neventz: []\n").contains("scenario t.yaml", "unknown key 'eventz' at the top level",
        "known keys: name, description, duration, defaults, events");
  }

  @Test
  void unknownEventKeyNamesTheEventAndListsTheKnownOnes() {
    fails("events:\n  - {at: 1s, processor: gpu, share: 0.5}\n  - {at: 2s, processor: gpu, shares: 0.5}\n")
        .contains("events[1] (at 2s): unknown key 'shares'", "known keys: at, processor, share, throttle, online, noise, rate");
  }

  @Test
  void unknownDefaultsKeyListsTheKnownOnes() {
    fails("defaults: {modle: blazeface}\nevents: [{at: 1s, rate: 5}]\n")
        .contains("unknown key 'modle' in defaults", "known keys: model, source, soc, duration");
  }

  @Test
  void missingAtNamesTheEvent() {
    fails("events:\n  - {at: 1s, rate: 5}\n  - {processor: gpu, share: 0.5}\n").contains("events[1] (after the event at 1s) has no at", "e.g. at: 10s");
  }

  @Test
  void atWithoutUnitOrMalformedIsRefused() {
    fails("events: [{at: 10, rate: 5}]").contains("events[0].at 10 is not a duration", "ms, s, m, h");
    fails("events: [{at: ten seconds, rate: 5}]").contains("events[0].at \"ten seconds\" is not a duration");
    fails("events: [{at: -1s, rate: 5}]").contains("events[0].at \"-1s\" is not a duration");
  }

  @Test
  void eventsOutOfOrderNameTheEventItsAtAndThePrevious() {
    fails("events:\n  - {at: 10s, rate: 5}\n  - {at: 20s, rate: 6}\n  - {at: 15s, rate: 7}\n")
        .contains("events[2] (at 15s)", "before the event above it (at 20s)", "time order");
  }

  @Test
  void unknownProcessorIsRefusedByValidateListingThePlatformsOnes() {
    Scenario s = yaml("events:\n  - {at: 1s, processor: gpu, share: 0.5}\n  - {at: 3s, processor: dsp, share: 0.5}\n");
    assertThatThrownBy(() -> s.validate(SOC, false)).isInstanceOf(SplitstreamException.class)
        .message().doesNotContain("\n")
        .contains("scenario t.yaml", "events[1] (at 3s)", "processor 'dsp' is not on this platform", "cpu, gpu, npu");
  }

  @Test
  void rateEventWithoutRateControlNamesTheSourcesThatHaveIt() {
    Scenario s = yaml("events:\n  - {at: 1s, processor: gpu, share: 0.5}\n  - {at: 2s, rate: 50}\n");
    s.validate(SOC, true);
    assertThatThrownBy(() -> s.validate(SOC, false)).isInstanceOf(SplitstreamException.class)
        .message().doesNotContain("\n")
        .contains("events[1] (at 2s)", "rate needs a source whose rate can change", "synthetic", "constant, poisson or burst",
            "--source synthetic:constant,rate=100");
  }

  @Test
  void valuesOutOfRangeNameEventFieldAndRange() {
    fails("events: [{at: 5s, processor: gpu, share: 0}]").contains("events[0] (at 5s)", "share 0 is out of range (0, 1]");
    fails("events: [{at: 5s, processor: gpu, share: 1.2}]").contains("share 1.2 is out of range (0, 1]");
    fails("events: [{at: 5s, processor: npu, throttle: 1.5}]").contains("events[0] (at 5s)", "throttle 1.5 is out of range (0, 1]");
    fails("events: [{at: 5s, processor: gpu, noise: 0.6}]").contains("noise 0.6 is out of range [0, 0.5]");
    fails("events: [{at: 5s, processor: gpu, noise: -0.1}]").contains("noise -0.1 is out of range [0, 0.5]");
    fails("events: [{at: 5s, rate: 0}]").contains("events[0] (at 5s)", "rate 0 is out of range (0, ∞)");
    fails("events: [{at: 5s, rate: -3}]").contains("rate -3 is out of range");
  }

  @Test
  void valuesOfTheWrongTypeNameEventAndField() {
    fails("events: [{at: 5s, processor: gpu, share: '0.3'}]").contains("events[0] (at 5s)", "share is \"0.3\", not a number");
    fails("events: [{at: 5s, processor: gpu, online: 'off'}]").contains("events[0] (at 5s)", "online is \"off\", not true or false");
    fails("events: [{at: 5s, processor: 7, share: 0.3}]").contains("events[0].processor is 7, not text");
    fails("duration: 0s\nevents: [{at: 5s, rate: 5}]").contains("duration \"0s\" must be above zero");
    fails("events: {at: 5s, rate: 5}").contains("events must be a list");
    fails("events: [5s]").contains("events[0] is \"5s\", not a mapping");
  }

  @Test
  void anEventThatSetsNothingIsRefused() {
    fails("events: [{at: 5s}]").contains("events[0] (at 5s) sets nothing", "processor: ID", "rate: FPS");
    fails("events: [{at: 5s, processor: gpu}]").contains("events[0] (at 5s) on processor gpu sets nothing",
        "share, throttle, online or noise");
    fails("events: [{at: 5s, share: 0.4}]").contains("events[0] (at 5s): share needs a processor");
  }

  @Test
  void aProcessorEventThatAlsoSetsTheRateIsRefused() {
    fails("events: [{at: 5s, processor: gpu, share: 0.4, rate: 50}]")
        .contains("events[0] (at 5s): rate cannot go with processor gpu", "{at: 5s, rate: 50}");
  }

  @Test
  void malformedYamlIsOneLineWithLineAndColumn() {
    fails("name: x\nevents:\n  - {at: 5s, rate: 5\n  - {at: 6s}\n").contains("scenario t.yaml: not valid YAML at line", ", column ");
    fails("name: x\nname: y\nevents: [{at: 5s, rate: 5}]\n").contains("not valid YAML at line 2", "Duplicate field 'name'", "keep each key once");
  }

  @Test
  void malformedJsonIsOneLineWithLineAndColumn() {
    assertThatThrownBy(() -> Scenario.parse("{\"events\": [\n  {\"at\": \"5s\" \"rate\": 5}]}", Scenario.Syntax.JSON,
        "t.json", "t"))
        .isInstanceOf(SplitstreamException.class)
        .message().doesNotContain("\n").contains("scenario t.json: not valid JSON at line 2, column", "commas");
  }

  @Test
  void emptyOrMissingEventsAreRefused() {
    fails("name: x\nevents: []\n").contains("events is empty");
    fails("name: x\n").contains("has no events");
    fails("").contains("scenario t.yaml: is empty");
    fails("just words").contains("is not a mapping");
  }

  @Test
  void durationAndDefaultsDurationMustAgree() {
    fails("duration: 10s\ndefaults: {duration: 20s}\nevents: [{at: 1s, rate: 5}]")
        .contains("duration 10s and defaults.duration 20s disagree");
  }

  @Test
  void loadReadsFilesByExtensionAndTakesTheFileNameWhenUnnamed(@TempDir Path dir) throws IOException {
    Path yml = Files.writeString(dir.resolve("mine.yml"), "events: [{at: 1s, processor: gpu, share: 0.5}]");
    Path json = Files.writeString(dir.resolve("mine.json"), "{\"events\": [{\"at\": \"1s\", \"processor\": \"gpu\", \"share\": 0.5}]}");
    Scenario a = Scenario.load(yml.toString());
    Scenario b = Scenario.load(json.toString());
    assertThat(a.name()).isEqualTo("mine");
    assertThat(a.origin()).isEqualTo(yml.toString());
    assertThat(b.events()).isEqualTo(a.events());
    Path txt = Files.writeString(dir.resolve("mine.txt"), "events: []");
    assertThatThrownBy(() -> Scenario.load(txt.toString())).isInstanceOf(SplitstreamException.class)
        .hasMessageContaining("unknown file type; name it .yaml, .yml or .json");
  }

  @Test
  void aFileNamedLikeABuiltInIsReadByPathAndOnlyWithAScenarioExtension(@TempDir Path dir) throws IOException {
    Path stray = Files.writeString(dir.resolve("step"), "not a scenario");
    Path named = Files.writeString(dir.resolve("step.yaml"), "events: [{at: 2s, rate: 5}]");
    assertThat(Scenario.load("step").origin()).isEqualTo("built-in 'step'");
    assertThat(Scenario.load(named.toString()).origin()).isEqualTo(named.toString());
    assertThatThrownBy(() -> Scenario.load(stray.toString())).isInstanceOf(SplitstreamException.class)
        .hasMessageContaining("unknown file type");
  }

  @Test
  void loadOfNeitherFileNorBuiltInListsTheBuiltIns(@TempDir Path dir) {
    String missing = dir.resolve("nope.yaml").toString();
    assertThatThrownBy(() -> Scenario.load(missing)).isInstanceOf(SplitstreamException.class)
        .message().doesNotContain("\n")
        .contains("no such file and no built-in scenario of that name", "step, cpu-contention, contention, throttling");
  }

  private static Scenario yaml(String text) {
    return Scenario.parse(text, Scenario.Syntax.YAML, "t.yaml", "test");
  }

  /** The one-line message parsing {@code yaml} fails with. */
  private static AbstractStringAssert<?> fails(String yaml) {
    SplitstreamException e = catchThrowableOfType(() -> yaml(yaml), SplitstreamException.class);
    assertThat(e).as("parsing should have failed").isNotNull();
    return assertThat(e.getMessage()).doesNotContain("\n").startsWith("scenario t.yaml: ");
  }
}
