package io.splitstream.pipeline.plan;

import io.splitstream.devices.io.OutputFiles;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.splitstream.devices.SplitstreamException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;

/** The JSON form of {@link ProfileTable}: strict reading with one-line errors, sorted writing. */
final class ProfileJson {
  private static final String REMEDY = "re-run ./splitstream profile to write a valid table";

  // Strict on purpose: an unknown field, a duplicate key, a missing field or a null where a value
  // belongs is refused, so nothing in a profile is silently dropped or defaulted.
  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_CREATOR_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .enable(SerializationFeature.INDENT_OUTPUT)
      .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
      .build();

  private ProfileJson() {}

  static ProfileTable read(Path file) {
    String json;
    try {
      json = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new SplitstreamException("profile " + file + ": no such file; write it with"
          + " ./splitstream profile --model MODEL --json " + file);
    } catch (IOException e) {
      throw new SplitstreamException("profile " + file + ": cannot be read ("
          + oneLine(e.toString()) + "); check the path and its permissions", e);
    }
    return parse(json, file.toString());
  }

  static ProfileTable parse(String json, String source) {
    String where = "profile " + source + ": ";
    JsonNode tree;
    try {
      tree = MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new SplitstreamException(where + "not JSON (" + oneLine(e.getOriginalMessage())
          + at(e.getLocation()) + "); " + REMEDY, e);
    }
    if (tree == null || tree.isMissingNode()) {
      throw new SplitstreamException(where + "is empty; " + REMEDY);
    }
    if (!tree.isObject()) {
      throw new SplitstreamException(where + "is JSON but not an object; " + REMEDY);
    }
    JsonNode schema = tree.get("schema");
    if (schema == null) {
      throw new SplitstreamException(where + "has no 'schema' field, so it is not a profile table"
          + " written by ./splitstream profile; " + REMEDY);
    }
    if (!schema.isInt() || schema.intValue() != ProfileTable.SCHEMA) {
      throw new SplitstreamException(where + "has schema " + schema
          + " but this build reads schema " + ProfileTable.SCHEMA + "; " + REMEDY + " with this build");
    }
    try {
      return MAPPER.readValue(json, ProfileTable.class);
    } catch (JsonProcessingException e) {
      SplitstreamException cause = splitstreamCause(e);
      if (cause != null) {
        throw new SplitstreamException(where + cause.getMessage(), e);
      }
      throw new SplitstreamException(where + describe(e, tree) + "; " + REMEDY, e);
    }
  }

  static String toJson(ProfileTable table) {
    try {
      return MAPPER.writeValueAsString(table) + System.lineSeparator();
    } catch (JsonProcessingException e) {
      // Only records of strings, numbers, enums and lists: serialising them cannot fail.
      throw new IllegalStateException(e);
    }
  }

  static void write(ProfileTable table, Path file) {
    String json = toJson(table);
    try {
      // written beside the target and moved, so a reader never sees half a table
      OutputFiles.writeString(file, json);
    } catch (IOException e) {
      throw new SplitstreamException("profile " + file + ": cannot be written (" + OutputFiles.reason(e)
          + "); give --json a file in a writable folder", e);
    }
  }

  private static SplitstreamException splitstreamCause(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SplitstreamException s) {
        return s;
      }
    }
    return null;
  }

  private static String describe(JsonProcessingException e, JsonNode tree) {
    if (!(e instanceof JsonMappingException m) || m.getPath().isEmpty()) {
      return oneLine(e.getOriginalMessage()) + at(e.getLocation());
    }
    List<JsonMappingException.Reference> refs = m.getPath();
    String parent = path(refs.subList(0, refs.size() - 1));
    String in = parent.isEmpty() ? " at the top level" : " in " + parent;
    String name = refs.get(refs.size() - 1).getFieldName();
    if (e instanceof UnrecognizedPropertyException u) {
      return "unknown field '" + u.getPropertyName() + "'" + in + at(e.getLocation())
          + " (schema " + ProfileTable.SCHEMA + " has no such field)";
    }
    // Jackson reports a missing or null value as a type mismatch; the tree tells which it was.
    JsonNode node = tree;
    for (JsonMappingException.Reference r : refs) {
      node = node == null ? null
          : r.getFieldName() != null ? node.get(r.getFieldName()) : node.get(r.getIndex());
    }
    if (name != null && node == null) {
      return "missing field '" + name + "'" + in;
    }
    if (name != null && node.isNull()) {
      return "field '" + name + "'" + in + " is null" + at(e.getLocation()) + "; give it a value";
    }
    if (e instanceof MismatchedInputException mi && mi.getTargetType() != null) {
      return path(refs) + " is not a valid " + typeName(mi.getTargetType()) + at(e.getLocation());
    }
    return path(refs) + ": " + oneLine(e.getOriginalMessage()) + at(e.getLocation());
  }

  private static String typeName(Class<?> type) {
    if (type.isEnum()) {
      StringBuilder names = new StringBuilder();
      for (Object c : type.getEnumConstants()) {
        names.append(names.length() == 0 ? "" : "/").append(c);
      }
      return "value (one of " + names + ")";
    }
    return type.getSimpleName().toLowerCase(Locale.ROOT);
  }

  private static String path(List<JsonMappingException.Reference> refs) {
    StringBuilder sb = new StringBuilder();
    for (JsonMappingException.Reference r : refs) {
      if (r.getFieldName() != null) {
        sb.append(sb.length() == 0 ? "" : ".").append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        sb.append('[').append(r.getIndex()).append(']');
      }
    }
    return sb.toString();
  }

  private static String at(JsonLocation loc) {
    if (loc == null || loc.getLineNr() < 1) {
      return "";
    }
    return " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
  }

  private static String oneLine(String s) {
    if (s == null) {
      return "";
    }
    return s.replaceAll("\\s*[\\r\\n]+\\s*", " ").trim();
  }
}
