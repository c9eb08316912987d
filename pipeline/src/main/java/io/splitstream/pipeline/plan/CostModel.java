package io.splitstream.pipeline.plan;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.processor.Availability;
import java.util.Arrays;
import java.util.OptionalDouble;

/**
 * The one place stage times are computed, shared by {@link Plan#of}, the {@link Planner} and
 * {@link ExhaustiveSearch}, so that a plan's predicted figures are bit for bit those the search
 * optimised. Processors are numbered in table order and sets of them are bit masks.
 *
 * <p>A replica's time is {@code transferIn + compute + transferOut}: transfer in moves the stage's
 * input from the previous stage (worst replica of it) or, for the first stage, from the host;
 * transfer out is only charged to the last stage, moving the model's output to the host.
 */
final class CostModel {
  /** Bit masks are ints and the planner's state grows as 3^P: keep P small. */
  static final int MAX_PROCESSORS = 8;

  final ProfileTable table;
  final int blocks;
  final int procs;
  final String[] ids;
  /** Index of the host processor, -1 when the table has none (then input and output move free). */
  final int host;
  final boolean[] online;
  private final double[][] prefixMs;
  private final int[][] prefixUnsupported;
  private final int[][] reach;
  private final double[] transferIn;
  private final double[] transferOut;
  private final double[] invocation;
  private final double[][] linkLatency;
  private final double[][] linkBytesPerMs;

  CostModel(ProfileTable table, PlannerOptions options) {
    this.table = table;
    this.blocks = table.blockCount();
    this.procs = table.processors().size();
    if (procs > MAX_PROCESSORS) {
      throw new SplitstreamException("the profile of " + table.model() + " lists " + procs
          + " processors; the planner handles at most " + MAX_PROCESSORS
          + ", profile fewer processors");
    }
    this.ids = table.processorIds().toArray(String[]::new);
    for (String id : options.availability().keySet()) {
      if (indexOf(id) < 0) {
        throw new SplitstreamException("availability is given for processor '" + id
            + "', which the profile of " + table.model() + " does not list ("
            + String.join(", ", ids) + "); profile it or leave it out");
      }
    }
    this.host = indexOf(ProfileTable.HOST);
    this.online = new boolean[procs];
    this.prefixMs = new double[procs][blocks + 1];
    this.prefixUnsupported = new int[procs][blocks + 1];
    for (int q = 0; q < procs; q++) {
      Availability.State state = options.availabilityOf(ids[q]);
      online[q] = state.online();
      double speed = state.speedFactor();
      for (int k = 0; k < blocks; k++) {
        OptionalDouble ms = table.blocks().get(k).ms(ids[q]);
        boolean runs = ms.isPresent();
        // A block the processor lacks adds nothing to the sum; the unsupported count rules it out.
        prefixMs[q][k + 1] = prefixMs[q][k] + (runs ? ms.getAsDouble() / speed : 0.0);
        prefixUnsupported[q][k + 1] = prefixUnsupported[q][k] + (runs ? 0 : 1);
      }
    }
    this.reach = new int[procs][blocks + 1];
    for (int q = 0; q < procs; q++) {
      reach[q][blocks] = blocks;
      for (int k = blocks - 1; k >= 0; k--) {
        reach[q][k] = online[q] && supportsBlock(q, k) ? reach[q][k + 1] : k;
      }
    }
    this.linkLatency = new double[procs][procs];
    this.linkBytesPerMs = new double[procs][procs];
    for (double[] row : linkBytesPerMs) {
      Arrays.fill(row, Double.NaN);
    }
    for (ProfileTable.Link l : table.links()) {
      linkLatency[indexOf(l.from())][indexOf(l.to())] = l.latencyMs();
      linkBytesPerMs[indexOf(l.from())][indexOf(l.to())] = l.bytesPerMs();
    }
    int sets = 1 << procs;
    this.transferIn = new double[blocks * procs * sets];
    for (int a = 0; a < blocks; a++) {
      long bytes = table.bytesInto(a);
      for (int q = 0; q < procs; q++) {
        for (int prev = 1; prev < sets; prev++) {
          double worst = 0;
          for (int r = 0; r < procs; r++) {
            if ((prev & (1 << r)) != 0) {
              worst = Math.max(worst, transferMs(r, q, bytes));
            }
          }
          transferIn[(a * procs + q) * sets + prev] = worst;
        }
      }
    }
    this.transferOut = new double[procs];
    this.invocation = new double[procs];
    for (int q = 0; q < procs; q++) {
      invocation[q] = table.processors().get(q).invocationMs() / options.availabilityOf(ids[q]).speedFactor();
    }
    for (int q = 0; q < procs; q++) {
      transferOut[q] = host < 0 ? 0 : transferMs(q, host, table.outputBytes());
    }
  }

  int indexOf(String id) {
    for (int q = 0; q < ids.length; q++) {
      if (ids[q].equals(id)) {
        return q;
      }
    }
    return -1;
  }

  /** Where the first stage's input comes from: the host, or nowhere (free) without one. */
  int startMask() {
    return host < 0 ? 0 : 1 << host;
  }

  /** Whether processor {@code q} is online and has every op of blocks {@code [a, b)}. */
  boolean runs(int q, int a, int b) {
    return online[q] && prefixUnsupported[q][b] == prefixUnsupported[q][a];
  }

  /** Whether block {@code k} alone is supported by {@code q}, ignoring availability. */
  boolean supportsBlock(int q, int k) {
    return prefixUnsupported[q][k + 1] == prefixUnsupported[q][k];
  }

  /** The largest {@code b} such that {@code q} runs blocks {@code [a, b)}; {@code a} if none. */
  int reach(int q, int a) {
    return reach[q][a];
  }

  /**
   * Prefix sums of {@code q}'s block times: {@code computeMs(q, a, b) == prefix[b] - prefix[a]}.
   * The planner's inner loop reads it directly; nobody writes it.
   */
  double[] prefix(int q) {
    return prefixMs[q];
  }

  /** Moving the model's output from {@code q} to the host. */
  double outputMs(int q) {
    return transferOut[q];
  }

  /** Blocks {@code [a, b)} on {@code q} in one invocation: their times plus one invocation cost. */
  double computeMs(int q, int a, int b) {
    return (prefixMs[q][b] - prefixMs[q][a]) + invocation[q];
  }

  /** The fixed cost of one invocation on {@code q}. */
  double invocationMs(int q) {
    return invocation[q];
  }

  double transferMs(int from, int to, long bytes) {
    if (from == to || Double.isNaN(linkBytesPerMs[from][to])) {
      return 0;
    }
    return linkLatency[from][to] + bytes / linkBytesPerMs[from][to];
  }

  /** Moving block {@code a}'s input to {@code q} from the processors of {@code prevMask} (worst). */
  double transferInMs(int a, int q, int prevMask) {
    return prevMask == 0 ? 0 : transferIn[(a * procs + q) * (1 << procs) + prevMask];
  }

  double transferOutMs(int q, int b) {
    return b == blocks ? transferOut[q] : 0;
  }

  /** A replica's time for blocks {@code [a, b)} on {@code q}; infinite when it cannot run them. */
  double replicaMs(int q, int a, int b, int prevMask) {
    if (!runs(q, a, b)) {
      return Double.POSITIVE_INFINITY;
    }
    return transferInMs(a, q, prevMask) + computeMs(q, a, b) + transferOutMs(q, b);
  }

  /**
   * Time per frame of a stage whose replicas take {@code t[0..n)} each: replicas serve frames in
   * parallel, so their rates add up. One replica is its own time, exactly.
   */
  static double effectiveMs(double[] t, int n) {
    if (n == 1) {
      return t[0];
    }
    double rate = 0;
    for (int i = 0; i < n; i++) {
      if (t[i] == 0) {
        return 0;
      }
      rate += 1 / t[i];
    }
    return 1 / rate;
  }
}
