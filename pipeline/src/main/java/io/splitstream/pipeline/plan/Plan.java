package io.splitstream.pipeline.plan;

import io.splitstream.devices.SplitstreamException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Where each segment of a model runs, and what that is predicted to give: the model cut into
 * contiguous stages, each on one processor or on several replicas (data parallel: each frame goes
 * to one of them). A new plan is a new {@link #epoch()}; a plan never changes.
 *
 * <p>The prediction model (all times in milliseconds per frame, measured per invocation):
 *
 * <ul>
 *   <li>A replica's time is transfer in + compute + transfer out. Transfer in moves the stage's
 *       input tensors from the previous stage's processor (with several replicas there, the
 *       slowest of those links is charged) or, for the first stage, from the host processor {@value
 *       ProfileTable#HOST} (free when the table has none); transfer out moves the model's output
 *       back to the host and is charged to the last stage only.
 *   <li>A stage's time per frame {@link Stage#ms()} is its replica's time; with several replicas,
 *       whose rates add up, {@code 1 / sum(1 / t_i)}. It bounds throughput.
 *   <li>A stage's latency {@link Stage#latencyMs()} is its slowest replica's time: a frame may land
 *       on that one.
 *   <li>Stages form a pipeline: throughput is set by the slowest stage ({@link #bottleneck()}),
 *       {@code 1000 / ms} frames per second; latency is the sum of the stage latencies, without any
 *       queueing.
 * </ul>
 *
 * <p>Each processor hosts at most one stage: a processor serves one stage's frames at a time.
 * Immutable and thread-safe.
 *
 * @param epoch sequence number of the plan; the planner returns epoch 0, the controller numbers
 *     them with {@link #withEpoch(long)}
 * @param model the model's name
 * @param stages in order, covering every node of the model once
 */
public record Plan(long epoch, String model, List<Stage> stages) {

  /**
   * One processor running one stage, and its predicted times per frame.
   *
   * @param transferOutMs moving the model's output to the host; 0 except in the last stage
   */
  public record Replica(String processor, double transferInMs, double computeMs,
      double transferOutMs) {
    public Replica {
      Objects.requireNonNull(processor, "processor");
    }

    public double transferMs() {
      return transferInMs + transferOutMs;
    }

    /** Time one frame spends on this replica: transfer in + compute + transfer out. */
    public double totalMs() {
      return transferInMs + computeMs + transferOutMs;
    }
  }

  /**
   * Nodes {@code [firstNode, endNode)} (blocks {@code [firstBlock, endBlock)} of the profile) run
   * on the processors of {@code replicas}.
   */
  public record Stage(int index, int firstBlock, int endBlock, int firstNode, int endNode,
      List<Replica> replicas) {
    public Stage {
      replicas = List.copyOf(replicas);
      if (replicas.isEmpty()) {
        throw new IllegalArgumentException("stage " + index + " runs on no processor");
      }
      if (endBlock <= firstBlock || endNode <= firstNode) {
        throw new IllegalArgumentException("stage " + index + " is empty");
      }
    }

    /** Processor ids, in the order given; more than one means replicas. */
    public List<String> processors() {
      return replicas.stream().map(Replica::processor).collect(Collectors.toUnmodifiableList());
    }

    public boolean replicated() {
      return replicas.size() > 1;
    }

    /** Time per frame, bounding throughput: {@code 1 / sum(1 / t_i)} over the replicas. */
    public double ms() {
      double[] t = new double[replicas.size()];
      for (int i = 0; i < t.length; i++) {
        t[i] = replicas.get(i).totalMs();
      }
      return CostModel.effectiveMs(t, t.length);
    }

    /** Time one frame spends in the stage at worst: its slowest replica's. */
    public double latencyMs() {
      double worst = 0;
      for (Replica r : replicas) {
        worst = Math.max(worst, r.totalMs());
      }
      return worst;
    }

    /** This stage in the split-string syntax, e.g. {@code 37:gpu+npu}; replicas as {@link #replicasLabel}. */
    public String label() {
      return firstNode + ":" + replicasLabel(processors());
    }
  }

  /**
   * A stage as a caller chooses it, before its times are predicted: blocks {@code [firstBlock,
   * endBlock)} on {@code processors}.
   */
  public record Placement(int firstBlock, int endBlock, List<String> processors) {
    public Placement {
      processors = List.copyOf(processors);
    }

    public static Placement of(int firstBlock, int endBlock, String... processors) {
      return new Placement(firstBlock, endBlock, List.of(processors));
    }
  }

  public Plan {
    Objects.requireNonNull(model, "model");
    stages = List.copyOf(stages);
    if (stages.isEmpty()) {
      throw new IllegalArgumentException("a plan has at least one stage");
    }
    Set<String> used = new HashSet<>();
    for (int i = 0; i < stages.size(); i++) {
      Stage s = stages.get(i);
      if (s.index() != i) {
        throw new IllegalArgumentException("stage at position " + i + " has index " + s.index());
      }
      if (i == 0 ? s.firstBlock() != 0 || s.firstNode() != 0
          : s.firstBlock() != stages.get(i - 1).endBlock()
              || s.firstNode() != stages.get(i - 1).endNode()) {
        throw new IllegalArgumentException("stage " + i + " does not start where the one before"
            + " it ends");
      }
      for (String p : s.processors()) {
        if (!used.add(p)) {
          throw new IllegalArgumentException("processor " + p + " hosts more than one stage");
        }
      }
    }
  }

  /** Predicts the times of {@code placements} on fully available processors. */
  public static Plan of(ProfileTable table, List<Placement> placements) {
    return of(table, placements, PlannerOptions.defaults());
  }

  /**
   * Predicts the times of {@code placements} under {@code options}' availability (its replica
   * switch is not consulted: the placements say what runs where). Epoch 0.
   *
   * @throws SplitstreamException when the placements do not cover the model in order, name an
   *     unknown or offline processor, use a processor twice, or put a block on a processor that
   *     lacks one of its ops
   */
  public static Plan of(ProfileTable table, List<Placement> placements, PlannerOptions options) {
    return of(new CostModel(table, options), placements);
  }

  static Plan of(CostModel cost, List<Placement> placements) {
    ProfileTable table = cost.table;
    String of = "plan for " + table.model() + ": ";
    if (placements.isEmpty()) {
      throw new SplitstreamException(of + "no stages; give at least one");
    }
    List<Stage> stages = new ArrayList<>(placements.size());
    Set<String> used = new HashSet<>();
    int prevMask = cost.startMask();
    int expected = 0;
    for (int i = 0; i < placements.size(); i++) {
      Placement pl = placements.get(i);
      int a = pl.firstBlock();
      int b = pl.endBlock();
      if (a != expected || b <= a || b > cost.blocks) {
        throw new SplitstreamException(of + "stage " + i + " covers blocks [" + a + "," + b
            + ") but must start at block " + expected + " and end after it, by block "
            + cost.blocks + " at the latest");
      }
      if (i == placements.size() - 1 && b != cost.blocks) {
        throw new SplitstreamException(of + "the stages end at block " + b + " but the model has "
            + cost.blocks + " blocks; the last stage must reach the end");
      }
      if (pl.processors().isEmpty()) {
        throw new SplitstreamException(of + "stage " + i + " names no processor");
      }
      List<Replica> replicas = new ArrayList<>();
      int mask = 0;
      for (String id : pl.processors()) {
        int q = cost.indexOf(id);
        if (q < 0) {
          throw new SplitstreamException(of + "no processor '" + id + "' in the profile; it has "
              + String.join(", ", cost.ids));
        }
        if (!used.add(id)) {
          throw new SplitstreamException(of + "processor '" + id + "' hosts more than one stage;"
              + " each processor runs one stage");
        }
        if (!cost.online[q]) {
          throw new SplitstreamException(of + "processor '" + id + "' is offline; place stage "
              + i + " elsewhere");
        }
        for (int k = a; k < b; k++) {
          if (!cost.supportsBlock(q, k)) {
            throw new SplitstreamException(of + "'" + id + "' lacks an op of "
                + table.blocks().get(k).describeRange() + "; place those nodes on another"
                + " processor");
          }
        }
        replicas.add(new Replica(id, cost.transferInMs(a, q, prevMask), cost.computeMs(q, a, b),
            cost.transferOutMs(q, b)));
        mask |= 1 << q;
      }
      stages.add(new Stage(i, a, b, table.blocks().get(a).firstNode(),
          table.blocks().get(b - 1).endNode(), replicas));
      prevMask = mask;
      expected = b;
    }
    return new Plan(0, table.model(), stages);
  }

  /** The same stages under another epoch number. */
  public Plan withEpoch(long epoch) {
    return new Plan(epoch, model, stages);
  }

  /** Time per frame of the slowest stage. */
  public double bottleneckMs() {
    return bottleneck().ms();
  }

  /** The slowest stage (the first of equals). */
  public Stage bottleneck() {
    Stage worst = stages.get(0);
    for (Stage s : stages) {
      if (s.ms() > worst.ms()) {
        worst = s;
      }
    }
    return worst;
  }

  /** Predicted frames per second: one over the slowest stage's time (infinite if it is 0). */
  public double throughputFps() {
    double ms = bottleneckMs();
    return ms > 0 ? 1000.0 / ms : Double.POSITIVE_INFINITY;
  }

  /** Predicted end-to-end milliseconds of one frame: the stage latencies added, no queueing. */
  public double latencyMs() {
    // Summed from the last stage back, the order the planner's recursion adds them in, so the
    // figure equals the one it compared with the latency budget, to the last bit.
    double total = 0;
    for (int i = stages.size() - 1; i >= 0; i--) {
      total = stages.get(i).latencyMs() + total;
    }
    return total;
  }

  /** Every processor the plan uses, in stage order. */
  public Set<String> processors() {
    Set<String> all = new LinkedHashSet<>();
    stages.forEach(s -> all.addAll(s.processors()));
    return all;
  }

  /** Node indices where stages 1.. start: the cuts of the model. */
  public List<Integer> cutNodes() {
    return stages.stream().skip(1).map(Stage::firstNode).collect(Collectors.toUnmodifiableList());
  }

  /** The plan in the split-string syntax {@link SplitSpec#parse} reads: {@code 0:cpu,37:gpu+npu}. */
  public String label() {
    return stages.stream().map(Stage::label).collect(Collectors.joining(","));
  }

  /**
   * The one way a stage's replicas are written, everywhere (plans, the run summary, decisions):
   * processor ids joined with {@code +} in name order, so the same set reads the same whatever
   * order a caller gave or a pipeline serves them in (fastest first).
   */
  public static String replicasLabel(java.util.Collection<String> processorIds) {
    return processorIds.stream().sorted().collect(Collectors.joining("+"));
  }

  /** A table for people: one row per replica, then throughput and latency. */
  public String describe() {
    StringBuilder sb = new StringBuilder();
    String nl = System.lineSeparator();
    sb.append(String.format(Locale.ROOT, "plan epoch %d for %s: %s%n", epoch, model, label()));
    sb.append(String.format(Locale.ROOT, "%-6s %-14s %-10s %11s %12s %9s%n", "stage", "nodes",
        "processor", "compute ms", "transfer ms", "stage ms"));
    for (Stage s : stages) {
      boolean first = true;
      for (Replica r : s.replicas()) {
        sb.append(String.format(Locale.ROOT, "%-6s %-14s %-10s %11.3f %12.3f %9.3f%n",
            first ? Integer.toString(s.index()) : "",
            first ? "[" + s.firstNode() + "," + s.endNode() + ")" : "", r.processor(),
            r.computeMs(), r.transferMs(), r.totalMs()));
        first = false;
      }
      if (s.replicated()) {
        sb.append(String.format(Locale.ROOT, "%-6s %-14s %d replicas: %.3f ms per frame, %.3f ms"
            + " latency%n", "", "", s.replicas().size(), s.ms(), s.latencyMs()));
      }
    }
    Stage b = bottleneck();
    sb.append(String.format(Locale.ROOT, "throughput %.1f frames/s (bottleneck: stage %d, %.3f ms"
        + " per frame); latency %.3f ms without queueing", throughputFps(), b.index(), b.ms(),
        latencyMs()));
    sb.append(nl);
    return sb.toString();
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "Plan[epoch %d, %s: %s, %.1f frames/s, %.3f ms]", epoch,
        model,
        label(), throughputFps(), latencyMs());
  }
}
