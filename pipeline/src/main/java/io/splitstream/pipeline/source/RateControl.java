package io.splitstream.pipeline.source;

/**
 * Changes how many frames per second a live source produces while it runs, as a scenario's rate
 * events ask ({@code {at: 10s, rate: 600}}).
 *
 * <p>Thread-safe: {@link #setRate} may be called from any thread (a scenario player's clock) while
 * the source emits on another. A change applies to arrivals the source schedules after the call,
 * on the pipeline's clock; it never moves an arrival already scheduled.
 */
public interface RateControl {
  /** The rate in force now, in frames per second. */
  double rate();

  /**
   * Sets the rate to {@code framesPerSecond} from the next arrival the source schedules on.
   *
   * @throws IllegalArgumentException unless {@code framesPerSecond} is finite and above 0
   */
  void setRate(double framesPerSecond);
}
