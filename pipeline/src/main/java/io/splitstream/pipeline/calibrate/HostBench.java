package io.splitstream.pipeline.calibrate;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.catalog.ModelStore;
import io.splitstream.devices.catalog.Models;
import io.splitstream.devices.model.Model;
import io.splitstream.devices.model.Segment;
import io.splitstream.devices.model.SegmentCost;
import io.splitstream.devices.model.TensorSpec;
import io.splitstream.devices.onnx.InputShapes;
import io.splitstream.devices.onnx.OnnxModel;
import io.splitstream.devices.onnx.SampleInputs;
import io.splitstream.devices.onnx.gen.Architectures;
import io.splitstream.devices.onnx.gen.OnnxModelGenerator;
import io.splitstream.devices.ort.OnnxRuntimeProcessor;
import io.splitstream.devices.processor.LoadedSegment;
import io.splitstream.devices.tensor.Tensor;
import io.splitstream.devices.tensor.TensorMap;
import io.splitstream.pipeline.profile.Profiler;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Times real model blocks on this host's CPU (ONNX Runtime): each model is cut into the blocks the
 * profiler would use, and every block, and the whole model, is loaded as its own session and run
 * {@code runs} times after {@code warmup}. With one intra-op thread ONNX Runtime computes on the
 * calling thread, so a run's figure is that thread's CPU time ({@link ThreadMXBean}): what the other
 * processes sharing the cores take does not inflate it. With more threads it is wall-clock time.
 * The median of the runs is kept.
 */
public final class HostBench {
  /** The generated families measured by default, beside the catalogue's ONNX models. */
  public static final List<String> GENERATED = List.of("mobilenet-small", "mobilenet-large", "resnet-small",
      "resnet-large");
  /** The catalogue's ONNX models. */
  public static final List<String> CATALOGUE = List.of("blazeface", "ppocr-det");

  /**
   * One timed segment.
   *
   * @param block index of the block, or -1 for the whole model
   * @param measuredMs the median of its runs, each scaled to the reference speed ({@link Measurement#baseMs()})
   * @param rawMs the median of its runs as timed
   * @param loadMs the session creation time of this segment
   */
  public record Observation(String model, int block, int firstNode, int endNode, SegmentCost cost, double measuredMs,
      double rawMs, double loadMs) {
    public boolean whole() {
      return block < 0;
    }
  }

  /**
   * How to measure.
   *
   * @param runs timed runs per segment, spread over {@code rounds} rounds
   * @param rounds rounds the timed runs are spread over (at most {@code runs}); each round times the
   *     reference workload too, and that round's runs are scaled by it
   */
  public record Options(int threads, int maxBlocks, int warmup, int runs, int rounds) {
    public Options {
      if (threads < 1 || maxBlocks < 1 || warmup < 0 || runs < 1 || rounds < 1) {
        throw new SplitstreamException("calibration needs --threads >= 1, --max-blocks >= 1, --warmup >= 0, "
            + "--runs >= 1 and --rounds >= 1");
      }
      rounds = Math.min(rounds, runs);
    }
  }

  /**
   * What one measurement gave.
   *
   * @param observations every block and whole model, their figures at the reference speed {@code baseMs}
   * @param referenceMs the reference workload's median time over the rounds, as measured
   * @param referenceLowMs the fastest round's reference time
   * @param referenceHighMs the slowest round's reference time
   * @param baseMs the reference time every round was scaled to: the profile's when checking one that
   *     has it, else {@code referenceMs}
   * @param rounds how many rounds the runs were spread over
   */
  public record Measurement(List<Observation> observations, double referenceMs, double referenceLowMs,
      double referenceHighMs, double baseMs, int rounds) {
    /** The host's speed now relative to the base: above 1 when the reference runs slower than then. */
    public double slowdown() {
      return referenceMs / baseMs;
    }
  }

  /** Times the reference workload is run at the start and at the end of every round. */
  static final int REFERENCE_RUNS = 3;

  /**
   * The reference workload: a generated MobileNetV2-like model (6 inverted residual blocks, width
   * 0.75, 64x64 input, 10 classes; about 0.3 ms here), a mix of dense, depthwise and elementwise work
   * like the blocks it stands beside, and not one of the models timed.
   */
  public static OnnxModel reference() {
    return OnnxModel.parse(REFERENCE_CONFIG.name(), OnnxModelGenerator.mobileNetV2(REFERENCE_CONFIG).toByteArray());
  }

  private static final OnnxModelGenerator.Config REFERENCE_CONFIG =
      new OnnxModelGenerator.Config("calibration-reference", 6, 0.75, 64, 10, 99);

  /** The reference workload in words, as a profile's {@code calibration.reference} records it. */
  public static final String REFERENCE = "calibration-reference: generated MobileNetV2-like, 6 blocks, width 0.75, "
      + "64x64 input, 10 classes, seed 99; whole model, one session";

  private HostBench() {}

  /**
   * The model a calibration name stands for: a generated family ({@link #GENERATED}), a published
   * architecture at its reference input ({@link Architectures#NAMES}: mobilenetv1, mobilenetv2,
   * squeezenet, resnet50, inceptionv4, with deterministic weights), or a catalogue / file ONNX model.
   *
   * @throws SplitstreamException when it is not an ONNX model
   */
  public static OnnxModel open(String name, ModelStore store) {
    var gen = switch (name) {
      case "mobilenet-small" -> OnnxModelGenerator.mobileNetV2(OnnxModelGenerator.mobileNetSmall());
      case "mobilenet-large" -> OnnxModelGenerator.mobileNetV2(OnnxModelGenerator.mobileNetLarge());
      case "resnet-small" -> OnnxModelGenerator.resNet(OnnxModelGenerator.resNetSmall());
      case "resnet-large" -> OnnxModelGenerator.resNet(OnnxModelGenerator.resNetLarge());
      default -> null;
    };
    if (gen != null) {
      return OnnxModel.parse(name, gen.toByteArray());
    }
    if (Architectures.NAMES.contains(name)) {
      // the published architectures validate uses, with deterministic weights: models the host fit has not seen
      return OnnxModel.parse(name, Architectures.build(name, true, 1).toByteArray());
    }
    Model m = Models.open(name, InputShapes.none(), store);
    if (!(m instanceof OnnxModel onnx)) {
      throw new SplitstreamException("model " + name + " is " + m.format() + ": calibration times ONNX blocks; "
          + "name an ONNX model (" + String.join(", ", CATALOGUE) + ", " + String.join(", ", GENERATED) + ", "
          + String.join(", ", Architectures.NAMES) + ")");
    }
    return onnx;
  }

  /** One loaded segment waiting to be timed, with its inputs and its timings so far. */
  private record Timed(OnnxModel model, int block, Segment segment, LoadedSegment loaded, TensorMap inputs,
      List<Long> nanos) {}

  /**
   * Times every block of every model, and each whole model. All segments are loaded first; then a
   * warm-up pass runs each of them {@code warmup} times and goes on cycling through them until two
   * seconds have passed (so the JIT has compiled the tensor hand-over before anything is timed);
   * then the timed runs are spread over {@code rounds} rounds through all segments, each segment's
   * runs of a round back to back after one untimed run, as a pipeline stage runs its segment: the
   * segments before it in the round (a 25 ms model among them) have pushed its weights and code out
   * of the caches, which a stage running its own segment over and over does not see. Every round starts and ends
   * with {@link #REFERENCE_RUNS} runs of the {@link #reference()} workload; the median of those is the
   * round's speed (each group of them after one untimed run, as a segment's: timed right after a
   * 250 ms inceptionv4 the reference came out 24 % slow), and each run of that round is scaled by
   * {@code baseMs / (the round's reference)}.
   * This host's speed moves by tens of percent within seconds, even in thread CPU time, as other
   * tenants of the physical machine take its cores' shared units, caches and memory; the scaling
   * takes that out, so a figure is the segment's time at the speed the reference had at {@code
   * baseMs}. Each segment's figure is the median of its scaled runs.
   *
   * @param baseMs the reference time to scale to (a profile's {@link
   *     io.splitstream.devices.emulated.HostCalibration#referenceMillis()}), or empty for this run's
   *     own median reference time
   */
  public static Measurement measure(List<OnnxModel> models, OnnxRuntimeProcessor cpu, Options o,
      java.util.OptionalDouble baseMs) {
    List<Timed> all = new ArrayList<>();
    LoadedSegment ref = null;
    try {
      for (OnnxModel model : models) {
        List<Integer> boundaries = Profiler.chooseBoundaries(model, o.maxBlocks());
        List<Segment> blocks = model.cut(boundaries.stream().mapToInt(Integer::intValue).toArray());
        TensorMap sample = SampleInputs.forModel(model, model.inputShapes(), 1);
        Map<String, Tensor> carried = new LinkedHashMap<>(sample.asMap());
        for (int k = 0; k < blocks.size(); k++) {
          Segment seg = blocks.get(k);
          TensorMap inputs = select(carried, seg.inputs());
          LoadedSegment loaded = cpu.load(seg);
          all.add(new Timed(model, k, seg, loaded, inputs, new ArrayList<>()));
          carried.putAll(loaded.run(inputs).outputs().asMap());
        }
        Segment whole = model.whole();
        all.add(new Timed(model, -1, whole, cpu.load(whole), select(sample.asMap(), whole.inputs()), new ArrayList<>()));
      }
      OnnxModel refModel = reference();
      ref = cpu.load(refModel.whole());
      TensorMap refInputs = SampleInputs.forModel(refModel, refModel.inputShapes(), 1);
      Clock clock = new Clock(o.threads());
      long warmUntil = System.nanoTime() + 2_000_000_000L;
      for (int pass = 0; pass < o.warmup() || System.nanoTime() < warmUntil; pass++) {
        ref.run(refInputs);
        all.forEach(t -> t.loaded().run(t.inputs()));
      }
      double[] roundRef = new double[o.rounds()];
      List<List<long[]>> byRound = new ArrayList<>(); // per round, per segment: its runs' nanos
      for (int round = 0; round < o.rounds(); round++) {
        int runs = o.runs() / o.rounds() + (round < o.runs() % o.rounds() ? 1 : 0);
        double[] refNanos = new double[2 * REFERENCE_RUNS];
        timeReference(ref, refInputs, clock, refNanos, 0);
        List<long[]> these = new ArrayList<>();
        for (Timed t : all) {
          long[] n = new long[runs];
          if (runs > 0) {
            t.loaded().run(t.inputs()); // untimed: brings its weights and code back into the caches
          }
          for (int i = 0; i < runs; i++) {
            n[i] = clock.time(t.loaded(), t.inputs());
          }
          these.add(n);
        }
        timeReference(ref, refInputs, clock, refNanos, REFERENCE_RUNS);
        roundRef[round] = HostFit.median(refNanos) / 1e6;
        byRound.add(these);
      }
      double refMs = HostFit.median(roundRef);
      double base = baseMs.orElse(refMs);
      List<Observation> out = new ArrayList<>();
      for (int k = 0; k < all.size(); k++) {
        Timed t = all.get(k);
        List<Double> raw = new ArrayList<>();
        List<Double> scaled = new ArrayList<>();
        for (int round = 0; round < o.rounds(); round++) {
          for (long n : byRound.get(round).get(k)) {
            raw.add(n / 1e6);
            scaled.add(n / 1e6 * base / roundRef[round]);
          }
        }
        out.add(new Observation(t.model().name(), t.block(), t.block() < 0 ? 0 : t.segment().firstNode(),
            t.block() < 0 ? t.model().nodeCount() : t.segment().endNode(), t.segment().cost(),
            HostFit.median(scaled.stream().mapToDouble(Double::doubleValue).toArray()),
            HostFit.median(raw.stream().mapToDouble(Double::doubleValue).toArray()),
            t.loaded().loadTime().toNanos() / 1e6));
      }
      return new Measurement(out, refMs, Arrays.stream(roundRef).min().orElseThrow(),
          Arrays.stream(roundRef).max().orElseThrow(), base, o.rounds());
    } finally {
      all.forEach(t -> t.loaded().close());
      if (ref != null) {
        ref.close();
      }
    }
  }

  /**
   * One untimed run of the reference (like each segment's first run in a round: what ran before it
   * evicted it), then {@link #REFERENCE_RUNS} timed ones into {@code into} from {@code from}.
   */
  private static void timeReference(LoadedSegment ref, TensorMap inputs, Clock clock, double[] into, int from) {
    ref.run(inputs);
    for (int i = from; i < from + REFERENCE_RUNS; i++) {
      into[i] = clock.time(ref, inputs);
    }
  }

  /** Thread CPU time of the calling thread with one intra-op thread, else the run's wall-clock time. */
  private static final class Clock {
    private final ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    private final boolean cpuTime;

    Clock(int threads) {
      cpuTime = threads == 1 && mx.isCurrentThreadCpuTimeSupported();
    }

    long time(LoadedSegment s, TensorMap inputs) {
      long c0 = cpuTime ? mx.getCurrentThreadCpuTime() : 0;
      long wall = s.run(inputs).hostNanos();
      return cpuTime ? mx.getCurrentThreadCpuTime() - c0 : wall;
    }
  }

  /**
   * Whether a profile's calibration was measured as this run measures ({@link #REFERENCE}, the
   * clock and thread count), so its reference time is a speed this run's can be compared with.
   */
  public static boolean comparable(io.splitstream.devices.emulated.HostCalibration c, int threads) {
    return c.reference().equals(REFERENCE) && c.threads() == threads && c.clock().equals(clockName(threads));
  }

  /** Whether run times are thread CPU time (one thread) or wall-clock. */
  public static String clockName(int threads) {
    return threads == 1 ? "thread CPU time" : "wall-clock time";
  }

  private static TensorMap select(Map<String, Tensor> all, List<TensorSpec> wanted) {
    Map<String, Tensor> m = new LinkedHashMap<>();
    for (TensorSpec s : wanted) {
      m.put(s.name(), all.containsKey(s.name()) ? all.get(s.name())
          : Tensor.zeros(s.type(), s.shape().stream().mapToLong(d -> d < 0 ? 1 : d).toArray()));
    }
    return TensorMap.of(m);
  }
}
