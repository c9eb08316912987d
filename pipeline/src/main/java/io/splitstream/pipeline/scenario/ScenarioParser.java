package io.splitstream.pipeline.scenario;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.splitstream.devices.SplitstreamException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/** Reads one scenario text into a {@link Scenario}, refusing anything it cannot use with a one-line message. */
final class ScenarioParser {
  static final List<String> TOP_KEYS = List.of("name", "description", "duration", "defaults", "events");
  static final List<String> DEFAULTS_KEYS = List.of("model", "source", "soc", "duration");
  static final List<String> EVENT_KEYS = List.of("at", "processor", "share", "throttle", "online", "noise", "rate");

  // A duplicate key is refused rather than the last one silently winning.
  private static final ObjectMapper JSON = JsonMapper.builder()
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .build();
  private static final ObjectMapper YAML = YAMLMapper.builder()
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
      .build();

  private final String origin;

  ScenarioParser(String origin) {
    this.origin = origin;
  }

  Scenario parse(String text, Scenario.Syntax syntax, String defaultName) {
    JsonNode root = tree(text, syntax);
    if (root == null || root.isMissingNode() || root.isNull()) {
      throw fail("is empty; write at least events: [{at: 10s, processor: gpu, share: 0.3}]");
    }
    if (!root.isObject()) {
      throw fail("is not a mapping of keys (" + String.join(", ", TOP_KEYS)
          + "); start with name: and events:");
    }
    refuseUnknownKeys(root, TOP_KEYS, "at the top level");
    String name = text(root, "name", "").orElse(defaultName);
    Optional<String> description = text(root, "description", "");
    Optional<Duration> duration = duration(root, "duration", "", false);
    ScenarioDefaults defaults = defaults(root.get("defaults"));
    if (duration.isPresent() && defaults.duration().isPresent() && !duration.equals(defaults.duration())) {
      throw fail("duration " + ScenarioText.format(duration.get()) + " and defaults.duration "
          + ScenarioText.format(defaults.duration().get()) + " disagree; keep one of them");
    }
    return new Scenario(origin, name, description, duration, defaults, events(root.get("events")));
  }

  private JsonNode tree(String text, Scenario.Syntax syntax) {
    try {
      return (syntax == Scenario.Syntax.JSON ? JSON : YAML).readTree(text);
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      String detail = ScenarioText.firstLine(e.getOriginalMessage());
      String where = at == null || at.getLineNr() < 1 ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
      throw new SplitstreamException("scenario " + origin + ": not valid " + syntax + where + " ("
          + detail + "); "
          + (detail.startsWith("Duplicate field") ? "keep each key once"
              : syntax == Scenario.Syntax.JSON ? "check brackets, commas and quotes there"
              : "check indentation and punctuation there, e.g. - {at: 10s, processor: gpu, share: 0.3}"), e);
    }
  }

  private ScenarioDefaults defaults(JsonNode node) {
    if (node == null) {
      return ScenarioDefaults.NONE;
    }
    if (!node.isObject()) {
      throw fail("defaults must be a mapping, e.g. defaults: {model: blazeface, soc: sd855-pixel4}");
    }
    refuseUnknownKeys(node, DEFAULTS_KEYS, "in defaults");
    return new ScenarioDefaults(text(node, "model", "defaults."), text(node, "source", "defaults."),
        text(node, "soc", "defaults."), duration(node, "duration", "defaults.", false));
  }

  private List<ScenarioEvent> events(JsonNode node) {
    if (node == null) {
      throw fail("has no events; add events: [{at: 10s, processor: gpu, share: 0.3}]");
    }
    if (!node.isArray()) {
      throw fail("events must be a list, e.g. events: [{at: 10s, processor: gpu, share: 0.3}]");
    }
    if (node.isEmpty()) {
      throw fail("events is empty; add at least one, e.g. {at: 10s, processor: gpu, share: 0.3}");
    }
    List<ScenarioEvent> events = new ArrayList<>();
    Duration previous = Duration.ZERO;
    for (int i = 0; i < node.size(); i++) {
      JsonNode e = node.get(i);
      if (!e.isObject()) {
        throw fail("events[" + i + "] is " + e + ", not a mapping; write it as {at: 10s, processor: gpu, share: 0.3}");
      }
      ScenarioEvent event = event(i, e, previous);
      if (event.at().compareTo(previous) < 0) {
        throw fail(label(event) + ": at " + ScenarioText.format(event.at()) + " is before the event above it (at "
            + ScenarioText.format(previous) + "); list events in time order");
      }
      previous = event.at();
      events.add(event);
    }
    return events;
  }

  private ScenarioEvent event(int index, JsonNode e, Duration previous) {
    String plain = "events[" + index + "]";
    Optional<Duration> given = duration(e, "at", plain + ".", true);
    String label = plain + given.map(at -> " (at " + ScenarioText.format(at) + ")")
        .orElse(index == 0 ? "" : " (after the event at " + ScenarioText.format(previous) + ")");
    refuseUnknownKeys(e, EVENT_KEYS, label + ":");
    Duration at = given.orElseThrow(() -> fail(label + " has no at; say when it applies, e.g. at: 10s"));
    boolean setsProcessor = e.has("share") || e.has("throttle") || e.has("online") || e.has("noise");
    if (!e.has("processor")) {
      if (setsProcessor) {
        String field = firstPresent(e, "share", "throttle", "online", "noise");
        throw fail(label + ": " + field + " needs a processor; add processor: ID, e.g. processor: gpu");
      }
      if (!e.has("rate")) {
        throw fail(label + " sets nothing; give processor: ID with share, throttle, online or noise, or give rate: FPS");
      }
      return new ScenarioEvent.RateChange(index, at, number(e, "rate", label, 0, false, Double.POSITIVE_INFINITY,
          "frames per second of the synthetic source, e.g. rate: 120").getAsDouble());
    }
    String processor = text(e, "processor", plain + ".").filter(s -> !s.isBlank())
        .orElseThrow(() -> fail(label + ": processor is blank; name one, e.g. processor: gpu"));
    if (e.has("rate")) {
      throw fail(label + ": rate cannot go with processor " + processor
          + " (the rate is the source's); move rate to an event of its own, e.g. {at: "
          + ScenarioText.format(at) + ", rate: " + e.get("rate") + "}");
    }
    if (!setsProcessor) {
      throw fail(label + " on processor " + processor + " sets nothing; give share, throttle, online or noise");
    }
    return new ScenarioEvent.ProcessorChange(index, at, processor,
        number(e, "share", label, 0, false, 1, "the fraction other apps leave, e.g. share: 0.3"),
        number(e, "throttle", label, 0, false, 1, "the fraction of full clock, e.g. throttle: 0.6"),
        bool(e, "online", label),
        number(e, "noise", label, 0, true, 0.5, "the fraction service times vary either way, e.g. noise: 0.1"));
  }

  private static String firstPresent(JsonNode e, String... fields) {
    for (String f : fields) {
      if (e.has(f)) {
        return f;
      }
    }
    throw new IllegalStateException("none of the fields is present");
  }

  private void refuseUnknownKeys(JsonNode node, List<String> known, String where) {
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      String key = it.next().getKey();
      if (!known.contains(key)) {
        throw fail(where.endsWith(":") ? where + " unknown key '" + key + "'; known keys: " + String.join(", ", known)
            : "unknown key '" + key + "' " + where + "; known keys: " + String.join(", ", known));
      }
    }
  }

  private Optional<String> text(JsonNode parent, String field, String path) {
    JsonNode v = parent.get(field);
    if (v == null) {
      return Optional.empty();
    }
    if (!v.isTextual()) {
      throw fail(path + field + " is " + v + ", not text; write it as " + field + ": WORD");
    }
    return Optional.of(v.textValue());
  }

  private Optional<Duration> duration(JsonNode parent, String field, String path, boolean zeroAllowed) {
    JsonNode v = parent.get(field);
    if (v == null) {
      return Optional.empty();
    }
    String where = path + field + " " + v;
    Optional<Duration> d = v.isTextual() ? ScenarioText.parseDuration(v.textValue()) : Optional.empty();
    if (d.isEmpty()) {
      throw fail(where + " is not a duration; write a number and a unit (ms, s, m, h), e.g. " + field + ": 10s");
    }
    if (!zeroAllowed && d.get().isZero()) {
      throw fail(where + " must be above zero, e.g. " + field + ": 60s");
    }
    return d;
  }

  private OptionalDouble number(JsonNode parent, String field, String label, double low, boolean lowIncluded,
      double high, String meaning) {
    JsonNode v = parent.get(field);
    if (v == null) {
      return OptionalDouble.empty();
    }
    String range = (lowIncluded ? "[" : "(") + ScenarioText.number(low) + ", "
        + (Double.isInfinite(high) ? "∞)" : ScenarioText.number(high) + "]");
    if (!v.isNumber()) {
      throw fail(label + ": " + field + " is " + v + ", not a number in " + range + "; give " + meaning);
    }
    double x = v.doubleValue();
    boolean aboveLow = lowIncluded ? x >= low : x > low;
    if (!aboveLow || x > high || Double.isInfinite(x)) {
      throw fail(label + ": " + field + " " + v + " is out of range " + range + "; give " + meaning);
    }
    return OptionalDouble.of(x);
  }

  private Optional<Boolean> bool(JsonNode parent, String field, String label) {
    JsonNode v = parent.get(field);
    if (v == null) {
      return Optional.empty();
    }
    if (!v.isBoolean()) {
      throw fail(label + ": " + field + " is " + v + ", not true or false; write online: false to take it away");
    }
    return Optional.of(v.booleanValue());
  }

  private static String label(ScenarioEvent e) {
    return "events[" + e.index() + "] (at " + ScenarioText.format(e.at()) + ")";
  }

  private SplitstreamException fail(String problem) {
    return new SplitstreamException("scenario " + origin + ": " + problem);
  }
}
