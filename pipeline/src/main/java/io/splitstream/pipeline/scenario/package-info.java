/**
 * Scenarios: timelines of changes to a run's processors (share left by other apps, thermal
 * throttle, online, service-time noise) and to a synthetic source's arrival rate, read from YAML or
 * JSON ({@link io.splitstream.pipeline.scenario.Scenario}) or shipped built in, and played on the
 * pipeline clock ({@link io.splitstream.pipeline.scenario.ScenarioPlayer}).
 */
package io.splitstream.pipeline.scenario;
