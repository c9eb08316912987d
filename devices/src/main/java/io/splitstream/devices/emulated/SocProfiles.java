package io.splitstream.devices.emulated;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.model.OpClass;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The SoC profiles shipped in {@code src/main/resources/profiles/} (listed in
 * {@code profiles/index.txt}), and profiles read from a user's file. Every profile is validated
 * when loaded; a bad one is refused with a one-line message naming the file, the field and the fix.
 *
 * <p>Stateless and thread-safe.
 */
public final class SocProfiles {
  private static final ObjectMapper JSON = JsonMapper.builder()
      .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
      .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .enable(DeserializationFeature.FAIL_ON_NULL_CREATOR_PROPERTIES)
      .build();

  private SocProfiles() {}

  /** Ids of the shipped profiles, in the index's order. */
  public static List<String> list() {
    try (InputStream in = resource("profiles/index.txt")) {
      if (in == null) {
        throw new IllegalStateException("profiles/index.txt is missing from the classpath: the build is broken");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
          .map(String::strip)
          .filter(l -> !l.isEmpty() && !l.startsWith("#"))
          .toList();
    } catch (IOException e) {
      throw new SplitstreamException("cannot read the profile index: " + e.getMessage(), e);
    }
  }

  /**
   * The shipped profile {@code id}.
   *
   * @throws SplitstreamException listing the valid ids when there is no such profile
   */
  public static SocProfile load(String id) {
    List<String> ids = list();
    if (!ids.contains(id)) {
      throw new SplitstreamException("unknown SoC profile '" + id + "': valid ids are " + String.join(", ", ids)
          + " (or give a profile .json file)");
    }
    String name = "profiles/" + id + ".json";
    try (InputStream in = resource(name)) {
      if (in == null) {
        throw new SplitstreamException("SoC profile " + name + " is listed in profiles/index.txt but missing: the build is broken");
      }
      return parse(in.readAllBytes(), name);
    } catch (IOException e) {
      throw new SplitstreamException("cannot read SoC profile " + name + ": " + e.getMessage(), e);
    }
  }

  /** A profile from a user's JSON file, validated like the shipped ones. */
  public static SocProfile fromFile(Path file) {
    try {
      return parse(Files.readAllBytes(file), file.toString());
    } catch (IOException e) {
      throw new SplitstreamException("cannot read SoC profile " + file + ": " + e.getMessage() + "; check the path", e);
    }
  }

  /** A shipped id, or else a path to a profile file. */
  public static SocProfile resolve(String idOrPath) {
    if (list().contains(idOrPath) || !idOrPath.endsWith(".json")) {
      return load(idOrPath);
    }
    return fromFile(Path.of(idOrPath));
  }

  static SocProfile parse(byte[] json, String source) {
    SocProfile p;
    try {
      JsonNode tree = JSON.readTree(json);
      if (tree == null || !tree.isObject()) {
        throw new SplitstreamException("SoC profile " + source
            + " is not a JSON object: see docs/profiles.md for the fields");
      }
      if (tree.has("blocks") && tree.has("cuts")) {
        throw new SplitstreamException(source + " is a profile table (written by ./splitstream profile --json), not a"
            + " SoC profile: give --soc a SoC id (./splitstream models socs) or a SoC profile file (docs/profiles.md),"
            + " and the table to ./splitstream plan --profile");
      }
      // calibration (host profiles) is read by calibration(); here it is only checked
      if (tree instanceof ObjectNode root && root.has("calibration")) {
        calibration(root.remove("calibration"), source);
      }
      // thermal, memoryGbPerSecond and runtime are optional, which the record mapping (every field
      // required) cannot say: read them apart
      Map<Integer, JsonNode> thermal = new TreeMap<>();
      Map<Integer, JsonNode> memory = new TreeMap<>();
      Map<Integer, JsonNode> runtime = new TreeMap<>();
      JsonNode processors = tree.path("processors");
      for (int i = 0; i < processors.size(); i++) {
        if (processors.get(i) instanceof ObjectNode o) {
          if (o.has("thermal")) {
            thermal.put(i, o.remove("thermal"));
          }
          if (o.has(MEMORY)) {
            memory.put(i, o.remove(MEMORY));
          }
          if (o.has("runtime")) {
            runtime.put(i, o.remove("runtime"));
          }
        }
      }
      p = JSON.treeToValue(tree, SocProfile.class);
      p = withThermal(p, thermal, source);
      p = withMemory(p, memory, source);
      p = withRuntime(p, runtime, source);
    } catch (JsonMappingException e) {
      throw new SplitstreamException("SoC profile " + source + ": " + io.splitstream.devices.io.JsonErrors.describe(e)
          + "; see docs/profiles.md for the fields", e);
    } catch (JsonProcessingException e) {
      throw new SplitstreamException("SoC profile " + source + " is not valid JSON: " + firstLine(e.getOriginalMessage())
          + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")"), e);
    } catch (IOException e) {
      throw new SplitstreamException("cannot read SoC profile " + source + ": " + e.getMessage(), e);
    }
    validate(p, source);
    return p;
  }

  /**
   * The {@code calibration} field of a host profile ({@link HostCalibration}), if it has one.
   *
   * @param idOrPath a shipped id or a profile file, as {@link #resolve}
   */
  public static java.util.Optional<HostCalibration> calibration(String idOrPath) {
    SocProfile checked = resolve(idOrPath); // validated, and the right error for a bad id or file
    String name = list().contains(idOrPath) || !idOrPath.endsWith(".json") ? "profiles/" + checked.id() + ".json"
        : idOrPath;
    try (InputStream in = name.equals(idOrPath) ? Files.newInputStream(Path.of(idOrPath)) : resource(name)) {
      JsonNode node = JSON.readTree(in).get("calibration");
      return node == null ? java.util.Optional.empty() : java.util.Optional.of(calibration(node, name));
    } catch (IOException e) {
      throw new SplitstreamException("cannot read SoC profile " + name + ": " + e.getMessage(), e);
    }
  }

  private static HostCalibration calibration(JsonNode node, String source) throws IOException {
    String at = "SoC profile " + source + ": calibration";
    HostCalibration c;
    try {
      c = JSON.treeToValue(node, HostCalibration.class);
    } catch (UnrecognizedPropertyException u) {
      throw new SplitstreamException(at + " has no field '" + u.getPropertyName()
          + "': its fields are reference, referenceMillis, clock and threads (written by splitstream calibrate)", u);
    } catch (JsonMappingException m) {
      throw new SplitstreamException(at + ": " + firstLine(m.getOriginalMessage())
          + "; re-make the profile with splitstream calibrate --out", m);
    }
    if (c == null || c.reference() == null || c.clock() == null || !(c.referenceMillis() > 0) || c.threads() < 1) {
      throw new SplitstreamException(at + " needs reference, clock, referenceMillis > 0 and threads >= 1; re-make the "
          + "profile with splitstream calibrate --out");
    }
    return c;
  }

  private static final String MEMORY = "memoryGbPerSecond";

  /** The runtime field's shape, as the record mapping reads it (weightCache may be left out). */
  private record RuntimeFile(Map<String, Double> opRates, boolean fusesActivations,
      @com.fasterxml.jackson.annotation.JsonProperty(required = false) SocProfile.WeightCache weightCache) {}

  private static SocProfile withRuntime(SocProfile p, Map<Integer, JsonNode> runtime, String source)
      throws IOException {
    if (runtime.isEmpty()) {
      return p;
    }
    List<SocProfile.ProcessorProfile> procs = new ArrayList<>(p.processors());
    for (Map.Entry<Integer, JsonNode> e : runtime.entrySet()) {
      SocProfile.ProcessorProfile q = procs.get(e.getKey());
      String at = "SoC profile " + source + ": processor '" + q.id() + "': runtime";
      String fix = "; give {\"opRates\": {\"OpType\": GFLOP/s > 0, ...}, \"fusesActivations\": true|false} and "
          + "optionally \"weightCache\": {\"bytes\": >= 0, \"gbPerSecond\": > 0} (docs/profiles.md)";
      JsonNode node = e.getValue();
      if (!node.isObject() || !node.has("opRates") || !node.has("fusesActivations")) {
        throw new SplitstreamException(at + " needs opRates and fusesActivations" + fix);
      }
      if (node.has("weightCache") && node.get("weightCache").isNull()) {
        throw new SplitstreamException(at + ".weightCache is null" + fix);
      }
      RuntimeFile r;
      try {
        r = RUNTIME_JSON.treeToValue(node, RuntimeFile.class);
      } catch (UnrecognizedPropertyException u) {
        throw new SplitstreamException(at + " has no field '" + u.getPropertyName() + "'" + fix, u);
      } catch (JsonMappingException m) {
        String field = m.getPath().isEmpty() ? "" : "." + path(m);
        throw new SplitstreamException(at + field + ": " + firstLine(m.getOriginalMessage()) + fix, m);
      }
      if (r == null || r.opRates() == null) {
        throw new SplitstreamException(at + " needs opRates" + fix);
      }
      for (Map.Entry<String, Double> rate : r.opRates().entrySet()) {
        if (rate.getValue() == null || !(rate.getValue() > 0) || rate.getValue().isInfinite()) {
          throw new SplitstreamException(at + ".opRates." + rate.getKey() + " is " + rate.getValue() + fix);
        }
      }
      if (r.weightCache() != null && (!(r.weightCache().bytes() >= 0) || !(r.weightCache().gbPerSecond() > 0)
          || Double.isInfinite(r.weightCache().gbPerSecond()))) {
        throw new SplitstreamException(at + ".weightCache is " + r.weightCache() + fix);
      }
      procs.set(e.getKey(), q.withRuntime(new SocProfile.RuntimeTerms(r.opRates(), r.fusesActivations(),
          java.util.Optional.ofNullable(r.weightCache()))));
    }
    return new SocProfile(p.id(), p.soc(), p.device(), p.description(), p.sources(), procs, p.links());
  }

  /** Like {@link #JSON}, but a left-out weightCache is allowed (read as null). */
  private static final ObjectMapper RUNTIME_JSON = JsonMapper.builder()
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .build();

  private static SocProfile withMemory(SocProfile p, Map<Integer, JsonNode> memory, String source) {
    if (memory.isEmpty()) {
      return p;
    }
    List<SocProfile.ProcessorProfile> procs = new ArrayList<>(p.processors());
    for (Map.Entry<Integer, JsonNode> e : memory.entrySet()) {
      SocProfile.ProcessorProfile q = procs.get(e.getKey());
      JsonNode v = e.getValue();
      if (!v.isNumber() || !(v.asDouble() > 0) || Double.isInfinite(v.asDouble())) {
        throw new SplitstreamException("SoC profile " + source + ": processor '" + q.id() + "': " + MEMORY + " is "
            + v + ": give the memory bandwidth as a positive number of GB/s, or leave it out");
      }
      procs.set(e.getKey(), q.withMemoryGbPerSecond(v.asDouble()));
    }
    return new SocProfile(p.id(), p.soc(), p.device(), p.description(), p.sources(), procs, p.links());
  }

  private static SocProfile withThermal(SocProfile p, Map<Integer, JsonNode> thermal, String source)
      throws IOException {
    if (thermal.isEmpty()) {
      return p;
    }
    List<SocProfile.ProcessorProfile> procs = new ArrayList<>(p.processors());
    for (Map.Entry<Integer, JsonNode> e : thermal.entrySet()) {
      SocProfile.ProcessorProfile q = procs.get(e.getKey());
      String at = "SoC profile " + source + ": processor '" + q.id() + "': thermal";
      SocProfile.Thermal t;
      try {
        t = JSON.treeToValue(e.getValue(), SocProfile.Thermal.class);
      } catch (UnrecognizedPropertyException u) {
        throw new SplitstreamException(at + " has no field '" + u.getPropertyName()
            + "': its fields are sustainedFraction and timeConstantSeconds", u);
      } catch (JsonMappingException m) {
        String field = m.getPath().isEmpty() ? "" : "." + path(m);
        throw new SplitstreamException(at + field + ": " + firstLine(m.getOriginalMessage())
            + "; give {\"sustainedFraction\": 0 < F <= 1, \"timeConstantSeconds\": > 0}", m);
      }
      if (t == null) {
        throw new SplitstreamException(at + " is null: give {\"sustainedFraction\": …, \"timeConstantSeconds\": …}"
            + " or leave it out");
      }
      procs.set(e.getKey(), q.withThermal(t));
    }
    return new SocProfile(p.id(), p.soc(), p.device(), p.description(), p.sources(), procs, p.links());
  }

  private static String path(JsonMappingException e) {
    StringBuilder sb = new StringBuilder();
    for (JsonMappingException.Reference r : e.getPath()) {
      if (r.getFieldName() != null) {
        sb.append(sb.length() == 0 ? "" : ".").append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        sb.append('[').append(r.getIndex()).append(']');
      }
    }
    return sb.toString();
  }

  private static void validate(SocProfile p, String source) {
    String at = "SoC profile " + source + ": ";
    if (p.id().isBlank() || p.soc().isBlank() || p.device().isBlank()) {
      throw new SplitstreamException(at + "id, soc and device must not be blank");
    }
    if (p.sources().isEmpty()) {
      throw new SplitstreamException(at + "no sources: cite where each figure came from");
    }
    if (p.processors().isEmpty()) {
      throw new SplitstreamException(at + "no processors: give at least one (cpu, gpu, npu)");
    }
    Set<String> ids = new LinkedHashSet<>();
    for (SocProfile.ProcessorProfile q : p.processors()) {
      String pat = at + "processor '" + q.id() + "': ";
      if (!ids.add(q.id())) {
        throw new SplitstreamException(pat + "id appears twice: processor ids must be unique");
      }
      for (OpClass c : OpClass.values()) {
        double r = q.gflops().rate(c);
        if (!(r > 0) || Double.isInfinite(r)) {
          throw new SplitstreamException(pat + "gflops." + c.name().toLowerCase(java.util.Locale.ROOT) + " is " + r
              + ": every rate must be a positive number of GFLOP/s");
        }
      }
      if (q.dispatchOverheadMicros() < 0 || q.perNodeOverheadMicros() < 0 || q.loadMillis() < 0
          || q.cachedLoadMillis() < 0) {
        throw new SplitstreamException(pat + "overheads and load times must not be negative");
      }
      if (q.cachedLoadMillis() > q.loadMillis()) {
        throw new SplitstreamException(pat + "cachedLoadMillis " + q.cachedLoadMillis() + " exceeds loadMillis "
            + q.loadMillis() + ": a cached load cannot be slower than a first one");
      }
      if (q.thermal().isPresent()) {
        SocProfile.Thermal t = q.thermal().get();
        if (!(t.sustainedFraction() > 0 && t.sustainedFraction() <= 1)) {
          throw new SplitstreamException(pat + "thermal.sustainedFraction is " + t.sustainedFraction()
              + ": give the sustained clock as a fraction of peak, 0 < F <= 1");
        }
        if (!(t.timeConstantSeconds() > 0) || Double.isInfinite(t.timeConstantSeconds())) {
          throw new SplitstreamException(pat + "thermal.timeConstantSeconds is " + t.timeConstantSeconds()
              + ": give a positive, finite number of seconds");
        }
      }
    }
    for (SocProfile.Link l : p.links()) {
      if (!ids.contains(l.from()) || !ids.contains(l.to())) {
        throw new SplitstreamException(at + "link " + l.from() + "->" + l.to() + " names a processor that is not in "
            + ids + ": fix the link");
      }
      if (!(l.gbPerSecond() > 0) || l.latencyMicros() < 0) {
        throw new SplitstreamException(at + "link " + l.from() + "->" + l.to()
            + " needs gbPerSecond > 0 and latencyMicros >= 0");
      }
    }
    for (String a : ids) {
      for (String b : ids) {
        if (!a.equals(b) && p.link(a, b).isEmpty()) {
          throw new SplitstreamException(at + "no link between " + a + " and " + b
              + ": add {\"from\": \"" + a + "\", \"to\": \"" + b + "\", \"latencyMicros\": …, \"gbPerSecond\": …}");
        }
      }
    }
  }

  private static InputStream resource(String name) {
    return SocProfiles.class.getClassLoader().getResourceAsStream(name);
  }

  private static String firstLine(String s) {
    return s == null ? "" : s.strip().lines().findFirst().orElse("");
  }
}
