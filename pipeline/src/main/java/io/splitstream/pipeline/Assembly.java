package io.splitstream.pipeline;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.model.Model;
import io.splitstream.devices.model.Segment;
import io.splitstream.devices.processor.Platform;
import io.splitstream.pipeline.plan.Plan;
import java.util.List;

/**
 * Turns a plan into loaded stages for a pipeline that keeps one plan: cuts the model at the plan's
 * cuts and loads each segment on each of its stage's processors, through a {@link SegmentCache}
 * of its own. A pipeline that switches plans is given the cache itself ({@link
 * Pipeline.Builder#plan(Plan, SegmentCache)}).
 */
public final class Assembly {
  /** The loaded stages and how to release them. */
  public record Loaded(List<Pipeline.StageBinding> stages, List<Segment> segments, Runnable release) {}

  private Assembly() {}

  /**
   * @throws SplitstreamException when the plan does not fit the model (a TFLite model cut in
   *     several stages) or a processor refuses its segment (an op it lacks)
   */
  public static Loaded load(Model model, Platform platform, Plan plan) {
    SegmentCache cache = new SegmentCache(model, platform);
    try {
      SegmentCache.LoadedPlan lp = cache.acquire(plan);
      List<Segment> segments = lp.stages().stream().map(Pipeline.StageBinding::segment).toList();
      return new Loaded(lp.stages(), segments, cache::close);
    } catch (RuntimeException e) {
      cache.close();
      throw e;
    }
  }
}
