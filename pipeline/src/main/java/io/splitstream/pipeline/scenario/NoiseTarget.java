package io.splitstream.pipeline.scenario;

/**
 * Where a scenario's noise events go: random variation on a processor's service times, which only
 * an emulated processor can take (a real one's timing is the hardware's). The run wires it to its
 * emulated processors; without one, {@link ScenarioPlayer} reports noise events as not applied.
 */
@FunctionalInterface
public interface NoiseTarget {
  /**
   * From now on, service times of processor {@code processorId} vary by up to {@code fraction}
   * either way, drawn from {@code seed}; 0 turns noise off. Called on the scenario clock's thread.
   *
   * @param fraction in [0, 0.5]
   */
  void setNoise(String processorId, double fraction, long seed);
}
