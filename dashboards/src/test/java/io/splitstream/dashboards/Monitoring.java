package io.splitstream.dashboards;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The files this module ships, as the tests read them: where they are, the dashboards and every
 * query in them, and promtool.
 */
final class Monitoring {
  static final ObjectMapper JSON = new ObjectMapper();
  static final YAMLMapper YAML = new YAMLMapper();

  private Monitoring() {}

  /** This module's folder: surefire's {@code basedir}, or the working directory. */
  static Path moduleDir() {
    String basedir = System.getProperty("basedir");
    Path dir = basedir == null || basedir.isBlank() ? Path.of("").toAbsolutePath() : Path.of(basedir);
    if (!Files.isDirectory(dir.resolve("grafana"))) {
      dir = dir.resolve("dashboards");
    }
    return dir;
  }

  static Path provisioning() {
    return moduleDir().resolve("grafana/provisioning");
  }

  static Path prometheusDir() {
    return moduleDir().resolve("prometheus");
  }

  /** The dashboard JSON files, sorted by name. */
  static List<Path> dashboardFiles() {
    try (Stream<Path> files = Files.list(provisioning().resolve("dashboards/splitstream"))) {
      return files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static JsonNode read(Path file) {
    try {
      return file.toString().endsWith(".json") ? JSON.readTree(file.toFile()) : YAML.readTree(file.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  /** One PromQL query of a dashboard: a panel's target, or an annotation. */
  record Query(String dashboard, String panel, String refId, String expr, boolean instant) {
    @Override
    public String toString() {
      return dashboard + " / " + panel + " / " + refId + ": " + expr;
    }
  }

  /** The panels that show data (rows excluded). */
  static List<JsonNode> dataPanels(JsonNode dashboard) {
    List<JsonNode> panels = new ArrayList<>();
    dashboard.path("panels").forEach(p -> {
      if (!"row".equals(p.path("type").asText())) {
        panels.add(p);
      }
    });
    return panels;
  }

  /** Every target of every data panel, then every annotation query. */
  static List<Query> queries(JsonNode dashboard) {
    String uid = dashboard.path("uid").asText();
    List<Query> queries = new ArrayList<>();
    for (JsonNode panel : dataPanels(dashboard)) {
      for (JsonNode t : panel.path("targets")) {
        queries.add(new Query(uid, panel.path("title").asText(), t.path("refId").asText(), t.path("expr").asText(),
            t.path("instant").asBoolean(false)));
      }
    }
    for (JsonNode a : dashboard.path("annotations").path("list")) {
      queries.add(new Query(uid, "annotation " + a.path("name").asText(), "-", a.path("expr").asText(), false));
    }
    return queries;
  }

  /** The query variables in order, name to {@code label_values(...)} query. */
  static List<Map.Entry<String, String>> variables(JsonNode dashboard) {
    List<Map.Entry<String, String>> vars = new ArrayList<>();
    for (JsonNode v : dashboard.path("templating").path("list")) {
      if ("query".equals(v.path("type").asText())) {
        vars.add(Map.entry(v.path("name").asText(), v.path("query").asText()));
      }
    }
    return vars;
  }

  /** One promtool run: its exit code and what it printed. */
  record Run(int exit, String output) {}

  static Run promtool(Path workDir, String... args) {
    List<String> command = new ArrayList<>();
    command.add(promtoolPath());
    command.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("promtool " + String.join(" ", args) + " did not finish in 60 s");
      }
      return new Run(p.exitValue(), out);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run promtool (Debian package prometheus; .ci/run installs it)", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String promtoolPath() {
    return Files.isExecutable(Path.of("/usr/bin/promtool")) ? "/usr/bin/promtool" : "promtool";
  }
}
