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
   * @param loadMs the session creation time of this segment
   */
  public record Observation(String model, int block, int firstNode, int endNode, SegmentCost cost, double measuredMs,
      double loadMs) {
    public boolean whole() {
      return block < 0;
    }
  }

  /** How to measure. */
  public record Options(int threads, int maxBlocks, int warmup, int runs) {
    public Options {
      if (threads < 1 || maxBlocks < 1 || warmup < 0 || runs < 1) {
        throw new SplitstreamException("calibration needs --threads >= 1, --max-blocks >= 1, --warmup >= 0 and "
            + "--runs >= 1");
      }
    }
  }

  private HostBench() {}

  /**
   * The model a calibration name stands for: a generated family ({@link #GENERATED}) or a
   * catalogue / file ONNX model.
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
    Model m = Models.open(name, InputShapes.none(), store);
    if (!(m instanceof OnnxModel onnx)) {
      throw new SplitstreamException("model " + name + " is " + m.format() + ": calibration times ONNX blocks; "
          + "name an ONNX model (" + String.join(", ", CATALOGUE) + ", " + String.join(", ", GENERATED) + ")");
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
   * then the timed runs are spread over {@link #ROUNDS} rounds through all segments, so a burst of
   * load on the machine falls on many segments a little rather than on one a lot. Each segment's
   * figure is the median of its {@code runs} timings.
   */
  public static List<Observation> measure(List<OnnxModel> models, OnnxRuntimeProcessor cpu, Options o) {
    List<Timed> all = new ArrayList<>();
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
      ThreadMXBean mx = ManagementFactory.getThreadMXBean();
      boolean cpuTime = o.threads() == 1 && mx.isCurrentThreadCpuTimeSupported();
      long warmUntil = System.nanoTime() + 2_000_000_000L;
      for (int pass = 0; pass < o.warmup() || System.nanoTime() < warmUntil; pass++) {
        all.forEach(t -> t.loaded().run(t.inputs()));
      }
      for (int round = 0; round < ROUNDS; round++) {
        int runs = o.runs() / ROUNDS + (round < o.runs() % ROUNDS ? 1 : 0);
        for (Timed t : all) {
          for (int i = 0; i < runs; i++) {
            long c0 = cpuTime ? mx.getCurrentThreadCpuTime() : 0;
            long wall = t.loaded().run(t.inputs()).hostNanos();
            t.nanos().add(cpuTime ? mx.getCurrentThreadCpuTime() - c0 : wall);
          }
        }
      }
      List<Observation> out = new ArrayList<>();
      for (Timed t : all) {
        double[] ms = t.nanos().stream().mapToDouble(n -> n / 1e6).toArray();
        out.add(new Observation(t.model().name(), t.block(), t.block() < 0 ? 0 : t.segment().firstNode(),
            t.block() < 0 ? t.model().nodeCount() : t.segment().endNode(), t.segment().cost(), HostFit.median(ms),
            t.loaded().loadTime().toNanos() / 1e6));
      }
      return out;
    } finally {
      all.forEach(t -> t.loaded().close());
    }
  }

  /** Rounds the timed runs are spread over. */
  static final int ROUNDS = 5;


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
