package io.splitstream.pipeline.scenario;

import io.splitstream.devices.SplitstreamException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A timeline of changes to apply to a run: processors losing share to other apps, throttling,
 * going offline and back, noise on their service times, and the arrival rate of a synthetic
 * source. {@link ScenarioPlayer} applies it on the pipeline clock.
 *
 * <p>Written in YAML or JSON, the same shape either way:
 * <pre>{@code
 * name: gpu-contention
 * description: another app takes 70% of the GPU, then gives it back   # optional
 * duration: 60s                                                       # optional
 * defaults: {model: blazeface, source: 'synthetic:constant,rate=100', soc: sd855-pixel4, duration: 60s}  # optional
 * events:
 *   - {at: 0s, processor: gpu, noise: 0.1}       # service times vary by up to 10% either way
 *   - {at: 10s, processor: gpu, share: 0.3}      # share left by other apps, (0, 1]
 *   - {at: 25s, processor: npu, throttle: 0.6}   # fraction of full clock, (0, 1]
 *   - {at: 40s, processor: npu, online: false}
 *   - {at: 55s, rate: 120}                       # synthetic source, frames per second, above 0
 * }</pre>
 * Durations are a number and a unit: {@code 250ms}, {@code 10s}, {@code 1.5s}, {@code 2m},
 * {@code 1h}. Events are listed in time order (equal times apply in list order); a processor event
 * sets at least one of share, throttle, online, noise and no rate; a rate event sets only the rate.
 * Unknown keys, duplicate keys and values out of range are refused.
 *
 * <p>Errors: every problem is a one-line {@link SplitstreamException} naming the scenario (its file,
 * or the built-in name), the event ({@code events[2] (at 25s)}) and the field, and saying how to fix
 * it. Parsing checks the text alone; {@link #validate} then checks it against the run's platform
 * and source.
 *
 * @param origin where it came from, for messages: a file path or {@code built-in 'step'}
 * @param name its name (the file name without extension when the file gives none)
 * @param description one line for people, if given
 * @param duration how long the scenario wants to run, if given
 * @param defaults options the CLI uses when the user gives none
 * @param events the timeline, in time order, never empty
 */
public record Scenario(String origin, String name, Optional<String> description, Optional<Duration> duration,
    ScenarioDefaults defaults, List<ScenarioEvent> events) {

  /** The two ways to write a scenario. */
  public enum Syntax {
    YAML,
    JSON
  }

  private static final String BUILT_IN_DIR = "scenarios/";

  public Scenario {
    Objects.requireNonNull(origin, "origin");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(defaults, "defaults");
    events = List.copyOf(events);
    if (events.isEmpty()) {
      throw new IllegalArgumentException("a scenario needs at least one event");
    }
    for (int i = 1; i < events.size(); i++) {
      if (events.get(i).at().compareTo(events.get(i - 1).at()) < 0) {
        throw new IllegalArgumentException("events must be in time order: " + events);
      }
    }
  }

  /**
   * The scenario {@code fileOrName} names: an existing {@code .yaml}, {@code .yml} or {@code .json}
   * file, else a built-in scenario of that name (a built-in name wins over a file of that name
   * without one of those extensions).
   *
   * @throws SplitstreamException when it is neither (listing the built-in names), when the file has
   *     another extension or cannot be read, or for anything {@link #parse} refuses
   */
  public static Scenario load(String fileOrName) {
    Path file = Path.of(fileOrName);
    boolean isFile = Files.isRegularFile(file);
    if (isFile && syntaxOf(file).isPresent()) {
      return read(file);
    }
    if (builtInNames().contains(fileOrName)) {
      return builtIn(fileOrName);
    }
    if (isFile) {
      return read(file);
    }
    throw new SplitstreamException("scenario '" + fileOrName + "': no such file and no built-in scenario of that name;"
        + " give a .yaml, .yml or .json file, or one of " + String.join(", ", builtInNames()));
  }

  /**
   * Reads a scenario file, YAML ({@code .yaml}, {@code .yml}) or JSON ({@code .json}) by its extension.
   *
   * @throws SplitstreamException for another extension, a file that cannot be read, or anything
   *     {@link #parse} refuses
   */
  public static Scenario read(Path file) {
    String fileName = file.getFileName().toString();
    Syntax syntax = syntaxOf(file).orElseThrow(() ->
        new SplitstreamException("scenario " + file + ": unknown file type; name it .yaml, .yml or .json"));
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new SplitstreamException("scenario " + file + ": cannot be read (" + ScenarioText.firstLine(e.toString())
          + "); check the path and its permissions", e);
    }
    return parse(text, syntax, file.toString(), fileName.substring(0, fileName.lastIndexOf('.')));
  }

  /**
   * Parses a scenario text. {@code origin} names it in messages; a scenario without {@code name}
   * takes {@code defaultName}.
   *
   * @throws SplitstreamException one line for malformed text (with line and column), an unknown or
   *     duplicate key, a missing {@code at}, events out of time order, a value out of range or of the
   *     wrong type, an event that sets nothing, a processor event that also sets the rate, or no events
   */
  public static Scenario parse(String text, Syntax syntax, String origin, String defaultName) {
    return new ScenarioParser(origin).parse(text, syntax, defaultName);
  }

  /** The names of the scenarios shipped with Splitstream, in the order of their index. */
  public static List<String> builtInNames() {
    try (InputStream in = resource(BUILT_IN_DIR + "index.txt")) {
      List<String> names = new ArrayList<>();
      BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        String s = line.strip();
        if (!s.isEmpty() && !s.startsWith("#")) {
          names.add(s);
        }
      }
      return List.copyOf(names);
    } catch (IOException e) {
      throw new IllegalStateException("scenarios/index.txt cannot be read: the build is broken", e);
    }
  }

  /**
   * The built-in scenario {@code name}.
   *
   * @throws SplitstreamException for an unknown name, listing the built-in ones
   */
  public static Scenario builtIn(String name) {
    if (!builtInNames().contains(name)) {
      throw new SplitstreamException("no built-in scenario '" + name + "'; use one of "
          + String.join(", ", builtInNames()) + ", or give a .yaml, .yml or .json file");
    }
    try (InputStream in = resource(BUILT_IN_DIR + name + ".yaml")) {
      return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), Syntax.YAML, "built-in '" + name + "'", name);
    } catch (IOException e) {
      throw new IllegalStateException("built-in scenario " + name + " cannot be read: the build is broken", e);
    }
  }

  /**
   * Checks the scenario against the run: every processor it names is one of {@code processorIds},
   * and it changes the rate only if the source has rate control.
   *
   * @return this scenario
   * @throws SplitstreamException naming the first event that does not fit, and the remedy
   */
  public Scenario validate(Set<String> processorIds, boolean hasRateControl) {
    for (ScenarioEvent e : events) {
      String label = "scenario " + origin + ": events[" + e.index() + "] (at " + ScenarioText.format(e.at()) + "): ";
      if (e instanceof ScenarioEvent.ProcessorChange p && !processorIds.contains(p.processor())) {
        throw new SplitstreamException(label + "processor '" + p.processor() + "' is not on this platform;"
            + " use one of " + String.join(", ", new TreeSet<>(processorIds)));
      }
      if (e instanceof ScenarioEvent.RateChange && !hasRateControl) {
        throw new SplitstreamException(label + "rate needs a source whose rate can change, and this source's cannot;"
            + " use a paced synthetic source (synthetic:constant, poisson or burst arrivals),"
            + " e.g. --source synthetic:constant,rate=100");
      }
    }
    return this;
  }

  /** True when some event sets the source's rate (so the run needs a source with rate control). */
  public boolean changesRate() {
    return events.stream().anyMatch(e -> e instanceof ScenarioEvent.RateChange);
  }

  /** The processors the events name, sorted. */
  public Set<String> processors() {
    Set<String> ids = new TreeSet<>();
    events.forEach(e -> {
      if (e instanceof ScenarioEvent.ProcessorChange p) {
        ids.add(p.processor());
      }
    });
    return ids;
  }

  /** How long the scenario wants to run: its {@code duration}, else its {@code defaults.duration}. */
  public Optional<Duration> runDuration() {
    return duration.or(defaults::duration);
  }

  /**
   * Things that are allowed but probably not meant, one line each: an event at or after the
   * scenario's own duration, which a run of that duration never reaches.
   */
  public List<String> warnings() {
    List<String> out = new ArrayList<>();
    runDuration().ifPresent(d -> events.stream().filter(e -> e.at().compareTo(d) >= 0).forEach(e ->
        out.add("scenario " + origin + ": events[" + e.index() + "] (at " + ScenarioText.format(e.at())
            + ") is not before the scenario's duration " + ScenarioText.format(d)
            + ", so a run of that duration does not reach it")));
    return out;
  }

  private static Optional<Syntax> syntaxOf(Path file) {
    String lower = file.getFileName().toString().toLowerCase(Locale.ROOT);
    if (lower.endsWith(".json")) {
      return Optional.of(Syntax.JSON);
    }
    return lower.endsWith(".yaml") || lower.endsWith(".yml") ? Optional.of(Syntax.YAML) : Optional.empty();
  }

  private static InputStream resource(String path) throws IOException {
    InputStream in = Scenario.class.getClassLoader().getResourceAsStream(path);
    if (in == null) {
      throw new IOException(path + " is missing from the classpath");
    }
    return in;
  }
}
