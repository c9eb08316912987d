package io.splitstream.loadgen.arrival;

import java.util.SplittableRandom;

/** Small helpers the arrival processes share: checks, a unit exponential draw, spec numbers. */
final class Draw {
  private Draw() {}

  static void requirePositive(String name, double v) {
    if (!(v > 0) || Double.isInfinite(v)) {
      throw new IllegalArgumentException(name + " must be a finite number above 0, got " + v);
    }
  }

  /** A unit-mean exponential variate. */
  static double exponential(SplittableRandom random) {
    // 1 - u is in (0, 1], so the log is finite.
    return -Math.log(1 - random.nextDouble());
  }

  /** A number as a spec writes it: whole numbers without a decimal point. */
  static String num(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
  }
}
