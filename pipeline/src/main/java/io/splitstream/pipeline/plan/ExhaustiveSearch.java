package io.splitstream.pipeline.plan;

import io.splitstream.devices.SplitstreamException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Brute force over every contiguous split, processor assignment and replica set, ranked like the
 * {@link Planner} ranks plans (slowest stage, then latency, then processor count). Exponential:
 * it exists to check the planner on small tables and to tell how far a plan is from the best.
 *
 * <p>Stateless and thread-safe.
 */
public final class ExhaustiveSearch {
  /** Beyond this many blocks the search takes too long to be of use. */
  public static final int MAX_BLOCKS = 16;

  private ExhaustiveSearch() {}

  /**
   * The best plan, or empty when none exists (a block no available processor supports, too few
   * processors, or a budget no plan meets).
   *
   * @throws SplitstreamException when the table has more than {@link #MAX_BLOCKS} blocks
   */
  public static Optional<Plan> best(ProfileTable table, Optional<Duration> latencyBudget,
      PlannerOptions options) {
    Objects.requireNonNull(latencyBudget, "latencyBudget");
    if (table.blockCount() > MAX_BLOCKS) {
      throw new SplitstreamException("exhaustive search handles at most " + MAX_BLOCKS
          + " blocks but the profile of " + table.model() + " has " + table.blockCount()
          + "; use Planner.plan, or profile with fewer cut points");
    }
    double budgetMs = latencyBudget.map(Planner::budgetMs).orElse(Double.POSITIVE_INFINITY);
    Walk walk = new Walk(new CostModel(table, options), options.allowReplicas(), budgetMs);
    walk.from(0, 0, new ArrayList<>());
    return Optional.ofNullable(walk.best);
  }

  private static final class Walk {
    final CostModel cost;
    final boolean replicas;
    final double budgetMs;
    Plan best;

    Walk(CostModel cost, boolean replicas, double budgetMs) {
      this.cost = cost;
      this.replicas = replicas;
      this.budgetMs = budgetMs;
    }

    void from(int a, int used, List<Plan.Placement> placed) {
      if (a == cost.blocks) {
        consider(Plan.of(cost, placed));
        return;
      }
      for (int b = a + 1; b <= cost.blocks; b++) {
        for (int set = 1; set < (1 << cost.procs); set++) {
          if ((set & used) != 0 || (!replicas && Integer.bitCount(set) != 1)) {
            continue;
          }
          List<String> ids = new ArrayList<>();
          boolean runs = true;
          for (int q = 0; q < cost.procs; q++) {
            if ((set & (1 << q)) != 0) {
              runs &= cost.runs(q, a, b);
              ids.add(cost.ids[q]);
            }
          }
          if (runs) {
            placed.add(new Plan.Placement(a, b, ids));
            from(b, used | set, placed);
            placed.remove(placed.size() - 1);
          }
        }
      }
    }

    void consider(Plan p) {
      if (p.latencyMs() > budgetMs) {
        return;
      }
      if (best == null || better(p, best)) {
        best = p;
      }
    }

    static boolean better(Plan p, Plan than) {
      if (p.bottleneckMs() != than.bottleneckMs()) {
        return p.bottleneckMs() < than.bottleneckMs();
      }
      if (p.latencyMs() != than.latencyMs()) {
        return p.latencyMs() < than.latencyMs();
      }
      return p.processors().size() < than.processors().size();
    }
  }
}
