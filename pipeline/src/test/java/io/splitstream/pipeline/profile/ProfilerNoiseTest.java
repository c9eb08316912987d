package io.splitstream.pipeline.profile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.splitstream.devices.model.ModelFormat;
import io.splitstream.devices.model.Segment;
import io.splitstream.devices.onnx.OnnxModel;
import io.splitstream.devices.onnx.gen.OnnxModelGenerator;
import io.splitstream.devices.processor.Availability;
import io.splitstream.devices.processor.Execution;
import io.splitstream.devices.processor.Interconnect;
import io.splitstream.devices.processor.LoadedSegment;
import io.splitstream.devices.processor.Platform;
import io.splitstream.devices.processor.Processor;
import io.splitstream.devices.processor.ProcessorKind;
import io.splitstream.devices.tensor.TensorMap;
import io.splitstream.pipeline.plan.ProfileTable;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The profiler on a real (not emulated) processor whose timings are noisy the way a shared host's
 * are: a long warm-up (a delegate or JIT settling) and frequent interference. The figures it keeps
 * must be the steady ones, and block times plus the invocation cost must add up to the whole.
 */
class ProfilerNoiseTest {
  /** Fixed cost of one invocation and cost per node of the fake processor. */
  private static final long INVOCATION_NANOS = 200_000;
  private static final long PER_NODE_NANOS = 100_000;

  @Test
  void warmUpAndInterferenceDoNotReachTheProfile() {
    OnnxModel model = OnnxModel.parse("one-heavy-gemm", OnnxModelGenerator.oneHeavyGemm(25, 7).toByteArray());
    try (Platform p = new Platform("noisy", "a noisy real processor", List.of(new NoisyProcessor()),
        Interconnect.SHARED_MEMORY, false)) {
      ProfileTable t = Profiler.profile(model, p, new Profiler.Options(5, 3, 15, 1));
      double invocation = t.processors().get(0).invocationMs();
      assertThat(invocation).as("invocation cost").isCloseTo(INVOCATION_NANOS / 1e6, within(0.01));
      for (ProfileTable.Block b : t.blocks()) {
        double expected = (b.endNode() - b.firstNode()) * PER_NODE_NANOS / 1e6;
        assertThat(b.ms("noisy").getAsDouble()).as("block %s", b.index()).isCloseTo(expected, within(0.01));
      }
      double sum = t.blocks().stream().mapToDouble(b -> b.ms("noisy").getAsDouble()).sum();
      assertThat(sum + invocation).as("blocks + one invocation = the whole model")
          .isCloseTo((INVOCATION_NANOS + 25 * PER_NODE_NANOS) / 1e6, within(0.02));
    }
  }

  /**
   * Each loaded segment takes invocation + nodes x per-node, except its first 12 runs (10x: warm
   * up) and every fourth run after them (8x: another process took the core).
   */
  private static final class NoisyProcessor implements Processor {
    private final Availability availability = new Availability();

    @Override
    public String id() {
      return "noisy";
    }

    @Override
    public ProcessorKind kind() {
      return ProcessorKind.CPU;
    }

    @Override
    public boolean emulated() {
      return false;
    }

    @Override
    public String description() {
      return "a fake real processor with noisy timings";
    }

    @Override
    public Set<ModelFormat> formats() {
      return Set.of(ModelFormat.ONNX);
    }

    @Override
    public boolean supports(String opType) {
      return true;
    }

    @Override
    public Availability availability() {
      return availability;
    }

    @Override
    public LoadedSegment load(Segment segment) {
      Processor self = this;
      long steady = INVOCATION_NANOS + (segment.endNode() - segment.firstNode()) * PER_NODE_NANOS;
      return new LoadedSegment() {
        private long calls;

        @Override
        public Segment segment() {
          return segment;
        }

        @Override
        public Processor processor() {
          return self;
        }

        @Override
        public Duration loadTime() {
          return Duration.ZERO;
        }

        @Override
        public Execution run(TensorMap inputs) {
          calls++;
          long t = calls <= 12 ? 10 * steady : calls % 4 == 0 ? 8 * steady : steady;
          return new Execution(TensorMap.of(Map.of()), t, t, false);
        }

        @Override
        public Duration expectedServiceTime() {
          return Duration.ofNanos(steady);
        }

        @Override
        public void close() {}
      };
    }

    @Override
    public void close() {}
  }
}
