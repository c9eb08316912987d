package io.splitstream.devices.emulated;

/**
 * The heat state of one emulated processor: h in [0, 1] rises toward 1 while the processor is
 * busy and decays toward 0 while it is idle, both with time constant τ, integrated exactly between
 * events ({@code h(t + dt) = target + (h - target) · exp(-dt / τ)}); the clock factor is
 * {@code 1 - (1 - sustainedFraction) · h}.
 *
 * <p>Time is whatever clock the processor is given, in nanoseconds. Busy intervals may overlap
 * (runs in flight together) or lie ahead of now (an emulated run is accounted for its whole
 * service time when it starts): the state is integrated up to {@code at}, the end of the last busy
 * interval. Thread-safe: every method is synchronised.
 */
final class HeatModel {
  private final double sustainedFraction;
  private final double tauNanos;
  /** Heat at time {@link #at}. */
  private double heat;
  private long at;
  private boolean started;

  HeatModel(SocProfile.Thermal thermal) {
    this.sustainedFraction = thermal.sustainedFraction();
    this.tauNanos = thermal.timeConstantSeconds() * 1e9;
  }

  /**
   * Heat at {@code now}: decayed over the idle time since {@link #at}, or, while a busy interval
   * still runs past now, the heat it had reached at now (the processor is busy throughout).
   */
  synchronized double heatAt(long now) {
    if (!started) {
      return 0;
    }
    if (now >= at) {
      return heat * Math.exp(-(now - at) / tauNanos);
    }
    return Math.max(0, 1 - (1 - heat) * Math.exp((at - now) / tauNanos));
  }

  synchronized double clockFactorAt(long now) {
    return 1 - (1 - sustainedFraction) * heatAt(now);
  }

  /** Accounts {@code [from, to)} as busy; idle before it since the last busy interval. */
  synchronized void busy(long from, long to) {
    if (!started) {
      started = true;
      at = from;
    }
    if (from > at) {
      heat *= Math.exp(-(from - at) / tauNanos);
      at = from;
    }
    if (to > at) {
      heat = 1 + (heat - 1) * Math.exp(-(to - at) / tauNanos);
      at = to;
    }
  }

  /**
   * Starts a run at {@code now}: takes the clock factor now, asks {@code serviceAtClock} for the
   * run's service time at that factor, and accounts it as busy, all in one step.
   */
  synchronized long run(long now, java.util.function.DoubleToLongFunction serviceAtClock) {
    long service = serviceAtClock.applyAsLong(clockFactorAt(now));
    busy(now, now + service);
    return service;
  }
}
