package io.splitstream.devices.processor;

import java.util.Locale;

/**
 * How much of a processor is left to us right now: the share other apps leave (0–1], the thermal
 * throttle as a fraction of full clock (0–1], and whether it is online at all. Changes while the
 * processor runs; readers always see a consistent triple.
 *
 * <p>Thread-safe. An emulated processor's service time is divided by {@link #speedFactor()}; a
 * real processor's availability is what the host gives it and is reported, not imposed.
 */
public final class Availability {
  /** An immutable reading. */
  public record State(double share, double throttle, boolean online) {
    public State {
      if (!(share > 0 && share <= 1)) {
        throw new IllegalArgumentException("share must be in (0, 1], got " + share);
      }
      if (!(throttle > 0 && throttle <= 1)) {
        throw new IllegalArgumentException("throttle must be in (0, 1] of full clock, got " + throttle);
      }
    }

    public double speedFactor() {
      return share * throttle;
    }

    @Override
    public String toString() {
      return online
          ? String.format(Locale.ROOT, "share %.2f, clock %.2f", share, throttle)
          : "offline";
    }
  }

  public static final State FULL = new State(1, 1, true);

  private volatile State state = FULL;

  public State state() {
    return state;
  }

  public double speedFactor() {
    return state.speedFactor();
  }

  public boolean online() {
    return state.online();
  }

  public void set(State next) {
    state = next;
  }

  public void setShare(double share) {
    State s = state;
    state = new State(share, s.throttle(), s.online());
  }

  public void setThrottle(double throttle) {
    State s = state;
    state = new State(s.share(), throttle, s.online());
  }

  public void setOnline(boolean online) {
    State s = state;
    state = new State(s.share(), s.throttle(), online);
  }

  @Override
  public String toString() {
    return state.toString();
  }
}
