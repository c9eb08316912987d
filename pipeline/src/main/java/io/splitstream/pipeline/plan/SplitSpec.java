package io.splitstream.pipeline.plan;

import io.splitstream.devices.SplitstreamException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Reads a split string, the plan a person writes on the command line: stages separated by
 * {@code ,}, each {@code START:PROCESSOR} where {@code START} is the node index where the stage
 * begins and replicas are joined with {@code +}, e.g. {@code 0:cpu,37:gpu+npu}. The first
 * stage starts at 0, starts increase strictly, each start is a cut point of the profile (0 or a
 * block boundary), each processor exists, is online, hosts one stage at most and has every op of
 * its stage. {@link Plan#label()} writes this syntax. The word {@value #AUTO} asks for the planner
 * instead; callers test it with {@link #isAuto(String)} and call {@link Planner#plan}.
 *
 * <p>Stateless and thread-safe. Errors are one-line {@link SplitstreamException}s that quote the
 * split, name the bad part and say what to write instead.
 */
public final class SplitSpec {
  public static final String AUTO = "auto";

  private static final String SYNTAX =
      "write START:PROCESSOR per stage, replicas joined with '+', e.g. 0:cpu,37:npu+gpu";

  private SplitSpec() {}

  /** Whether {@code spec} asks the planner to choose ({@value #AUTO}, any case, blanks ignored). */
  public static boolean isAuto(String spec) {
    return spec != null && spec.trim().toLowerCase(Locale.ROOT).equals(AUTO);
  }

  /** The plan {@code spec} describes on fully available processors, epoch 0. */
  public static Plan parse(String spec, ProfileTable table) {
    return parse(spec, table, PlannerOptions.defaults());
  }

  /**
   * A split like {@code spec} that starts at 0: a first stage on a processor {@code spec} does not
   * use in front of it when {@code start} is a cut point and one is free, else {@code spec} with its
   * first start moved to 0 (each processor hosts one stage, so {@code 0:cpu,5:cpu} would not do).
   */
  private static String startingAtZero(String spec, int start, ProfileTable table, CostModel cost) {
    Set<String> named = new HashSet<>();
    for (String part : spec.split(",")) {
      int colon = part.indexOf(':');
      for (String id : part.substring(colon + 1).split("\\+")) {
        named.add(id.trim());
      }
    }
    if (table.cutPoints().contains(start)) {
      for (int q = 0; q < cost.ids.length; q++) {
        if (!named.contains(cost.ids[q]) && cost.online[q]) {
          return "0:" + cost.ids[q] + "," + spec.trim();
        }
      }
    }
    String first = spec.trim();
    return "0" + first.substring(first.indexOf(':'));
  }

  /**
   * The plan {@code spec} describes, with times under {@code options}' availability, epoch 0.
   *
   * @throws SplitstreamException naming the bad part of {@code spec} and the remedy
   */
  public static Plan parse(String spec, ProfileTable table, PlannerOptions options) {
    Objects.requireNonNull(spec, "spec");
    CostModel cost = new CostModel(table, options);
    String bad = "split '" + spec + "': ";
    if (spec.isBlank()) {
      throw new SplitstreamException(bad + "is empty; " + SYNTAX + ", or 'auto'");
    }
    if (isAuto(spec)) {
      throw new SplitstreamException(bad + "'auto' asks the planner to choose, it is not a split;"
          + " call Planner.plan for it");
    }
    String[] parts = spec.split(",", -1);
    List<Integer> starts = new ArrayList<>();
    List<List<String>> procs = new ArrayList<>();
    Set<String> used = new HashSet<>();
    for (int i = 0; i < parts.length; i++) {
      String part = parts[i].trim();
      if (part.isEmpty()) {
        throw new SplitstreamException(bad + "stage " + (i + 1) + " is empty (a stray comma?); "
            + SYNTAX);
      }
      int colon = part.indexOf(':');
      if (colon < 0 || colon != part.lastIndexOf(':')) {
        throw new SplitstreamException(bad + "'" + part + "' is not START:PROCESSOR; " + SYNTAX);
      }
      String startText = part.substring(0, colon).trim();
      int start;
      try {
        start = Integer.parseInt(startText);
      } catch (NumberFormatException e) {
        throw new SplitstreamException(bad + "'" + startText + "' in '" + part + "' is not a node"
            + " index; START is the node where the stage begins, e.g. 0 or 37");
      }
      if (i == 0 && start != 0) {
        throw new SplitstreamException(bad + "the first stage starts at node " + start
            + "; it must start at 0, e.g. " + startingAtZero(spec, start, table, cost));
      }
      if (i > 0 && start <= starts.get(i - 1)) {
        throw new SplitstreamException(bad + "stage '" + part + "' starts at " + start
            + ", not after the stage before it (" + starts.get(i - 1) + "); starts must increase"
            + " strictly");
      }
      if (table.blockStartingAt(start).isEmpty()) {
        throw new SplitstreamException(bad + start + " is not a cut point of " + table.model()
            + "; valid cut points include " + near(table.cutPoints(), start)
            + " (see ./splitstream profile)");
      }
      String[] names = part.substring(colon + 1).split("\\+", -1);
      List<String> ids = new ArrayList<>();
      for (String raw : names) {
        String id = raw.trim();
        if (id.isEmpty()) {
          throw new SplitstreamException(bad + "'" + part + "' has an empty processor name; "
              + SYNTAX);
        }
        int q = cost.indexOf(id);
        if (q < 0) {
          throw new SplitstreamException(bad + "no processor '" + id + "' in the profile of "
              + table.model() + "; it has " + String.join(", ", cost.ids));
        }
        if (!used.add(id)) {
          throw new SplitstreamException(bad + "processor '" + id + "' is used more than once;"
              + " each processor hosts one stage, so pick another one or merge the stages");
        }
        if (!cost.online[q]) {
          throw new SplitstreamException(bad + "processor '" + id + "' is offline; pick another"
              + " one for '" + part + "'");
        }
        ids.add(id);
      }
      if (ids.size() > 1 && !options.allowReplicas()) {
        throw new SplitstreamException(bad + "'" + part + "' has replicas but replicas are"
            + " disabled; name one processor per stage");
      }
      starts.add(start);
      procs.add(ids);
    }
    List<Plan.Placement> placements = new ArrayList<>();
    for (int i = 0; i < starts.size(); i++) {
      int a = table.blockStartingAt(starts.get(i)).getAsInt();
      int b = i + 1 < starts.size() ? table.blockStartingAt(starts.get(i + 1)).getAsInt()
          : table.blockCount();
      for (String id : procs.get(i)) {
        OptionalInt lacking = firstUnsupported(cost, cost.indexOf(id), a, b);
        if (lacking.isPresent()) {
          ProfileTable.Block block = table.blocks().get(lacking.getAsInt());
          String ops = block.opTypes().isEmpty() ? ""
              : " (ops " + String.join(", ", block.opTypes()) + ")";
          throw new SplitstreamException(bad + id + " lacks an op of " + block.describeRange()
              + ops + " in stage '" + parts[i].trim() + "'; put those nodes on "
              + supporters(cost, lacking.getAsInt()));
        }
      }
      placements.add(new Plan.Placement(a, b, procs.get(i)));
    }
    return Plan.of(cost, placements);
  }

  private static OptionalInt firstUnsupported(CostModel cost, int q, int a, int b) {
    for (int k = a; k < b; k++) {
      if (!cost.supportsBlock(q, k)) {
        return OptionalInt.of(k);
      }
    }
    return OptionalInt.empty();
  }

  private static String supporters(CostModel cost, int block) {
    List<String> ids = new ArrayList<>();
    for (int q = 0; q < cost.procs; q++) {
      if (cost.online[q] && cost.supportsBlock(q, block)) {
        ids.add(cost.ids[q]);
      }
    }
    return ids.isEmpty() ? "a processor that has all their ops (none available has)"
        : "a processor that has all their ops (" + String.join(", ", ids) + ")";
  }

  /** Up to three cut points either side of {@code node}, with "..." where more exist. */
  private static String near(List<Integer> cuts, int node) {
    int firstAbove = 0;
    while (firstAbove < cuts.size() && cuts.get(firstAbove) < node) {
      firstAbove++;
    }
    int from = Math.max(0, firstAbove - 3);
    int to = Math.min(cuts.size(), firstAbove + 3);
    String shown = cuts.subList(from, to).stream().map(String::valueOf)
        .collect(Collectors.joining(", "));
    return (from > 0 ? "..., " : "") + shown + (to < cuts.size() ? ", ..." : "");
  }
}
