package io.splitstream.pipeline.calibrate;

import java.util.Arrays;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.ArrayRealVector;
import org.apache.commons.math3.linear.RealVector;
import org.apache.commons.math3.linear.SingularValueDecomposition;

/**
 * Non-negative least squares, {@code min ||A x - b||} subject to {@code x >= 0}, by the active-set
 * method of Lawson and Hanson (Solving Least Squares Problems, 1974, ch. 23). The unconstrained
 * sub-problems are solved by Commons Math's SVD (a pseudo-inverse, so a column that no row
 * exercises gets 0 instead of failing). Columns are scaled to unit norm first, so features of very
 * different magnitude (one per invocation, 10^9 FLOP per block) are treated alike.
 */
public final class Nnls {
  private Nnls() {}

  /** The non-negative {@code x} minimising {@code ||a x - b||}; {@code a} is rows x columns. */
  public static double[] solve(double[][] a, double[] b) {
    int m = a.length;
    int n = a[0].length;
    if (b.length != m) {
      throw new IllegalArgumentException("A has " + m + " rows but b has " + b.length);
    }
    double[] scale = new double[n];
    double[][] s = new double[m][n];
    for (int j = 0; j < n; j++) {
      double norm = 0;
      for (double[] row : a) {
        norm += row[j] * row[j];
      }
      scale[j] = norm > 0 ? Math.sqrt(norm) : 1;
      for (int i = 0; i < m; i++) {
        s[i][j] = a[i][j] / scale[j];
      }
    }
    double[] x = scaledSolve(s, b);
    for (int j = 0; j < n; j++) {
      x[j] /= scale[j];
    }
    return x;
  }

  private static double[] scaledSolve(double[][] a, double[] b) {
    int n = a[0].length;
    double tol = 1e-12 * Math.max(1, norm(b));
    double[] x = new double[n];
    boolean[] passive = new boolean[n];
    for (int outer = 0; outer < 3 * n + 10; outer++) {
      double[] w = gradient(a, b, x);
      int best = -1;
      for (int j = 0; j < n; j++) {
        if (!passive[j] && w[j] > tol && (best < 0 || w[j] > w[best])) {
          best = j;
        }
      }
      if (best < 0) {
        return x;
      }
      passive[best] = true;
      for (int inner = 0; inner < 3 * n + 10; inner++) {
        double[] z = restricted(a, b, passive);
        boolean feasible = true;
        for (int j = 0; j < n; j++) {
          feasible &= !passive[j] || z[j] > 0;
        }
        if (feasible) {
          x = z;
          break;
        }
        double alpha = 1;
        for (int j = 0; j < n; j++) {
          if (passive[j] && z[j] <= 0) {
            alpha = Math.min(alpha, x[j] / (x[j] - z[j]));
          }
        }
        for (int j = 0; j < n; j++) {
          x[j] += alpha * (z[j] - x[j]);
          if (passive[j] && x[j] <= 1e-15) {
            passive[j] = false;
            x[j] = 0;
          }
        }
      }
    }
    return x;
  }

  /** Least squares over the passive columns only; the others stay 0. */
  private static double[] restricted(double[][] a, double[] b, boolean[] passive) {
    int[] cols = java.util.stream.IntStream.range(0, passive.length).filter(j -> passive[j]).toArray();
    double[] z = new double[passive.length];
    if (cols.length == 0) {
      return z;
    }
    double[][] sub = new double[a.length][cols.length];
    for (int i = 0; i < a.length; i++) {
      for (int k = 0; k < cols.length; k++) {
        sub[i][k] = a[i][cols[k]];
      }
    }
    RealVector sol = new SingularValueDecomposition(new Array2DRowRealMatrix(sub, false)).getSolver()
        .solve(new ArrayRealVector(b, false));
    for (int k = 0; k < cols.length; k++) {
      z[cols[k]] = sol.getEntry(k);
    }
    return z;
  }

  /** {@code A^T (b - A x)}: where the residual still pulls each coefficient. */
  private static double[] gradient(double[][] a, double[] b, double[] x) {
    double[] w = new double[x.length];
    for (int i = 0; i < a.length; i++) {
      double r = b[i];
      for (int j = 0; j < x.length; j++) {
        r -= a[i][j] * x[j];
      }
      for (int j = 0; j < x.length; j++) {
        w[j] += a[i][j] * r;
      }
    }
    return w;
  }

  private static double norm(double[] v) {
    return Math.sqrt(Arrays.stream(v).map(d -> d * d).sum());
  }
}
