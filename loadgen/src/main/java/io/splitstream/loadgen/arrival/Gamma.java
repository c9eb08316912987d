package io.splitstream.loadgen.arrival;

import io.splitstream.loadgen.Options;
import java.util.OptionalDouble;
import java.util.function.DoubleSupplier;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.sampling.distribution.AhrensDieterMarsagliaTsangGammaSampler;
import org.apache.commons.rng.sampling.distribution.SharedStateContinuousSampler;
import org.apache.commons.rng.simple.RandomSource;

/**
 * A gamma renewal process: independent gamma-distributed gaps of mean {@code 1/rate} and shape
 * {@code shape}, so the gaps' coefficient of variation is {@code 1/sqrt(shape)}. Shape 1 is a
 * Poisson process; below 1 arrivals cluster (bursty: many short gaps, a few long ones); above 1
 * they are more regular than Poisson, tending to constant. Gaps are drawn with Commons RNG's
 * Ahrens-Dieter / Marsaglia-Tsang sampler from a SplitMix64 generator seeded with {@code seed}. A
 * new base rate scales the next gaps (mean {@code 1/rate}), keeping the shape.
 */
public record Gamma(double rate, double shape, long seed) implements ArrivalProcess {
  public Gamma {
    Draw.requirePositive("rate", rate);
    Draw.requirePositive("shape", shape);
  }

  static Gamma parse(Options o, long defaultSeed) {
    return new Gamma(o.positive("rate").orElseThrow(() -> o.missing("rate")),
        o.positive("shape").orElseThrow(() -> o.missing("shape")), o.longValue("seed").orElse(defaultSeed));
  }

  @Override
  public Gaps gaps(DoubleSupplier baseRate) {
    UniformRandomProvider rng = RandomSource.SPLIT_MIX_64.create(seed);
    // unit mean: scale theta = 1 / shape
    SharedStateContinuousSampler unit = AhrensDieterMarsagliaTsangGammaSampler.of(rng, shape, 1 / shape);
    return new RoundedGaps() {
      private double t;

      @Override
      double nextArrivalSeconds() {
        t += unit.sample() / baseRate.getAsDouble();
        return t;
      }
    };
  }

  @Override
  public double meanRate() {
    return rate;
  }

  @Override
  public OptionalDouble configuredCv() {
    return OptionalDouble.of(1 / Math.sqrt(shape));
  }

  @Override
  public String spec() {
    return "gamma,rate=" + Draw.num(rate) + ",shape=" + Draw.num(shape) + ",seed=" + seed;
  }
}
