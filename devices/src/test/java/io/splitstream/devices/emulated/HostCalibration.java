package io.splitstream.devices.emulated;

import io.splitstream.devices.model.OpClass;
import io.splitstream.devices.model.Segment;
import io.splitstream.devices.ort.OnnxRuntimeProcessor;
import io.splitstream.devices.processor.LoadedSegment;
import io.splitstream.devices.processor.ProcessorContract;
import io.splitstream.devices.processor.TinyOnnx;
import io.splitstream.devices.tensor.TensorMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Measures this host's effective GFLOP/s per op class and its fixed overheads with ONNX Runtime's
 * CPU provider, on generated micro-models, and prints the figures that {@code host-2core.json}
 * holds. With one thread ONNX Runtime computes on the calling thread, so the figures are that
 * thread's CPU time ({@code ThreadMXBean}), which other processes sharing the cores do not
 * inflate; with more threads they are wall-clock medians. A command, not a test:
 *
 * <pre>java -cp devices/target/test-classes:devices/target/classes:$(cat cp.txt) \
 *     io.splitstream.devices.emulated.HostCalibration [threads] [runs]</pre>
 */
public final class HostCalibration {
  private HostCalibration() {}

  public static void main(String[] args) {
    int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2;
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 200;
    OnnxRuntimeProcessor cpu = OnnxRuntimeProcessor.cpu("cpu", threads);
    System.out.println("# " + cpu.description() + ", " + runs + " runs each, median "
        + (threads == 1 ? "thread CPU time" : "wall-clock time"));

    double tiny = medianNanos(cpu, chain(1), runs);
    double chain = medianNanos(cpu, chain(401), runs);
    double perNode = Math.max(0, (chain - tiny) / 400);
    double dispatch = tiny - perNode;
    System.out.printf(Locale.ROOT, "dispatchOverheadMicros %.1f%nperNodeOverheadMicros %.2f%n", dispatch / 1e3, perNode / 1e3);

    report(cpu, "conv", conv(), OpClass.CONV, dispatch + perNode, runs);
    report(cpu, "depthwise_conv", depthwise(), OpClass.DEPTHWISE_CONV, dispatch + perNode, runs);
    report(cpu, "matmul", matmul(), OpClass.MATMUL, dispatch + perNode, runs);
    report(cpu, "elementwise", elementwise(), OpClass.ELEMENTWISE, dispatch + perNode, runs);
    report(cpu, "other", pool(), OpClass.OTHER, dispatch + perNode, runs);
  }

  private static void report(OnnxRuntimeProcessor cpu, String name, Segment s, OpClass c, double overhead, int runs) {
    double t = medianNanos(cpu, s, runs);
    double flops = s.cost().flops(c);
    System.out.printf(Locale.ROOT, "%-15s %.3f GFLOP/s  (%.0f FLOP in %.1f us, %.1f us after overhead)%n", name,
        flops / (t - overhead), flops, t / 1e3, (t - overhead) / 1e3);
  }

  static double medianNanos(OnnxRuntimeProcessor cpu, Segment s, int runs) {
    TensorMap in = ProcessorContract.randomInputs(s, 1);
    try (LoadedSegment l = cpu.load(s)) {
      for (int i = 0; i < Math.max(10, runs / 10); i++) {
        l.run(in);
      }
      List<Long> t = new ArrayList<>();
      java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
      boolean cpuTime = cpu.threads() == 1 && mx.isCurrentThreadCpuTimeSupported();
      for (int i = 0; i < runs; i++) {
        long c0 = cpuTime ? mx.getCurrentThreadCpuTime() : 0;
        long wall = l.run(in).hostNanos();
        t.add(cpuTime ? mx.getCurrentThreadCpuTime() - c0 : wall);
      }
      long[] a = t.stream().mapToLong(Long::longValue).toArray();
      Arrays.sort(a);
      return a[a.length / 2];
    }
  }

  /** x[1] → n × Add(+c) → y: dispatch and per-node cost, no arithmetic to speak of. */
  static Segment chain(int n) {
    TinyOnnx b = TinyOnnx.named("chain" + n).input("x", 1).weight("c", 1);
    String prev = "x";
    for (int i = 0; i < n; i++) {
      String out = i == n - 1 ? "y" : "t" + i;
      b.node("Add", List.of(prev, "c"), List.of(out));
      prev = out;
    }
    return b.output("y", 1).flops(OpClass.ELEMENTWISE, n).segment();
  }

  static Segment conv() {
    return TinyOnnx.named("conv").input("x", 1, 32, 56, 56).weight("w", 64, 32, 3, 3)
        .node("Conv", List.of("x", "w"), List.of("y"), TinyOnnx.ints("pads", 1, 1, 1, 1))
        .output("y", 1, 64, 56, 56).flops(OpClass.CONV, 2.0 * 64 * 56 * 56 * 32 * 9).segment();
  }

  static Segment depthwise() {
    return TinyOnnx.named("dw").input("x", 1, 64, 112, 112).weight("w", 64, 1, 3, 3)
        .node("Conv", List.of("x", "w"), List.of("y"), TinyOnnx.ints("pads", 1, 1, 1, 1), TinyOnnx.integer("group", 64))
        .output("y", 1, 64, 112, 112).flops(OpClass.DEPTHWISE_CONV, 2.0 * 64 * 112 * 112 * 9).segment();
  }

  static Segment matmul() {
    return TinyOnnx.named("mm").input("x", 256, 512).weight("w", 512, 512)
        .node("MatMul", List.of("x", "w"), List.of("y"))
        .output("y", 256, 512).flops(OpClass.MATMUL, 2.0 * 256 * 512 * 512).segment();
  }

  static Segment elementwise() {
    return TinyOnnx.named("ew").input("x", 1, 64, 112, 112).weight("c", 1, 64, 1, 1)
        .node("Add", List.of("x", "c"), List.of("y"))
        .output("y", 1, 64, 112, 112).flops(OpClass.ELEMENTWISE, 64.0 * 112 * 112).segment();
  }

  static Segment pool() {
    return TinyOnnx.named("pool").input("x", 1, 64, 112, 112)
        .node("MaxPool", List.of("x"), List.of("y"), TinyOnnx.ints("kernel_shape", 2, 2), TinyOnnx.ints("strides", 2, 2))
        .output("y", 1, 64, 56, 56).flops(OpClass.OTHER, 64.0 * 56 * 56).segment();
  }
}
