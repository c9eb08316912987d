package io.splitstream.dashboards;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The dashboards against the JSON Schema written for the classic Grafana dashboard model
 * ({@code grafana-classic-dashboard.schema.json}): no unknown field, every datasource reference the
 * provisioned Prometheus, every data panel with a title, a description and a unit; and the
 * provisioning files agree with them.
 */
class DashboardSchemaTest {
  private static Schema schema;

  @BeforeAll
  static void loadSchema() throws IOException {
    try (InputStream in = DashboardSchemaTest.class.getResourceAsStream("/grafana-classic-dashboard.schema.json")) {
      schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(in);
    }
  }

  private static List<Error> validate(JsonNode dashboard) {
    try {
      return schema.validate(Monitoring.JSON.writeValueAsString(dashboard), InputFormat.JSON);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void everyShippedDashboardIsValid() {
    List<Path> files = Monitoring.dashboardFiles();
    assertThat(files).hasSize(2);
    int panels = 0;
    for (Path f : files) {
      JsonNode d = Monitoring.read(f);
      assertThat(validate(d)).as(f.getFileName().toString()).isEmpty();
      panels += Monitoring.dataPanels(d).size();
    }
    System.out.printf("schema: %d dashboards, %d data panels valid%n", files.size(), panels);
  }

  @Test
  void anUnknownFieldIsRefused() {
    ObjectNode d = (ObjectNode) Monitoring.read(Monitoring.dashboardFiles().get(0));
    ((ObjectNode) d.path("panels").get(1)).put("transparentt", true);

    assertThat(validate(d)).isNotEmpty();
  }

  @Test
  void aPanelWithoutAUnitIsRefused() {
    ObjectNode d = (ObjectNode) Monitoring.read(Monitoring.dashboardFiles().get(0));
    ((ObjectNode) d.path("panels").get(1).path("fieldConfig").path("defaults")).remove("unit");

    assertThat(validate(d)).isNotEmpty();
  }

  @Test
  void aPanelWithoutADescriptionIsRefused() {
    ObjectNode d = (ObjectNode) Monitoring.read(Monitoring.dashboardFiles().get(0));
    ((ObjectNode) d.path("panels").get(1)).remove("description");

    assertThat(validate(d)).isNotEmpty();
  }

  @Test
  void aDatasourceOtherThanTheProvisionedOneIsRefused() {
    ObjectNode d = (ObjectNode) Monitoring.read(Monitoring.dashboardFiles().get(0));
    ((ObjectNode) d.path("panels").get(1).path("targets").get(0).path("datasource")).put("uid", "some-other");
    assertThat(validate(d)).isNotEmpty();

    ObjectNode e = (ObjectNode) Monitoring.read(Monitoring.dashboardFiles().get(0));
    ((ObjectNode) e.path("templating").path("list").get(0).path("current")).put("value", "some-other");
    assertThat(validate(e)).isNotEmpty();
  }

  @Test
  void anotherSchemaVersionIsRefused() {
    ObjectNode d = (ObjectNode) Monitoring.read(Monitoring.dashboardFiles().get(0));
    d.put("schemaVersion", 39);

    assertThat(validate(d)).isNotEmpty();
  }

  @Test
  void provisioningNamesTheDatasourceTheDashboardsUseAndTheFolderTheyAreIn() {
    JsonNode ds = Monitoring.read(Monitoring.provisioning().resolve("datasources/splitstream.yaml")).path("datasources");
    assertThat(ds).hasSize(1);
    assertThat(ds.get(0).path("type").asText()).isEqualTo("prometheus");
    String uid = ds.get(0).path("uid").asText();
    for (Path f : Monitoring.dashboardFiles()) {
      JsonNode variable = Monitoring.read(f).path("templating").path("list").get(0);
      assertThat(variable.path("type").asText()).isEqualTo("datasource");
      assertThat(variable.path("current").path("value").asText()).as(f.toString()).isEqualTo(uid);
    }

    JsonNode providers = Monitoring.read(Monitoring.provisioning().resolve("dashboards/splitstream.yaml"))
        .path("providers");
    assertThat(providers).hasSize(1);
    String path = providers.get(0).path("options").path("path").asText()
        .replace("${GF_PATHS_PROVISIONING}", Monitoring.provisioning().toString());
    assertThat(Path.of(path)).isDirectory();
    assertThat(Path.of(path)).isEqualTo(Monitoring.dashboardFiles().get(0).getParent());
  }

  @Test
  void panelIdsAndDashboardUidsAreUnique() throws IOException {
    Set<String> uids = new HashSet<>();
    for (Path f : Monitoring.dashboardFiles()) {
      JsonNode d = Monitoring.read(f);
      assertThat(uids.add(d.path("uid").asText())).as("uid of " + f).isTrue();
      Set<Integer> ids = new HashSet<>();
      d.path("panels").forEach(p -> assertThat(ids.add(p.path("id").asInt())).as(f + " panel id " + p.path("id")).isTrue());
      assertThat(Files.readString(f)).doesNotContain("\"datasource\": null");
    }
  }
}
