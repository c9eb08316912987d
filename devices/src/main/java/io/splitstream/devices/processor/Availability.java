package io.splitstream.devices.processor;

import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;

/**
 * How much of a processor is left to us right now: the share other apps leave (0–1], the thermal
 * throttle as a fraction of full clock (0–1], and whether it is online at all. Changes while the
 * processor runs; readers always see a consistent triple.
 *
 * <p>Thread-safe: each setter replaces the triple atomically ({@link AtomicReference#updateAndGet}),
 * so concurrent setters of different fields never undo each other. An emulated processor's service time is divided by {@link #speedFactor()}; a
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

  private final AtomicReference<State> state = new AtomicReference<>(FULL);

  public State state() {
    return state.get();
  }

  public double speedFactor() {
    return state().speedFactor();
  }

  public boolean online() {
    return state().online();
  }

  public void set(State next) {
    state.set(java.util.Objects.requireNonNull(next, "next"));
  }

  public void setShare(double share) {
    state.updateAndGet(s -> new State(share, s.throttle(), s.online()));
  }

  public void setThrottle(double throttle) {
    state.updateAndGet(s -> new State(s.share(), throttle, s.online()));
  }

  public void setOnline(boolean online) {
    state.updateAndGet(s -> new State(s.share(), s.throttle(), online));
  }

  @Override
  public String toString() {
    return state().toString();
  }
}
