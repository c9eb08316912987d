package io.splitstream.pipeline;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.splitstream.devices.model.TensorSpec;
import io.splitstream.devices.onnx.OnnxModel;
import io.splitstream.devices.onnx.gen.OnnxModelGenerator;
import io.splitstream.devices.processor.Platform;
import io.splitstream.devices.tensor.Tensor;
import io.splitstream.devices.tensor.TensorMap;
import io.splitstream.operators.ShedPolicy;
import io.splitstream.operators.time.SimulatedTime;
import io.splitstream.pipeline.frame.Frame;
import io.splitstream.pipeline.plan.Plan;
import io.splitstream.pipeline.source.FrameSource;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;

/** Shared pieces of the pipeline tests: generated models, test sources, a simulated run. */
final class PipelineFixture {
  private PipelineFixture() {}

  static OnnxModel mobileNetLarge() {
    return OnnxModel.parse("mobilenet-large",
        OnnxModelGenerator.mobileNetV2(OnnxModelGenerator.mobileNetLarge()).toByteArray());
  }

  static OnnxModel mobileNetSmall() {
    return OnnxModel.parse("mobilenet-small",
        OnnxModelGenerator.mobileNetV2(OnnxModelGenerator.mobileNetSmall()).toByteArray());
  }

  /** A fresh emulated Snapdragon 855 whose processors do not compute outputs (timing only). */
  static Platform sd855() {
    return io.splitstream.devices.platform.Platforms.emulated("sd855-pixel4", 1, false);
  }

  /** {@code model} profiled on a throw-away {@link #sd855()} in at most {@code maxBlocks} blocks. */
  static io.splitstream.pipeline.plan.ProfileTable profileOnSd855(OnnxModel model, int maxBlocks) {
    try (Platform p = sd855()) {
      return io.splitstream.pipeline.profile.Profiler.profile(model, p,
          new io.splitstream.pipeline.profile.Profiler.Options(maxBlocks, 0, 1, 1));
    }
  }

  static TensorMap input(OnnxModel model) {
    TensorSpec in = model.inputs().get(0);
    return TensorMap.of(in.name(), Tensor.zeros(in.type(), in.shapeArray()));
  }

  /** Frames as fast as the pipeline takes them, until {@code length} of clock time has passed. */
  static FrameSource unpaced(OnnxModel model, Scheduler clock, Duration length) {
    TensorMap tensors = input(model);
    return new FrameSource() {
      @Override
      public Flux<Frame> frames() {
        return Flux.defer(() -> {
          long end = clock.now(TimeUnit.NANOSECONDS) + length.toNanos();
          return Flux.<Frame, Long>generate(() -> 0L, (seq, sink) -> {
            long now = clock.now(TimeUnit.NANOSECONDS);
            if (now >= end) {
              sink.complete();
            } else {
              sink.next(Frame.of("s0", seq, now, tensors));
            }
            return seq + 1;
          });
        });
      }

      @Override
      public String description() {
        return "test frames as fast as taken";
      }

      @Override
      public boolean live() {
        return false;
      }
    };
  }

  /** A live source: a frame every {@code period} whether or not the pipeline keeps up. */
  static FrameSource live(OnnxModel model, Scheduler clock, Duration period, long count) {
    TensorMap tensors = input(model);
    return new FrameSource() {
      @Override
      public Flux<Frame> frames() {
        return Flux.interval(period, clock)
            .take(count)
            .map(seq -> Frame.of("s0", seq, clock.now(TimeUnit.NANOSECONDS), tensors))
            .onBackpressureBuffer();
      }

      @Override
      public String description() {
        return "test frames every " + period;
      }

      @Override
      public boolean live() {
        return true;
      }
    };
  }

  static Pipeline pipeline(OnnxModel model, Platform platform, Plan plan, FrameSource source, ShedPolicy policy,
      SimulatedTime sim) {
    return pipeline(model, platform, plan, source, policy, java.util.Optional.empty(), sim, new SimpleMeterRegistry());
  }

  /** {@link #pipeline} with a latency budget, and its meters on {@code registry}. */
  static Pipeline pipeline(OnnxModel model, Platform platform, Plan plan, FrameSource source, ShedPolicy policy,
      java.util.Optional<Duration> budget, SimulatedTime sim, io.micrometer.core.instrument.MeterRegistry registry) {
    Assembly.Loaded loaded = Assembly.load(model, platform, plan);
    return Pipeline.builder()
        .model(model.name())
        .platform(platform)
        .plan(plan)
        .stages(loaded.stages())
        .source(source)
        .policy(policy)
        .budget(budget)
        .clock(sim, true)
        .registry(registry)
        .onClose(loaded.release())
        .build();
  }

  /** Runs {@code pipeline} to its end on {@code sim}; the report, or the failure. */
  static RunReport simulate(Pipeline pipeline, SimulatedTime sim) {
    AtomicReference<RunReport> report = new AtomicReference<>();
    AtomicReference<Throwable> error = new AtomicReference<>();
    pipeline.run().subscribe(report::set, error::set);
    sim.run();
    if (error.get() != null) {
      throw new AssertionError("pipeline failed", error.get());
    }
    if (report.get() == null) {
      throw new AssertionError("pipeline did not finish: " + pipeline.ledger());
    }
    return report.get();
  }
}
