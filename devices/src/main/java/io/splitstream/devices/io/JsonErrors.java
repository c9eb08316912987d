package io.splitstream.devices.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Jackson's reasons, said for people: what is wrong, where (the field path), never the name of a
 * Jackson feature or class ({@code FAIL_ON_MISSING_CREATOR_PROPERTIES}, {@code (index 0)}).
 */
public final class JsonErrors {
  private JsonErrors() {}

  private static final Pattern MISSING = Pattern.compile("Missing (?:creator |required creator )?property '([^']+)'.*",
      Pattern.DOTALL);

  /** One line: the reason, then {@code at PATH} when it is inside the document. */
  public static String describe(JsonProcessingException e) {
    String why;
    String original = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
    Matcher m = MISSING.matcher(original);
    if (e instanceof UnrecognizedPropertyException u) {
      why = "unknown field '" + u.getPropertyName() + "'";
    } else if (m.matches()) {
      why = "field '" + m.group(1) + "' is missing";
    } else if (e instanceof InvalidFormatException f) {
      why = "value " + f.getValue() + " is not " + article(f.getTargetType().getSimpleName());
    } else if (e instanceof MismatchedInputException mi && mi.getTargetType() != null) {
      why = "a value of the wrong kind where " + article(mi.getTargetType().getSimpleName()) + " belongs";
    } else {
      why = firstLine(original);
    }
    String where = e instanceof JsonMappingException jm && !jm.getPath().isEmpty() ? " at " + path(jm)
        : e.getLocation() != null && e.getLocation().getLineNr() > 0 ? " (line " + e.getLocation().getLineNr() + ")"
        : "";
    return why + where;
  }

  /** The field path of {@code e}, e.g. {@code processors[1].name}. */
  public static String path(JsonMappingException e) {
    return e.getPath().stream()
        .map(r -> r.getFieldName() != null ? "." + r.getFieldName() : "[" + r.getIndex() + "]")
        .collect(Collectors.joining())
        .replaceFirst("^\\.", "");
  }

  private static String article(String type) {
    String t = switch (type) {
      case "Double", "double", "Float", "float" -> "number";
      case "Integer", "int", "Long", "long" -> "whole number";
      case "Boolean", "boolean" -> "true or false";
      case "String" -> "text";
      default -> type.replaceAll("([a-z])([A-Z])", "$1 $2").toLowerCase(java.util.Locale.ROOT);
    };
    return t.equals("true or false") ? t : ("aeiou".indexOf(t.charAt(0)) >= 0 ? "an " : "a ") + t;
  }

  private static String firstLine(String s) {
    int cut = s.indexOf('\n');
    String l = (cut < 0 ? s : s.substring(0, cut)).trim();
    int tick = l.indexOf("; `");
    return tick < 0 ? l : l.substring(0, tick);
  }
}
