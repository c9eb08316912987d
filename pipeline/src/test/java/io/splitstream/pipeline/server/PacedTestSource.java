package io.splitstream.pipeline.server;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.tensor.Tensor;
import io.splitstream.devices.tensor.TensorMap;
import io.splitstream.pipeline.frame.Frame;
import io.splitstream.pipeline.source.FrameSource;
import io.splitstream.pipeline.source.FrameSourceProvider;
import io.splitstream.pipeline.source.SourceContext;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import reactor.core.publisher.Flux;

/**
 * {@code paced:RATE}: zero frames of the model's input at RATE frames/s on the run's clock, for the
 * pipeline module's tests (the real sources live in loadgen, which this module does not see).
 */
public final class PacedTestSource implements FrameSourceProvider {
  @Override
  public String scheme() {
    return "paced";
  }

  @Override
  public String usage() {
    return "paced:RATE (tests only)";
  }

  @Override
  public FrameSource open(String argument, SourceContext ctx) {
    double rate;
    try {
      rate = Double.parseDouble(argument);
    } catch (NumberFormatException e) {
      throw new SplitstreamException("paced:" + argument + " is not a rate");
    }
    TensorMap tensors = TensorMap.of(ctx.input().name(), Tensor.zeros(ctx.input().type(), ctx.input().shapeArray()));
    Duration period = Duration.ofNanos(Math.round(1e9 / rate));
    return new FrameSource() {
      @Override
      public Flux<Frame> frames() {
        Flux<Long> ticks = Flux.interval(period, ctx.scheduler());
        if (ctx.duration().isPresent()) {
          ticks = ticks.take(ctx.duration().get().toNanos() / period.toNanos());
        }
        return ticks.map(seq -> Frame.of(ctx.streamId(), seq, ctx.scheduler().now(TimeUnit.NANOSECONDS), tensors))
            .onBackpressureDrop();
      }

      @Override
      public String description() {
        return "test frames at " + rate + " frames/s";
      }

      @Override
      public boolean live() {
        return true;
      }
    };
  }
}
