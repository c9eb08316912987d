package io.splitstream.pipeline;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.model.Model;
import io.splitstream.devices.model.Segment;
import io.splitstream.devices.onnx.OnnxModel;
import io.splitstream.devices.processor.LoadedSegment;
import io.splitstream.devices.processor.Platform;
import io.splitstream.devices.processor.Processor;
import io.splitstream.pipeline.plan.Plan;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Turns a plan into running stages: cuts the model at the plan's cuts, loads each segment on each
 * of its stage's processors, and gives every processor one thread of its own (a processor serves
 * one segment invocation at a time). In simulation every stage runs on the simulated clock.
 */
public final class Assembly {
  /** The loaded stages and how to release them. */
  public record Loaded(List<Pipeline.StageBinding> stages, List<Segment> segments, Runnable release) {}

  private Assembly() {}

  /** Native inference can need more stack than the JVM's 1 MiB default; give it 16 MiB. */
  private static final long NATIVE_STACK = 16L << 20;

  private static Scheduler processorThread(String processorId) {
    return Schedulers.fromExecutorService(Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(null, r, "splitstream-" + processorId, NATIVE_STACK);
      t.setDaemon(true);
      return t;
    }), "splitstream-" + processorId);
  }

  /**
   * @throws SplitstreamException when the plan does not fit the model (a TFLite model cut in
   *     several stages) or a processor refuses its segment (an op it lacks)
   */
  public static Loaded load(Model model, Platform platform, Plan plan, boolean simulated, Scheduler clock) {
    List<Segment> segments;
    List<Integer> cuts = plan.cutNodes();
    if (model instanceof OnnxModel onnx) {
      segments = onnx.cut(cuts.stream().mapToInt(Integer::intValue).toArray());
    } else if (cuts.isEmpty()) {
      segments = List.of(model.whole());
    } else {
      throw new SplitstreamException("model " + model.name() + " is " + model.format()
          + " and runs whole: give --split with one stage (e.g. 0:cpu) or use an ONNX model to split");
    }
    Map<String, Scheduler> threads = new LinkedHashMap<>();
    List<LoadedSegment> loaded = new ArrayList<>();
    Runnable release = () -> {
      loaded.forEach(LoadedSegment::close);
      threads.values().forEach(Scheduler::dispose);
    };
    try {
      List<Pipeline.StageBinding> stages = new ArrayList<>();
      for (int i = 0; i < segments.size(); i++) {
        Segment seg = segments.get(i);
        List<Pipeline.Replica> replicas = new ArrayList<>();
        // fastest replica first: under light load the stage then serves every frame on it
        List<String> byTime = plan.stages().get(i).replicas().stream()
            .sorted(java.util.Comparator.comparingDouble(Plan.Replica::totalMs))
            .map(Plan.Replica::processor)
            .toList();
        for (String id : byTime) {
          Processor p = platform.processor(id);
          LoadedSegment ls = p.load(seg);
          loaded.add(ls);
          Scheduler runOn = simulated ? clock
              : threads.computeIfAbsent(id, Assembly::processorThread);
          replicas.add(new Pipeline.Replica(p, ls, runOn));
        }
        stages.add(new Pipeline.StageBinding(i, seg, replicas));
      }
      return new Loaded(stages, segments, release);
    } catch (RuntimeException e) {
      release.run();
      throw e;
    }
  }
}
