package io.splitstream.pipeline.plan;

import io.splitstream.devices.processor.Availability;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * How the planner may place stages, and what is left of each processor.
 *
 * @param allowReplicas whether a stage may run on several processors at once (data parallel, each
 *     frame on one of them)
 * @param availability what is left of a processor, by id; a processor not named is fully
 *     available. Its measured times are divided by {@link Availability.State#speedFactor()}, and an
 *     offline one hosts no stage. Naming a processor the profile lacks is an error when planning.
 */
public record PlannerOptions(boolean allowReplicas, Map<String, Availability.State> availability) {
  public PlannerOptions {
    availability = Map.copyOf(Objects.requireNonNull(availability, "availability"));
  }

  /** Replicas allowed, every processor fully available. */
  public static PlannerOptions defaults() {
    return new PlannerOptions(true, Map.of());
  }

  public PlannerOptions withReplicas(boolean allow) {
    return new PlannerOptions(allow, availability);
  }

  public PlannerOptions withoutReplicas() {
    return withReplicas(false);
  }

  /** The same options with {@code processorId} at {@code state}. */
  public PlannerOptions withAvailability(String processorId, Availability.State state) {
    Map<String, Availability.State> m = new LinkedHashMap<>(availability);
    m.put(Objects.requireNonNull(processorId), Objects.requireNonNull(state));
    return new PlannerOptions(allowReplicas, m);
  }

  /** The state of {@code processorId}, {@link Availability#FULL} when not named. */
  public Availability.State availabilityOf(String processorId) {
    return availability.getOrDefault(processorId, Availability.FULL);
  }
}
