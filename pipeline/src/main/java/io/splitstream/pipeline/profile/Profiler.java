package io.splitstream.pipeline.profile;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.model.Model;
import io.splitstream.devices.model.ModelFormat;
import io.splitstream.devices.model.Segment;
import io.splitstream.devices.model.TensorSpec;
import io.splitstream.devices.onnx.CutPoint;
import io.splitstream.devices.onnx.GraphNode;
import io.splitstream.devices.onnx.OnnxModel;
import io.splitstream.devices.onnx.SampleInputs;
import io.splitstream.devices.emulated.EmulatedProcessor;
import io.splitstream.devices.processor.Execution;
import io.splitstream.devices.processor.LoadedSegment;
import io.splitstream.devices.processor.Platform;
import io.splitstream.devices.processor.Processor;
import io.splitstream.devices.tensor.Tensor;
import io.splitstream.devices.tensor.TensorMap;
import io.splitstream.pipeline.plan.ProfileTable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Measures what each block of a model costs on each processor of a platform: the table the
 * planner reads. Blocks lie between chosen cut points (all valid ones when there are few, else
 * {@code maxBlocks} blocks: boundaries spread evenly by FLOPs, preferring cuts that carry the
 * fewest bytes, then, where FLOP targets fall on the same cut (one node holding most of the
 * FLOPs), the remaining ones split the longest blocks in nodes, so they spread over the graph).
 * A real processor's figure is the median of its timed invocations, after a warm-up that goes on
 * while the timings still fall; at least {@code runs} of them and at least 50 ms in all, so a
 * block that takes microseconds is timed thousands of times and runs slowed by another process do
 * not move the median. Its invocation cost is measured apart and kept out of the block times (see
 * {@link ProfileTable.ProcessorInfo#invocationMs()}). An emulated processor's figure is its
 * profile's service time, and the table marks it emulated.
 */
public final class Profiler {
  /**
   * @param maxBlocks at most this many blocks (at least 1)
   * @param warmup untimed invocations per block and processor before measuring (real processors);
   *     warm-up goes on past it while the timings still fall (see the class comment)
   * @param runs the fewest timed invocations per block and processor (real processors); more are
   *     timed until they add up to 50 ms of measured time; the median is kept
   * @param seed for the sample input
   */
  public record Options(int maxBlocks, int warmup, int runs, long seed) {
    public Options {
      if (maxBlocks < 1) {
        throw new SplitstreamException("--max-blocks " + maxBlocks + " must be at least 1");
      }
      if (runs < 1) {
        throw new SplitstreamException("--runs " + runs + " must be at least 1");
      }
      if (warmup < 0) {
        throw new SplitstreamException("--warmup " + warmup + " must be 0 or more");
      }
    }

    public static Options defaults() {
      return new Options(24, 3, 15, 1);
    }
  }

  private Profiler() {}

  /** The block boundaries (node indices) the profile of {@code model} would use. */
  public static List<Integer> chooseBoundaries(OnnxModel model, int maxBlocks) {
    List<CutPoint> valid = model.cutPoints();
    if (valid.size() + 1 <= maxBlocks) {
      return valid.stream().map(CutPoint::boundary).toList();
    }
    List<GraphNode> nodes = model.graph().nodes();
    int n = nodes.size();
    double[] cumulative = new double[n + 1];
    for (int i = 0; i < n; i++) {
      // a node of no FLOPs still costs a dispatch: count it as one so empty stretches stay cuttable
      cumulative[i + 1] = cumulative[i] + Math.max(1, nodes.get(i).flops());
    }
    double total = cumulative[n];
    int window = Math.max(1, n / (2 * maxBlocks));
    TreeSet<Integer> chosen = new TreeSet<>();
    for (int k = 1; k < maxBlocks; k++) {
      double target = total * k / maxBlocks;
      int at = 1;
      while (at < n - 1 && cumulative[at] < target) {
        at++;
      }
      CutPoint best = null;
      for (CutPoint c : valid) {
        if (Math.abs(c.boundary() - at) > window) {
          continue;
        }
        if (best == null || c.bytes() < best.bytes()
            || (c.bytes() == best.bytes() && Math.abs(c.boundary() - at) < Math.abs(best.boundary() - at))) {
          best = c;
        }
      }
      if (best != null) {
        chosen.add(best.boundary());
      }
    }
    spreadOverNodes(chosen, valid, n, maxBlocks);
    return List.copyOf(chosen);
  }

  /**
   * Adds boundaries until there are {@code maxBlocks - 1} (or no valid cut is left): each splits
   * the longest block, in nodes, at its valid cut nearest the middle (fewer bytes on a tie). FLOP
   * targets collapse onto one cut when one node holds most of the FLOPs (a Gemm with 98 % of them
   * gave one cut at any block count); the blocks they leave out are spread over the graph.
   */
  private static void spreadOverNodes(TreeSet<Integer> chosen, List<CutPoint> valid, int n, int maxBlocks) {
    while (chosen.size() < maxBlocks - 1) {
      java.util.Optional<CutPoint> next = valid.stream()
          .filter(c -> !chosen.contains(c.boundary()))
          .min(java.util.Comparator.comparingDouble((CutPoint c) -> -blockAround(c, chosen, n)[1])
              .thenComparingDouble(c -> Math.abs(c.boundary() - blockAround(c, chosen, n)[0]))
              .thenComparingLong(CutPoint::bytes));
      if (next.isEmpty()) {
        return;
      }
      chosen.add(next.get().boundary());
    }
  }

  /** The middle and the length, in nodes, of the block that cut {@code c} would split. */
  private static double[] blockAround(CutPoint c, TreeSet<Integer> chosen, int n) {
    Integer below = chosen.lower(c.boundary());
    Integer above = chosen.higher(c.boundary());
    int from = below == null ? 0 : below;
    int to = above == null ? n : above;
    return new double[] {(from + to) / 2.0, to - from};
  }

  /** Profiles {@code model} on every processor of {@code platform}. */
  public static ProfileTable profile(Model model, Platform platform, Options options) {
    return profile(model, platform, options, List.of());
  }

  /**
   * Profiles {@code model}, with block boundaries at {@code mustCut} too (the cuts of a split given
   * by hand), so that any valid cut point can start a stage.
   *
   * @throws SplitstreamException when one of {@code mustCut} is not a valid cut point
   */
  public static ProfileTable profile(Model model, Platform platform, Options options, List<Integer> mustCut) {
    List<Segment> blocks;
    List<ProfileTable.Cut> cuts = new ArrayList<>();
    TensorMap sample;
    if (model instanceof OnnxModel onnx) {
      TreeSet<Integer> chosen = new TreeSet<>(chooseBoundaries(onnx, options.maxBlocks()));
      mustCut.stream().filter(c -> c > 0).forEach(chosen::add);
      List<Integer> boundaries = List.copyOf(chosen);
      Map<Integer, Long> bytesAt = new LinkedHashMap<>();
      onnx.cutPoints().forEach(c -> bytesAt.put(c.boundary(), c.bytes()));
      blocks = onnx.cut(boundaries.stream().mapToInt(Integer::intValue).toArray());
      for (int b : boundaries) {
        cuts.add(new ProfileTable.Cut(b, bytesAt.get(b)));
      }
      sample = SampleInputs.forModel(onnx, onnx.inputShapes(), options.seed());
    } else if (model.format() == ModelFormat.TFLITE) {
      blocks = List.of(model.whole());
      sample = zeros(model.inputs());
    } else {
      throw new SplitstreamException("cannot profile model " + model.name() + " of format " + model.format());
    }
    long inputBytes = sample.totalBytes();

    List<Map<String, Double>> msByBlock = new ArrayList<>();
    TensorMap carried = sample;
    long outputBytes = 0;
    for (int k = 0; k < blocks.size(); k++) {
      Segment seg = blocks.get(k);
      TensorMap inputs = select(carried, seg.inputs());
      Map<String, Double> ms = new LinkedHashMap<>();
      TensorMap outputs = null;
      for (Processor p : platform.processors()) {
        if (!p.formats().contains(seg.format()) || p.firstUnsupportedOp(seg).isPresent()) {
          continue;
        }
        try (LoadedSegment loaded = p.load(seg)) {
          Measured m = measure(loaded, inputs, options);
          ms.put(p.id(), m.ms());
          if (outputs == null) {
            outputs = m.outputs();
          }
        }
      }
      if (outputs == null) {
        outputs = zeros(seg.outputs());
      }
      carried = merge(new LinkedHashMap<>(carried.asMap()), outputs);
      if (k == blocks.size() - 1) {
        outputBytes = outputs.totalBytes();
      }
      msByBlock.add(ms);
    }
    Map<String, Double> invocation = new LinkedHashMap<>();
    for (Processor p : platform.processors()) {
      invocation.put(p.id(), p.emulated() ? invocationMs(p) : measuredInvocationMs(p, model, sample, msByBlock, options));
    }
    List<ProfileTable.Block> tableBlocks = new ArrayList<>();
    for (int k = 0; k < blocks.size(); k++) {
      Segment seg = blocks.get(k);
      Map<String, Double> ms = new LinkedHashMap<>();
      // the invocation cost is paid once per stage: keep it out of each block so blocks add up
      msByBlock.get(k).forEach((id, t) -> ms.put(id, Math.max(0, t - invocation.get(id))));
      tableBlocks.add(new ProfileTable.Block(k, seg.firstNode(), seg.endNode(), seg.cost().flopsByClass(),
          seg.cost().flops(), new ArrayList<>(new TreeSet<>(seg.opTypes())), ms));
    }
    List<ProfileTable.ProcessorInfo> procs = platform.processors().stream()
        .map(p -> ProfileTable.ProcessorInfo.of(p, invocation.get(p.id()))).toList();
    return new ProfileTable(ProfileTable.SCHEMA, model.name(), inputBytes, outputBytes, procs, tableBlocks, cuts,
        links(platform));
  }

  /**
   * A real processor's fixed cost per invocation (session call, allocation of outputs), which every
   * block's measured time includes once: the whole model is timed too, and the blocks' sum exceeds
   * it by one invocation per extra block. Zero when the processor cannot run every block or the
   * model is one block.
   */
  private static double measuredInvocationMs(Processor p, Model model, TensorMap sample, List<Map<String, Double>> msByBlock,
      Options options) {
    if (msByBlock.size() < 2 || !msByBlock.stream().allMatch(m -> m.containsKey(p.id()))) {
      return 0;
    }
    double sum = msByBlock.stream().mapToDouble(m -> m.get(p.id())).sum();
    Segment whole = model.whole();
    if (!p.formats().contains(whole.format()) || p.firstUnsupportedOp(whole).isPresent()) {
      return 0;
    }
    try (LoadedSegment loaded = p.load(whole)) {
      double wholeMs = measure(loaded, select(sample, whole.inputs()), options).ms();
      return Math.max(0, (sum - wholeMs) / (msByBlock.size() - 1));
    }
  }

  private record Measured(double ms, TensorMap outputs) {}

  /** Runs per warm-up window: warm-up ends when one window's median is no faster than the last's. */
  private static final int WARMUP_WINDOW = 5;
  /** The most warm-up runs, whether or not the timings have settled. */
  private static final int MAX_WARMUP_RUNS = 200;
  /** Timed runs go on until they add up to at least this much measured time (or {@link #MAX_RUNS}). */
  private static final long MIN_MEASURED_NANOS = 50_000_000;
  /** The most timed runs per block and processor. */
  private static final int MAX_RUNS = 2_000;

  /**
   * A real processor's time for one block: after {@code warmup} untimed runs, warm-up goes on in
   * windows of {@value #WARMUP_WINDOW} runs while a window's median is more than 5 % faster than
   * the one before (a runtime still settling: allocation, a delegate, caches), up to {@value
   * #MAX_WARMUP_RUNS} runs; then at least {@code runs} timed runs and at least {@value
   * #MIN_MEASURED_NANOS} ns of measured time (up to {@value #MAX_RUNS} runs), of which the median
   * is kept, so runs slowed by another process on the host do not move it.
   */
  private static Measured measure(LoadedSegment loaded, TensorMap inputs, Options o) {
    Execution first = loaded.run(inputs);
    if (loaded.processor().emulated()) {
      return new Measured(loaded.expectedServiceTime().toNanos() / 1e6, first.outputs());
    }
    int warm = 0;
    for (; warm < o.warmup(); warm++) {
      loaded.run(inputs);
    }
    double previous = Double.POSITIVE_INFINITY;
    while (warm < MAX_WARMUP_RUNS) {
      long[] window = new long[WARMUP_WINDOW];
      for (int i = 0; i < window.length; i++) {
        window[i] = loaded.run(inputs).serviceNanos();
      }
      warm += window.length;
      double m = median(window);
      if (m >= 0.95 * previous) {
        break;
      }
      previous = m;
    }
    long[] t = new long[Math.max(o.runs(), 16)];
    int n = 0;
    long measured = 0;
    while (n < MAX_RUNS && (n < o.runs() || measured < MIN_MEASURED_NANOS)) {
      if (n == t.length) {
        t = Arrays.copyOf(t, Math.min(MAX_RUNS, 2 * t.length));
      }
      long x = loaded.run(inputs).serviceNanos();
      t[n++] = x;
      measured += Math.max(1, x);
    }
    return new Measured(median(Arrays.copyOf(t, n)) / 1e6, first.outputs());
  }

  private static double median(long[] values) {
    long[] t = values.clone();
    Arrays.sort(t);
    return t.length % 2 == 1 ? t[t.length / 2] : (t[t.length / 2 - 1] + t[t.length / 2]) / 2.0;
  }

  /**
   * The fixed cost of one invocation on an emulated processor: its profile's dispatch overhead (at
   * its current availability). A real processor's is measured instead ({@link
   * #measuredInvocationMs}): every timed block includes it once, so it is taken out of each block's
   * time and the planner adds it back once per stage.
   */
  static double invocationMs(Processor p) {
    if (p instanceof EmulatedProcessor e) {
      return e.profile().dispatchOverheadMicros() / 1e3 / p.availability().speedFactor();
    }
    return 0;
  }

  /** Links as latency + bytes / bandwidth, read off the platform's interconnect. */
  static List<ProfileTable.Link> links(Platform platform) {
    List<ProfileTable.Link> links = new ArrayList<>();
    long probe = 1 << 20;
    for (Processor a : platform.processors()) {
      for (Processor b : platform.processors()) {
        if (a == b) {
          continue;
        }
        long zero = platform.interconnect().transferNanos(a, b, 0);
        long mb = platform.interconnect().transferNanos(a, b, probe);
        if (zero == 0 && mb == 0) {
          continue;
        }
        double perByteNanos = Math.max(1e-9, (mb - zero) / (double) probe);
        links.add(new ProfileTable.Link(a.id(), b.id(), zero / 1e6, 1e6 / perByteNanos));
      }
    }
    return links;
  }

  private static TensorMap merge(Map<String, Tensor> before, TensorMap outputs) {
    before.putAll(outputs.asMap());
    return TensorMap.of(before);
  }

  private static TensorMap select(TensorMap all, List<TensorSpec> wanted) {
    Map<String, Tensor> m = new LinkedHashMap<>();
    for (TensorSpec s : wanted) {
      m.put(s.name(), all.contains(s.name()) ? all.get(s.name()) : Tensor.zeros(s.type(), concrete(s)));
    }
    return TensorMap.of(m);
  }

  private static TensorMap zeros(List<TensorSpec> specs) {
    Map<String, Tensor> m = new LinkedHashMap<>();
    for (TensorSpec s : specs) {
      m.put(s.name(), Tensor.zeros(s.type(), concrete(s)));
    }
    return TensorMap.of(m);
  }

  private static long[] concrete(TensorSpec s) {
    return s.shape().stream().mapToLong(d -> d < 0 ? 1 : d).toArray();
  }
}
