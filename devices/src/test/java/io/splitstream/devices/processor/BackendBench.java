package io.splitstream.devices.processor;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.splitstream.devices.model.ModelFormat;
import io.splitstream.devices.model.Segment;
import io.splitstream.devices.model.SegmentCost;
import io.splitstream.devices.model.TensorSpec;
import io.splitstream.devices.ort.OnnxRuntimeProcessor;
import io.splitstream.devices.tensor.ElementType;
import io.splitstream.devices.tensor.Tensor;
import io.splitstream.devices.tensor.TensorMap;
import io.splitstream.devices.tflite.TfliteModel;
import io.splitstream.devices.tflite.TfliteNative;
import io.splitstream.devices.tflite.TfliteProcessor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.tensorflow.lite.Interpreter;

/**
 * Overhead of Splitstream's backends over the runtime called directly: each real catalogue model
 * runs through the processor and through plain {@code OrtSession.run} / {@code Interpreter.run}
 * with the same inputs and threads, interleaved run by run so that load from other processes hits
 * both alike. Prints medians; asserts nothing. Run it as
 *
 * <pre>java -cp devices/target/test-classes:devices/target/classes:$(cat cp.txt) \
 *     io.splitstream.devices.processor.BackendBench [runs] [threads] [wall|cpu]</pre>
 */
public final class BackendBench {
  private BackendBench() {}

  public static void main(String[] args) throws Exception {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 100;
    int threads = args.length > 1 ? Integer.parseInt(args[1]) : 2;
    cpuTime = args.length > 2 && args[2].equals("cpu");
    if (cpuTime && threads != 1) {
      throw new IllegalArgumentException("cpu mode measures the calling thread, so it needs threads = 1");
    }
    System.out.printf(Locale.ROOT, "# %d interleaved runs after %d warm-up, %d threads, medians of %s in ms%n", runs,
        runs / 5, threads, cpuTime ? "thread CPU time" : "wall-clock time");
    System.out.printf(Locale.ROOT, "%-28s %10s %10s %9s%n", "model", "direct", "processor", "overhead");
    onnx("blazeface", "input", new long[] {1, 128, 128, 3}, runs, threads);
    onnx("ppocr-det", "x", new long[] {1, 3, 320, 320}, runs, threads);
    tflite("face-short", runs, threads);
    tflite("face-full", runs, threads);
  }

  private static void onnx(String name, String inputPrefix, long[] shape, int runs, int threads) throws Exception {
    byte[] bytes = Files.readAllBytes(TestModels.path(name));
    OnnxRuntimeProcessor cpu = OnnxRuntimeProcessor.cpu("cpu", threads);
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions options = cpu.sessionOptions();
        OrtSession direct = env.createSession(bytes, options)) {
      String inputName = direct.getInputNames().iterator().next();
      TensorSpec spec = new TensorSpec(inputName, ElementType.FLOAT32, Arrays.stream(shape).boxed().toList());
      Segment segment = new Segment(name, 0, 1, 0, 1, ModelFormat.ONNX, bytes, List.of(spec), List.of(), Set.of(),
          SegmentCost.zero());
      TensorMap inputs = ProcessorContract.randomInputs(segment, 1);
      Tensor x = inputs.get(inputName);
      try (LoadedSegment loaded = cpu.load(segment);
          OnnxTensor feed = OnnxTensor.createTensor(env, x.data().asFloatBuffer(), shape)) {
        Map<String, OnnxTensor> feeds = Map.of(inputName, feed);
        report(name + " (ONNX Runtime)", runs, () -> {
          try (OrtSession.Result r = direct.run(feeds)) {
            for (Map.Entry<String, OnnxValue> e : r) {
              ((OnnxTensor) e.getValue()).getFloatBuffer(); // read every output once, as a caller must
            }
          }
        }, () -> loaded.run(inputs));
      }
    }
  }

  private static void tflite(String name, int runs, int threads) throws Exception {
    TfliteModel model = TfliteModel.load(TestModels.path(name));
    Segment segment = model.whole();
    TensorMap inputs = ProcessorContract.randomInputs(segment, 1);
    TfliteProcessor proc = TfliteProcessor.cpu("tflite", threads);
    TfliteNative.ensureLoaded();
    byte[] bytes = segment.bytes();
    ByteBuffer modelBuffer = ByteBuffer.allocateDirect(bytes.length).order(ByteOrder.nativeOrder());
    modelBuffer.put(bytes).flip();
    Interpreter.Options o = new Interpreter.Options();
    o.setNumThreads(threads);
    o.setUseXNNPACK(true);
    try (Interpreter direct = new Interpreter(modelBuffer, o); LoadedSegment loaded = proc.load(segment)) {
      Object[] in = {inputs.get(model.inputs().get(0).name()).data()};
      Map<Integer, Object> out = new HashMap<>();
      for (int i = 0; i < direct.getOutputTensorCount(); i++) {
        out.put(i, ByteBuffer.allocateDirect(direct.getOutputTensor(i).numBytes()).order(ByteOrder.nativeOrder()));
      }
      report(name + " (TFLite)", runs, () -> {
        out.values().forEach(b -> ((ByteBuffer) b).clear());
        direct.runForMultipleInputsOutputs(in, out);
      }, () -> loaded.run(inputs));
    }
  }

  interface Body {
    void run() throws Exception;
  }

  private static void report(String label, int runs, Body direct, Body processor) throws Exception {
    for (int i = 0; i < runs / 5; i++) {
      direct.run();
      processor.run();
    }
    long[] d = new long[runs];
    long[] p = new long[runs];
    for (int i = 0; i < runs; i++) {
      // alternate which goes first so neither always runs on a warm cache
      if (i % 2 == 0) {
        d[i] = time(direct);
        p[i] = time(processor);
      } else {
        p[i] = time(processor);
        d[i] = time(direct);
      }
    }
    double dm = median(d) / 1e6;
    double pm = median(p) / 1e6;
    System.out.printf(Locale.ROOT, "%-28s %10.3f %10.3f %+8.1f%%%n", label, dm, pm, (pm / dm - 1) * 100);
  }

  private static final java.lang.management.ThreadMXBean MX = java.lang.management.ManagementFactory.getThreadMXBean();
  private static boolean cpuTime;

  /**
   * Wall-clock time, or with {@code cpu} mode (one thread, where both runtimes compute on the
   * calling thread) that thread's CPU time, which other processes sharing the cores cannot inflate.
   */
  private static long time(Body b) throws Exception {
    long t = cpuTime ? MX.getCurrentThreadCpuTime() : System.nanoTime();
    b.run();
    return (cpuTime ? MX.getCurrentThreadCpuTime() : System.nanoTime()) - t;
  }

  private static double median(long[] a) {
    long[] s = a.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2.0;
  }
}
