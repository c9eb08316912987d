package io.splitstream.pipeline.calibrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class NnlsTest {
  @Test
  void recoversNonNegativeCoefficientsOfVeryDifferentScale() {
    SplittableRandom r = new SplittableRandom(3);
    double[] truth = {20, 0.5, 1e-8};
    double[][] a = new double[30][3];
    double[] b = new double[30];
    for (int i = 0; i < a.length; i++) {
      a[i] = new double[] {1, r.nextInt(1, 200), r.nextDouble(1e6, 1e9)};
      b[i] = a[i][0] * truth[0] + a[i][1] * truth[1] + a[i][2] * truth[2];
    }
    double[] x = Nnls.solve(a, b);
    assertThat(x[0]).isCloseTo(20, within(1e-6));
    assertThat(x[1]).isCloseTo(0.5, within(1e-9));
    assertThat(x[2]).isCloseTo(1e-8, within(1e-15));
  }

  @Test
  void aCoefficientThatWouldBeNegativeIsHeldAtZero() {
    // b falls with the second column: unconstrained least squares gives 4 - t; NNLS must give the mean, 2, and 0
    double[][] a = {{1, 1}, {1, 2}, {1, 3}};
    double[] b = {3, 2, 1};
    double[] x = Nnls.solve(a, b);
    assertThat(x[1]).isZero();
    assertThat(x[0]).isCloseTo(2, within(1e-12));
  }

  @Test
  void aColumnNoRowUsesGetsZero() {
    double[][] a = {{1, 0}, {2, 0}, {3, 0}};
    double[] b = {2, 4, 6};
    double[] x = Nnls.solve(a, b);
    assertThat(x[0]).isCloseTo(2, within(1e-12));
    assertThat(x[1]).isZero();
  }
}
