package io.splitstream.dashboards;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The shipped Prometheus files pass promtool: the scrape config (with the rule files it names),
 * the rules, and the rule unit tests, which hold a firing and a quiet case for every alert.
 */
class PromtoolTest {
  private final Path dir = Monitoring.prometheusDir();

  @Test
  void scrapeConfigIsValidWithItsRuleFiles() {
    Monitoring.Run run = Monitoring.promtool(dir, "check", "config", "prometheus.yml");

    assertThat(run.exit()).as(run.output()).isZero();
    assertThat(run.output()).contains("SUCCESS: 2 rule files found");
  }

  @Test
  void recordingAndAlertingRulesAreValid() {
    Monitoring.Run run = Monitoring.promtool(dir, "check", "rules", "rules/splitstream.rules.yml",
        "rules/splitstream.alerts.yml");

    assertThat(run.exit()).as(run.output()).isZero();
    assertThat(run.output()).contains("SUCCESS: 10 rules found").contains("SUCCESS: 7 rules found");
  }

  @Test
  void ruleUnitTestsPass() {
    Monitoring.Run run = Monitoring.promtool(dir, "test", "rules", "tests/splitstream.alerts.test.yml");

    assertThat(run.exit()).as(run.output()).isZero();
    assertThat(run.output()).contains("SUCCESS");
  }

  @Test
  void everyAlertHasAFiringAndAQuietCaseAndMixinStyleMetadata() {
    Set<String> alerts = new LinkedHashSet<>();
    for (JsonNode rule : Monitoring.read(dir.resolve("rules/splitstream.alerts.yml")).path("groups").get(0).path("rules")) {
      String name = rule.path("alert").asText();
      alerts.add(name);
      assertThat(rule.path("for").asText()).as(name + " for").isNotBlank();
      assertThat(rule.path("labels").path("severity").asText()).as(name + " severity").isIn("warning", "critical");
      assertThat(rule.path("annotations").path("summary").asText()).as(name + " summary").isNotBlank();
      assertThat(rule.path("annotations").path("description").asText()).as(name + " description")
          .contains("$labels").contains("{{");
    }
    assertThat(alerts).containsExactly("SplitstreamLatencyAboveBudget", "SplitstreamShedRateHigh",
        "SplitstreamProcessorOffline", "SplitstreamPlanFlapping", "SplitstreamEmulationLag", "SplitstreamTargetDown",
        "SplitstreamKafkaLagGrowing");

    Set<String> fires = new HashSet<>();
    Set<String> quiet = new HashSet<>();
    for (JsonNode test : Monitoring.read(dir.resolve("tests/splitstream.alerts.test.yml")).path("tests")) {
      for (JsonNode c : test.path("alert_rule_test")) {
        (c.path("exp_alerts").isEmpty() ? quiet : fires).add(c.path("alertname").asText());
      }
    }
    assertThat(fires).as("alerts with a case where they fire").containsAll(alerts);
    assertThat(quiet).as("alerts with a case where they do not").containsAll(alerts);
  }
}
