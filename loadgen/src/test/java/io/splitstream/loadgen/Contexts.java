package io.splitstream.loadgen;

import io.splitstream.devices.model.TensorSpec;
import io.splitstream.devices.tensor.ElementType;
import io.splitstream.pipeline.source.SourceContext;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import reactor.core.scheduler.Scheduler;

/** Source contexts for tests. */
public final class Contexts {
  private Contexts() {}

  public static TensorSpec spec(ElementType type, long... shape) {
    return new TensorSpec("x", type, java.util.Arrays.stream(shape).boxed().toList());
  }

  public static SourceContext paced(TensorSpec input, Scheduler scheduler, Duration duration) {
    return new SourceContext(input, "cam0", scheduler, Optional.ofNullable(duration), 42, true);
  }

  public static SourceContext unpaced(TensorSpec input, Scheduler scheduler) {
    return new SourceContext(input, "cam0", scheduler, Optional.empty(), 42, false);
  }

  public static List<Long> shapeOf(long... dims) {
    return java.util.Arrays.stream(dims).boxed().toList();
  }
}
