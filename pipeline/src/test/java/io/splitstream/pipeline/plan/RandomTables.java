package io.splitstream.pipeline.plan;

import io.splitstream.devices.processor.ProcessorKind;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Seeded random profile tables for comparing the planner with brute force. */
final class RandomTables {
  private static final List<String> IDS = List.of("cpu", "gpu", "npu", "dsp");
  private static final List<ProcessorKind> KINDS =
      List.of(ProcessorKind.CPU, ProcessorKind.GPU, ProcessorKind.NPU, ProcessorKind.NPU);

  private RandomTables() {}

  /**
   * {@code blocks} blocks on {@code procs} processors; with {@code host} the first is the host
   * "cpu", otherwise no processor is. About {@code unsupported} of the cells lack an op. Times are
   * sometimes coarse, to provoke ties.
   */
  static ProfileTable table(Random r, int blocks, int procs, boolean host, double unsupported) {
    List<String> ids = IDS.subList(0, procs).stream()
        .map(id -> host || !id.equals("cpu") ? id : "big").toList();
    ProfileTable.Builder b = ProfileTable.builder("random")
        .inputBytes(r.nextInt(200_000))
        .outputBytes(r.nextInt(50_000));
    for (int q = 0; q < procs; q++) {
      b.processor(ids.get(q), KINDS.get(q), true, "random " + ids.get(q));
    }
    boolean coarse = r.nextBoolean();
    int node = 0;
    for (int k = 0; k < blocks; k++) {
      if (k > 0) {
        b.cut(r.nextInt(300_000));
      }
      Map<String, Double> ms = new LinkedHashMap<>();
      for (String id : ids) {
        if (r.nextDouble() >= unsupported) {
          ms.put(id, coarse ? 0.5 * (1 + r.nextInt(12)) : 0.2 + 10 * r.nextDouble());
        }
      }
      node += 1 + r.nextInt(9);
      b.block(node, ms);
    }
    for (String from : ids) {
      for (String to : ids) {
        if (!from.equals(to) && r.nextDouble() < 0.5) {
          b.link(from, to, 2 * r.nextDouble(), 10_000 + 200_000 * r.nextDouble());
        }
      }
    }
    return b.build();
  }

  /** Blocks only processors in {@code supported} run, at {@code ms} each (same for all). */
  static Map<String, Double> on(double ms, String... supported) {
    Map<String, Double> m = new LinkedHashMap<>();
    for (String id : supported) {
      m.put(id, ms);
    }
    return m;
  }
}
