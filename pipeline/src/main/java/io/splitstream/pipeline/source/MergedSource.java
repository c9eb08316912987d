package io.splitstream.pipeline.source;

import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import reactor.core.publisher.Flux;

/**
 * Several streams into one pipeline: each child source keeps its own stream id, sequence numbers
 * and arrival process, and their frames are interleaved as they arrive.
 *
 * <p><b>Order.</b> Frames of one stream keep their order (each child emits in sequence order and
 * {@link Flux#merge} never reorders within one inner stream); frames of different streams are
 * interleaved by arrival, on the shared scheduler clock. <b>Demand.</b> Downstream demand is
 * spread over the children by {@code merge} (a small prefetch per child): a live child emits when
 * its frames are due whatever the demand, as a live source does; a non-live one (file replay)
 * waits. <b>Errors.</b> The first child that fails ends the merged stream with its error; the
 * others are cancelled. <b>Cancellation</b> reaches every child. <b>Threads:</b> the children's,
 * serialised by {@code merge}.
 *
 * <p>The merged source is live when any child is; its nominal rate is the sum of the children's
 * when each has one. Its {@link #rateControl()} exists when every child has one: setting the total
 * rate scales each child's rate by the same factor (a scenario's {@code rate} event then means the
 * total over the streams).
 */
public final class MergedSource implements FrameSource {
  private final List<FrameSource> streams;

  /** @param streams one source per stream, each opened with its own stream id; at least one */
  public MergedSource(List<FrameSource> streams) {
    if (streams.isEmpty()) {
      throw new IllegalArgumentException("a merged source needs at least one stream");
    }
    this.streams = List.copyOf(streams);
  }

  /** The streams, in the order they were given. */
  public List<FrameSource> streams() {
    return streams;
  }

  @Override
  public Flux<io.splitstream.pipeline.frame.Frame> frames() {
    return Flux.merge(streams.stream().map(FrameSource::frames).toList());
  }

  @Override
  public String description() {
    List<String> distinct = streams.stream().map(FrameSource::description).distinct().toList();
    return streams.size() + " streams: " + (distinct.size() == 1 ? "each " + distinct.get(0)
        : distinct.size() <= 3 ? String.join("; ", distinct)
        : "the first " + distinct.get(0) + " (" + (distinct.size() - 1) + " others differ, e.g. by seed)");
  }

  @Override
  public boolean live() {
    return streams.stream().anyMatch(FrameSource::live);
  }

  @Override
  public OptionalDouble nominalRate() {
    double sum = 0;
    for (FrameSource s : streams) {
      OptionalDouble r = s.nominalRate();
      if (r.isEmpty()) {
        return OptionalDouble.empty();
      }
      sum += r.getAsDouble();
    }
    return OptionalDouble.of(sum);
  }

  @Override
  public Optional<RateControl> rateControl() {
    List<RateControl> controls = streams.stream().map(FrameSource::rateControl).flatMap(Optional::stream).toList();
    if (controls.size() != streams.size()) {
      return Optional.empty();
    }
    return Optional.of(new RateControl() {
      @Override
      public double rate() {
        return controls.stream().mapToDouble(RateControl::rate).sum();
      }

      @Override
      public synchronized void setRate(double framesPerSecond) {
        if (!(framesPerSecond > 0) || Double.isInfinite(framesPerSecond)) {
          throw new IllegalArgumentException("rate must be a finite number of frames/s above 0, got " + framesPerSecond);
        }
        double factor = framesPerSecond / rate();
        controls.forEach(c -> c.setRate(c.rate() * factor));
      }
    });
  }
}
