package io.splitstream.pipeline.plan;

import io.splitstream.devices.SplitstreamException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Chooses where each block of a model runs: the contiguous split and processor assignment with the
 * highest predicted throughput (smallest slowest-stage time, transfers counted), and among those
 * the lowest predicted latency, then the fewest processors; optionally subject to an end-to-end
 * latency budget. Predictions follow the model documented on {@link Plan}.
 *
 * <p>Optimal over all contiguous splits, assignments and (when allowed) replica sets, by dynamic
 * programming over (next block, processors used so far, processors of the previous stage): the
 * previous stage's processors matter because they decide the transfer into the next one. First a
 * min-max pass finds the smallest achievable bottleneck {@code T}; then a min-latency pass over
 * stages no slower than {@code T} picks the plan. With a budget that plan may be too slow; then
 * the answer is the smallest stage time {@code T' > T} whose min-latency pass meets the budget,
 * found by binary search over the finitely many stage times (the best latency only falls as {@code
 * T'} grows); states and stage times that cannot lie on any plan within the budget are pruned
 * first. A pass costs at most about {@code B^2 * 4^P / 2} stage evaluations for {@code B} blocks
 * and {@code P} processors ({@code B^2 * 3^P} without replicas); bounds cut most of them.
 *
 * <p>Stateless and thread-safe. Every failure is a one-line {@link SplitstreamException} saying why
 * no plan exists.
 */
public final class Planner {
  private Planner() {}

  /**
   * The best plan for {@code table}, epoch 0.
   *
   * @param latencyBudget when present, the plan's predicted latency is at most this
   * @throws SplitstreamException when no plan exists: a block no available processor supports,
   *     more stages needed than processors, or a budget below the lowest achievable latency (the
   *     message gives that latency)
   */
  public static Plan plan(ProfileTable table, Optional<Duration> latencyBudget,
      PlannerOptions options) {
    Objects.requireNonNull(latencyBudget, "latencyBudget");
    double budgetMs = latencyBudget.map(Planner::budgetMs).orElse(Double.POSITIVE_INFINITY);
    PlanSearch s = new PlanSearch(new CostModel(table, options), options.allowReplicas());
    double floor = s.minBottleneck();
    if (floor == Double.POSITIVE_INFINITY) {
      throw new SplitstreamException(whyNoPlan(s.cost));
    }
    PlanSearch.Best best = s.minLatency(floor);
    if (best.latencyMs() <= budgetMs) {
      return s.toPlan(best);
    }
    PlanSearch.Best fastest = s.minLatency(Double.POSITIVE_INFINITY);
    if (fastest.latencyMs() > budgetMs) {
      Plan p = s.toPlan(fastest);
      throw new SplitstreamException(String.format(Locale.ROOT, "no plan for %s meets the latency"
          + " budget of %.3f ms: the lowest achievable latency is %.3f ms (split %s); raise the"
          + " budget to at least that", table.model(), budgetMs, p.latencyMs(), p.label()));
    }
    double ceiling = s.toPlan(fastest).bottleneckMs();
    PlanSearch.Pruning pruning = s.pruning(fastest, budgetMs);
    double[] candidates = s.stageTimesIn(floor, ceiling, pruning);
    if (candidates.length == 0) {
      return s.toPlan(fastest);
    }
    // The last candidate is the ceiling, which meets the budget: find the first that does.
    int lo = 0;
    int hi = candidates.length - 1;
    PlanSearch.Best atHi = null;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      PlanSearch.Best b = s.minLatency(candidates[mid], pruning.useful());
      if (b != null && b.latencyMs() <= budgetMs) {
        hi = mid;
        atHi = b;
      } else {
        lo = mid + 1;
      }
    }
    PlanSearch.Best found = atHi != null ? atHi : s.minLatency(candidates[hi], pruning.useful());
    return s.toPlan(found);
  }

  /** {@link #plan} with default options: replicas allowed, every processor fully available. */
  public static Plan plan(ProfileTable table, Optional<Duration> latencyBudget) {
    return plan(table, latencyBudget, PlannerOptions.defaults());
  }

  /**
   * The plan with the lowest predicted latency whatever its throughput (ties: fewest processors):
   * what a latency budget can at best be met with.
   *
   * @throws SplitstreamException when no plan exists at all
   */
  public static Plan lowestLatency(ProfileTable table, PlannerOptions options) {
    PlanSearch s = new PlanSearch(new CostModel(table, options), options.allowReplicas());
    PlanSearch.Best best = s.minLatency(Double.POSITIVE_INFINITY);
    if (best == null) {
      throw new SplitstreamException(whyNoPlan(s.cost));
    }
    return s.toPlan(best);
  }

  /** The fastest plan that runs the whole model on one processor, for comparison. */
  public static Plan bestSingle(ProfileTable table) {
    return bestSingle(table, PlannerOptions.defaults());
  }

  /**
   * The fastest plan that runs the whole model on one available processor (no replicas).
   *
   * @throws SplitstreamException when no available processor supports every block
   */
  public static Plan bestSingle(ProfileTable table, PlannerOptions options) {
    CostModel cost = new CostModel(table, options);
    Plan best = null;
    List<String> why = new ArrayList<>();
    for (int q = 0; q < cost.procs; q++) {
      if (!cost.online[q]) {
        why.add(cost.ids[q] + " is offline");
        continue;
      }
      int lacking = firstUnsupported(cost, q);
      if (lacking >= 0) {
        why.add(cost.ids[q] + " lacks an op of block " + lacking);
        continue;
      }
      Plan p = Plan.of(cost, List.of(Plan.Placement.of(0, cost.blocks, cost.ids[q])));
      if (best == null || p.bottleneckMs() < best.bottleneckMs()) {
        best = p;
      }
    }
    if (best == null) {
      throw new SplitstreamException("no single processor runs all of " + table.model() + " ("
          + String.join("; ", why) + "); split it with Planner.plan or --split");
    }
    return best;
  }

  private static int firstUnsupported(CostModel cost, int q) {
    for (int k = 0; k < cost.blocks; k++) {
      if (!cost.supportsBlock(q, k)) {
        return k;
      }
    }
    return -1;
  }

  static double budgetMs(Duration d) {
    if (d.isNegative() || d.isZero()) {
      throw new SplitstreamException("latency budget " + d + " is not positive; give a budget above"
          + " zero or none");
    }
    return d.toNanos() / 1e6;
  }

  private static String whyNoPlan(CostModel cost) {
    ProfileTable table = cost.table;
    for (int k = 0; k < cost.blocks; k++) {
      boolean runs = false;
      List<String> offline = new ArrayList<>();
      for (int q = 0; q < cost.procs; q++) {
        if (cost.supportsBlock(q, k)) {
          if (cost.online[q]) {
            runs = true;
          } else {
            offline.add(cost.ids[q]);
          }
        }
      }
      if (!runs) {
        ProfileTable.Block b = table.blocks().get(k);
        String ops = b.opTypes().isEmpty() ? "" : " (ops " + String.join(", ", b.opTypes()) + ")";
        return "no plan for " + table.model() + ": " + b.describeRange() + ops
            + " runs on no available processor"
            + (offline.isEmpty() ? "; profile it on a processor that has all its ops"
                : "; only " + String.join(", ", offline) + " support it and are offline");
      }
    }
    return "no plan for " + table.model() + ": its blocks alternate between processors more often"
        + " than there are processors, and each processor hosts one stage; profile it on a"
        + " processor that supports more of its ops";
  }
}
