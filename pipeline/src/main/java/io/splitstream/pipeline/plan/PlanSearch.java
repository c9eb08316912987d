package io.splitstream.pipeline.plan;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The {@link Planner}'s dynamic programme over one cost model. States after the first stage are
 * (next block, used set, previous stage's set), the two sets packed as one base-3 number: digit 0
 * unused, 1 used earlier, 2 used by the previous stage. The first stage starts from the host
 * instead.
 *
 * <p>Not thread-safe: it keeps scratch for the stage being evaluated; use one per planning call.
 */
final class PlanSearch {
  final CostModel cost;
  private final int n;
  private final int states3;
  /** The processors that may host a stage. */
  private final int online;
  private final int[] tern;
  private final int[] stateMask;
  private final int[] statePrev;
  /** Replica sets a stage may use, each with its members in table order. */
  private final int[] sets;
  private final int[][] members;
  // Scratch for the stage being evaluated (see prepare and stageMs).
  private final double[] times;
  private final double[][] prefixes;
  private final double[] transferIns;
  private final double[] outputs;
  private final double[] invocations;
  private int replicaCount;
  private int stageStart;

  /** A min-latency pass: its plan, and the best suffix latency of every state it computed. */
  record Best(double latencyMs, int processors, List<Plan.Placement> placements,
      double[] suffix) {}

  /**
   * What a latency budget rules out whatever the stage-time limit: a state is useful when the
   * fastest way to reach it plus the fastest way on from it fits the budget; {@code minPrefix}
   * (by position and previous set) and {@code minSuffix} (by position and the set just used)
   * bound a single stage the same way.
   */
  record Pruning(boolean[] useful, double[] minPrefix, double[] minSuffix, double bound) {}

  PlanSearch(CostModel cost, boolean replicas) {
    this.cost = cost;
    this.n = cost.blocks;
    int p = cost.procs;
    int full = 1 << p;
    this.tern = new int[full];
    int s3 = 1;
    for (int q = 0; q < p; q++) {
      s3 *= 3;
    }
    this.states3 = s3;
    for (int m = 1; m < full; m++) {
      int low = Integer.numberOfTrailingZeros(m);
      tern[m] = tern[m & (m - 1)] + pow3(low);
    }
    int online = 0;
    for (int q = 0; q < p; q++) {
      if (cost.online[q]) {
        online |= 1 << q;
      }
    }
    this.online = online;
    List<Integer> ms = new ArrayList<>();
    List<Integer> ps = new ArrayList<>();
    for (int mask = 1; mask < full; mask++) {
      if ((mask & ~online) != 0) {
        continue;
      }
      for (int prev = mask; prev != 0; prev = (prev - 1) & mask) {
        ms.add(mask);
        ps.add(prev);
      }
    }
    this.stateMask = ms.stream().mapToInt(Integer::intValue).toArray();
    this.statePrev = ps.stream().mapToInt(Integer::intValue).toArray();
    List<Integer> allowed = new ArrayList<>();
    for (int set = 1; set < full; set++) {
      if ((set & ~online) == 0 && (replicas || Integer.bitCount(set) == 1)) {
        allowed.add(set);
      }
    }
    this.sets = allowed.stream().mapToInt(Integer::intValue).toArray();
    this.members = new int[sets.length][];
    for (int i = 0; i < sets.length; i++) {
      int[] m = new int[Integer.bitCount(sets[i])];
      for (int q = 0, j = 0; q < p; q++) {
        if ((sets[i] & (1 << q)) != 0) {
          m[j++] = q;
        }
      }
      members[i] = m;
    }
    this.times = new double[p];
    this.prefixes = new double[p][];
    this.transferIns = new double[p];
    this.outputs = new double[p];
    this.invocations = new double[p];
  }

  private static int pow3(int e) {
    int r = 1;
    for (int i = 0; i < e; i++) {
      r *= 3;
    }
    return r;
  }

  private int code(int mask, int prev) {
    return tern[mask] + tern[prev];
  }

  /**
   * Readies {@link #stageMs} for set {@code setIndex} starting at block {@code a} after the
   * processors of {@code prev}; returns the last end block all its replicas run, {@code a} if none.
   */
  private int prepare(int setIndex, int a, int prev) {
    int[] m = members[setIndex];
    int end = n;
    for (int i = 0; i < m.length; i++) {
      int q = m[i];
      end = Math.min(end, cost.reach(q, a));
      prefixes[i] = cost.prefix(q);
      transferIns[i] = cost.transferInMs(a, q, prev);
      outputs[i] = cost.outputMs(q);
      invocations[i] = cost.invocationMs(q);
    }
    replicaCount = m.length;
    stageStart = a;
    return end;
  }

  /**
   * Per-frame time of the prepared stage ending before block {@code b}, which must be within the
   * reach {@link #prepare} returned; leaves each replica's time in {@link #times}. The arithmetic
   * is {@link CostModel#replicaMs}'s, so the plan built from the result predicts the same bits.
   */
  private double stageMs(int b) {
    boolean last = b == n;
    for (int i = 0; i < replicaCount; i++) {
      double[] prefix = prefixes[i];
      times[i] = transferIns[i] + ((prefix[b] - prefix[stageStart]) + invocations[i]) + (last ? outputs[i] : 0);
    }
    return CostModel.effectiveMs(times, replicaCount);
  }

  /** Latency of the stage just evaluated by {@link #stageMs}: its slowest replica. */
  private double lastLatency() {
    double worst = times[0];
    for (int i = 1; i < replicaCount; i++) {
      worst = Math.max(worst, times[i]);
    }
    return worst;
  }

  /** The smallest achievable slowest-stage time; infinite when no plan exists. */
  double minBottleneck() {
    double[] h = new double[(n + 1) * states3];
    Arrays.fill(h, Double.POSITIVE_INFINITY);
    for (int k = n - 1; k >= 1; k--) {
      for (int s = 0; s < stateMask.length; s++) {
        h[k * states3 + code(stateMask[s], statePrev[s])] =
            bottleneckFrom(h, k, stateMask[s], statePrev[s]);
      }
    }
    return bottleneckFrom(h, 0, 0, cost.startMask());
  }

  private double bottleneckFrom(double[] h, int k, int mask, int prev) {
    double best = Double.POSITIVE_INFINITY;
    for (int i = 0; i < sets.length; i++) {
      int set = sets[i];
      if ((set & mask) != 0) {
        continue;
      }
      int next = code(mask | set, set);
      int reach = prepare(i, k, prev);
      // With no processor left after this stage, it must run to the end.
      for (int b = (mask | set) == online ? n : k + 1; b <= reach; b++) {
        double ms = stageMs(b);
        // A longer stage is never faster, so nothing past here can beat best.
        if (ms >= best) {
          break;
        }
        double rest = b == n ? 0 : h[b * states3 + next];
        best = Math.min(best, Math.max(ms, rest));
      }
    }
    return best;
  }

  /**
   * The lowest-latency plan (then fewest processors) whose stages all take at most {@code limit};
   * null if none.
   */
  Best minLatency(double limit) {
    return minLatency(limit, null);
  }

  /** As {@link #minLatency(double)}, computing only states {@code useful} marks (all if null). */
  Best minLatency(double limit, boolean[] useful) {
    int size = (n + 1) * states3;
    double[] g = new double[size];
    int[] count = new int[size];
    int[] endOf = new int[size];
    int[] setOf = new int[size];
    Arrays.fill(g, Double.POSITIVE_INFINITY);
    for (int k = n - 1; k >= 1; k--) {
      for (int s = 0; s < stateMask.length; s++) {
        int at = k * states3 + code(stateMask[s], statePrev[s]);
        if (useful != null && !useful[at]) {
          continue; // its suffix stays infinite: no plan within the budget passes through it
        }
        latencyFrom(g, count, endOf, setOf, at, limit, k, stateMask[s], statePrev[s]);
      }
    }
    // The start state lives in slot 0 of position 0, which no other state uses.
    latencyFrom(g, count, endOf, setOf, 0, limit, 0, 0, cost.startMask());
    if (g[0] == Double.POSITIVE_INFINITY) {
      return null;
    }
    List<Plan.Placement> placements = new ArrayList<>();
    int at = 0;
    int k = 0;
    while (k < n) {
      int b = endOf[at];
      int set = sets[setOf[at]];
      List<String> ids = new ArrayList<>();
      for (int q : members[setOf[at]]) {
        ids.add(cost.ids[q]);
      }
      placements.add(new Plan.Placement(k, b, ids));
      int mask = k == 0 ? set : stateMaskOf(at - k * states3) | set;
      at = b * states3 + code(mask, set);
      k = b;
    }
    return new Best(g[0], count[0], placements, g);
  }

  private int stateMaskOf(int code) {
    // Digits 1 and 2 both mean "used".
    int mask = 0;
    for (int q = 0; code != 0; q++, code /= 3) {
      if (code % 3 != 0) {
        mask |= 1 << q;
      }
    }
    return mask;
  }

  private void latencyFrom(double[] g, int[] count, int[] endOf, int[] setOf, int at,
      double limit, int k, int mask, int prev) {
    double best = Double.POSITIVE_INFINITY;
    int bestCount = Integer.MAX_VALUE;
    for (int i = 0; i < sets.length; i++) {
      int set = sets[i];
      if ((set & mask) != 0) {
        continue;
      }
      int next = code(mask | set, set);
      int reach = prepare(i, k, prev);
      for (int b = (mask | set) == online ? n : k + 1; b <= reach; b++) {
        double ms = stageMs(b);
        double stageLatency = lastLatency();
        // Both only grow with b: past here every stage is too slow or already too late.
        if (ms > limit || stageLatency > best) {
          break;
        }
        double rest = 0;
        int restCount = 0;
        if (b < n) {
          rest = g[b * states3 + next];
          if (rest == Double.POSITIVE_INFINITY) {
            continue;
          }
          restCount = count[b * states3 + next];
        }
        double latency = stageLatency + rest;
        int used = members[i].length + restCount;
        if (latency < best || (latency == best && used < bestCount)) {
          best = latency;
          bestCount = used;
          endOf[at] = b;
          setOf[at] = i;
        }
      }
    }
    g[at] = best;
    count[at] = bestCount;
  }

  /**
   * Which states can lie on a plan within {@code budgetMs}, given {@code fastest}, the
   * unrestricted min-latency pass: a forward pass finds the fastest way to reach each state.
   * Sums are rounded differently forwards, so the bound keeps a little slack; pruning less
   * than possible is always safe.
   */
  Pruning pruning(Best fastest, double budgetMs) {
    double[] suffix = fastest.suffix();
    double bound = budgetMs + 1e-9 * Math.max(1, budgetMs);
    int size = (n + 1) * states3;
    double[] prefix = new double[size];
    Arrays.fill(prefix, Double.POSITIVE_INFINITY);
    prefix[0] = 0;
    for (int k = 0; k < n; k++) {
      for (int s = k == 0 ? -1 : 0; s < stateMask.length; s++) {
        int mask = s < 0 ? 0 : stateMask[s];
        int prev = s < 0 ? cost.startMask() : statePrev[s];
        int at = s < 0 ? 0 : k * states3 + code(mask, prev);
        double f = prefix[at];
        if (f == Double.POSITIVE_INFINITY || f + suffix[at] > bound) {
          continue;
        }
        for (int i = 0; i < sets.length; i++) {
          int set = sets[i];
          if ((set & mask) != 0) {
            continue;
          }
          int next = code(mask | set, set);
          int reach = prepare(i, k, prev);
          for (int b = (mask | set) == online ? n : k + 1; b < Math.min(reach + 1, n); b++) {
            stageMs(b);
            double reached = f + lastLatency();
            if (reached > bound) {
              break;
            }
            int to = b * states3 + next;
            if (reached + suffix[to] <= bound && reached < prefix[to]) {
              prefix[to] = reached;
            }
          }
        }
      }
    }
    boolean[] useful = new boolean[size];
    int sets2 = 1 << cost.procs;
    double[] minPrefix = new double[(n + 1) * sets2];
    double[] minSuffix = new double[(n + 1) * sets2];
    Arrays.fill(minPrefix, Double.POSITIVE_INFINITY);
    Arrays.fill(minSuffix, Double.POSITIVE_INFINITY);
    useful[0] = true;
    minPrefix[cost.startMask()] = 0;
    for (int k = 1; k < n; k++) {
      for (int s = 0; s < stateMask.length; s++) {
        int at = k * states3 + code(stateMask[s], statePrev[s]);
        useful[at] = prefix[at] + suffix[at] <= bound;
        int slot = k * sets2 + statePrev[s];
        minPrefix[slot] = Math.min(minPrefix[slot], prefix[at]);
        minSuffix[slot] = Math.min(minSuffix[slot], suffix[at]);
      }
    }
    for (int set = 0; set < sets2; set++) {
      minSuffix[n * sets2 + set] = 0;
    }
    return new Pruning(useful, minPrefix, minSuffix, bound);
  }

  /**
   * Every distinct stage time in {@code (low, high]}, ascending, of stages that can lie on a
   * plan within the budget of {@code pruning}.
   */
  double[] stageTimesIn(double low, double high, Pruning pruning) {
    int sets2 = 1 << cost.procs;
    double[] out = new double[1024];
    int count = 0;
    for (int a = 0; a < n; a++) {
      List<Integer> prevs = new ArrayList<>();
      if (a == 0) {
        prevs.add(cost.startMask());
      } else {
        for (int prev = online; prev != 0; prev = (prev - 1) & online) {
          prevs.add(prev);
        }
      }
      for (int prev : prevs) {
        double before = pruning.minPrefix()[a * sets2 + prev];
        if (before == Double.POSITIVE_INFINITY) {
          continue;
        }
        for (int i = 0; i < sets.length; i++) {
          if (a > 0 && (sets[i] & prev) != 0) {
            continue;
          }
          int reach = prepare(i, a, prev);
          // Stage times grow with b: skip by bisection to the first above low.
          int from = a + 1;
          int to = reach + 1;
          while (from < to) {
            int mid = (from + to) >>> 1;
            if (stageMs(mid) > low) {
              to = mid;
            } else {
              from = mid + 1;
            }
          }
          for (int b = from; b <= reach; b++) {
            double ms = stageMs(b);
            double reached = before + lastLatency();
            if (ms > high || reached > pruning.bound()) {
              break;
            }
            if (reached + pruning.minSuffix()[b * sets2 + sets[i]] > pruning.bound()) {
              continue;
            }
            if (count == out.length) {
              out = Arrays.copyOf(out, count * 2);
            }
            out[count++] = ms;
          }
        }
      }
    }
    double[] sorted = Arrays.copyOf(out, count);
    Arrays.sort(sorted);
    int unique = 0;
    for (int i = 0; i < sorted.length; i++) {
      if (unique == 0 || sorted[i] != sorted[unique - 1]) {
        sorted[unique++] = sorted[i];
      }
    }
    return Arrays.copyOf(sorted, unique);
  }

  Plan toPlan(Best best) {
    return Plan.of(cost, best.placements());
  }
}
