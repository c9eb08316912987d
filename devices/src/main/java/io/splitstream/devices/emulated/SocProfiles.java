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
    return parsed(shippedBytes(id), "profiles/" + id + ".json").profile();
  }

  /** A profile from a user's JSON file, validated like the shipped ones. */
  public static SocProfile fromFile(Path file) {
    return parsed(fileBytes(file), file.toString()).profile();
  }

  /** A shipped id, or else a path to a profile file. */
  public static SocProfile resolve(String idOrPath) {
    return resolved(idOrPath).profile();
  }

  /**
   * The {@code calibration} field of a host profile ({@link HostCalibration}), if it has one; the
   * profile is validated as {@link #resolve} does.
   *
   * @param idOrPath a shipped id or a profile file, as {@link #resolve}
   */
  public static java.util.Optional<HostCalibration> calibration(String idOrPath) {
    return resolved(idOrPath).calibration();
  }

  /** A profile as read, with the calibration record a host profile carries apart from it. */
  private record Parsed(SocProfile profile, java.util.Optional<HostCalibration> calibration) {}

  private static Parsed resolved(String idOrPath) {
    if (list().contains(idOrPath) || !idOrPath.endsWith(".json")) {
      return parsed(shippedBytes(idOrPath), "profiles/" + idOrPath + ".json");
    }
    return parsed(fileBytes(Path.of(idOrPath)), idOrPath);
  }

  private static byte[] shippedBytes(String id) {
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
      return in.readAllBytes();
    } catch (IOException e) {
      throw new SplitstreamException("cannot read SoC profile " + name + ": " + e.getMessage(), e);
    }
  }

  private static byte[] fileBytes(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new SplitstreamException("cannot read SoC profile " + file + ": " + e.getMessage() + "; check the path", e);
    }
  }

  static SocProfile parse(byte[] json, String source) {
    return parsed(json, source).profile();
  }

  private static Parsed parsed(byte[] json, String source) {
    SocProfile p;
    java.util.Optional<HostCalibration> calibration = java.util.Optional.empty();
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
      if (tree instanceof ObjectNode root && root.has("calibration")) {
        calibration = java.util.Optional.of(calibration(root.remove("calibration"), source));
      }
      // a processor's optional fields, which the record mapping (every field required) cannot say: read
      // them apart, then add each to its processor
      Map<String, Map<Integer, JsonNode>> apart = new java.util.LinkedHashMap<>();
      OPTIONAL.keySet().forEach(field -> apart.put(field, new TreeMap<>()));
      JsonNode processors = tree.path("processors");
      for (int i = 0; i < processors.size(); i++) {
        if (processors.get(i) instanceof ObjectNode o) {
          for (String field : OPTIONAL.keySet()) {
            if (o.has(field)) {
              apart.get(field).put(i, o.remove(field));
            }
          }
        }
      }
      p = JSON.treeToValue(tree, SocProfile.class);
      for (Map.Entry<String, Map<Integer, JsonNode>> field : apart.entrySet()) {
        p = withEach(p, field.getValue(), source, field.getKey(), OPTIONAL.get(field.getKey()));
      }
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
    return new Parsed(p, calibration);
  }

  /** Adds an optional field's value, read from its JSON, to a processor. */
  @FunctionalInterface
  private interface OptionalField {
    /**
     * @param at where the field is, for a message: {@code SoC profile F: processor 'P': field}
     */
    SocProfile.ProcessorProfile add(SocProfile.ProcessorProfile q, JsonNode value, String at) throws IOException;
  }

  private static final String MEMORY = "memoryGbPerSecond";

  /** A processor's optional fields, in the order they are added. */
  private static final Map<String, OptionalField> OPTIONAL = optionalFields();

  private static Map<String, OptionalField> optionalFields() {
    Map<String, OptionalField> m = new java.util.LinkedHashMap<>();
    m.put("thermal", SocProfiles::thermal);
    m.put(MEMORY, SocProfiles::memory);
    m.put("runtime", SocProfiles::runtime);
    return java.util.Collections.unmodifiableMap(m);
  }

  /** {@code p} with {@code field}'s value (by processor index) added to each processor that has one. */
  private static SocProfile withEach(SocProfile p, Map<Integer, JsonNode> values, String source, String field,
      OptionalField add) throws IOException {
    if (values.isEmpty()) {
      return p;
    }
    List<SocProfile.ProcessorProfile> procs = new ArrayList<>(p.processors());
    for (Map.Entry<Integer, JsonNode> e : values.entrySet()) {
      SocProfile.ProcessorProfile q = procs.get(e.getKey());
      procs.set(e.getKey(), add.add(q, e.getValue(), "SoC profile " + source + ": processor '" + q.id() + "': " + field));
    }
    return new SocProfile(p.id(), p.soc(), p.device(), p.description(), p.sources(), procs, p.links());
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

  /** The runtime field's shape, as the record mapping reads it (weightCache may be left out). */
  private record RuntimeFile(Map<String, Double> opRates, boolean fusesActivations,
      SocProfile.WeightCache weightCache) {}

  /** Like {@link #JSON}, but a left-out weightCache is allowed (read as null). */
  private static final ObjectMapper RUNTIME_JSON = JsonMapper.builder()
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .build();

  private static SocProfile.ProcessorProfile runtime(SocProfile.ProcessorProfile q, JsonNode node, String at)
      throws IOException {
    String fix = "; give {\"opRates\": {\"OpType\": GFLOP/s > 0, ...}, \"fusesActivations\": true|false} and "
        + "optionally \"weightCache\": {\"bytes\": >= 0, \"gbPerSecond\": > 0} (docs/profiles.md)";
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
    return q.withRuntime(new SocProfile.RuntimeTerms(r.opRates(), r.fusesActivations(),
        java.util.Optional.ofNullable(r.weightCache())));
  }

  private static SocProfile.ProcessorProfile memory(SocProfile.ProcessorProfile q, JsonNode v, String at) {
    if (!v.isNumber() || !(v.asDouble() > 0) || Double.isInfinite(v.asDouble())) {
      throw new SplitstreamException(at + " is " + v + ": give the memory bandwidth as a positive number of GB/s, or "
          + "leave it out");
    }
    return q.withMemoryGbPerSecond(v.asDouble());
  }

  private static SocProfile.ProcessorProfile thermal(SocProfile.ProcessorProfile q, JsonNode node, String at)
      throws IOException {
    SocProfile.Thermal t;
    try {
      t = JSON.treeToValue(node, SocProfile.Thermal.class);
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
    return q.withThermal(t);
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
