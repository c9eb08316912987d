package io.splitstream.pipeline.source;

import io.splitstream.pipeline.frame.Frame;
import reactor.core.publisher.Flux;

/**
 * Where a stream's frames come from: a replayed video, synthetic arrivals, the network.
 *
 * <p>{@link #frames()} emits frames of one stream in sequence order (seq 0, 1, 2, … without gaps),
 * each stamped with its capture time from the context's scheduler. A paced source emits at its own
 * rate; when downstream demand is short it still produces (a live source does not wait) and the
 * pipeline's shed policy decides what happens to the excess, unless {@link #live()} is false, in
 * which case the source simply waits for demand (file replay). Errors in the source (an unreadable
 * file) are signalled as {@code onError} with a {@link io.splitstream.devices.SplitstreamException}.
 */
public interface FrameSource {
  Flux<Frame> frames();

  /** One line for people: what it replays or generates, at what rate. */
  String description();

  /** True when frames arrive whether or not the pipeline keeps up (camera, network, arrivals). */
  boolean live();

  /**
   * The knob for this source's arrival rate, when it has one (a paced synthetic source does; a file
   * replay or the network does not). A scenario's rate events go through it.
   */
  /**
   * The rate frames arrive at when the source keeps its own pace (a synthetic source's rate, a
   * video's frame rate replayed natively), in frames per second; empty when it has none (as fast
   * as taken) or does not know it. The first plan is chosen for it.
   */
  default java.util.OptionalDouble nominalRate() {
    return rateControl().map(r -> java.util.OptionalDouble.of(r.rate())).orElse(java.util.OptionalDouble.empty());
  }

  default java.util.Optional<RateControl> rateControl() {
    return java.util.Optional.empty();
  }

  /**
   * The shape this source gives the model input's tensors when that input has dynamic dimensions
   * and the source fills them itself (an image source: its picture size; a synthetic one: its
   * stated default), with how it chose them; empty when it does not choose.
   */
  default java.util.Optional<ChosenShape> chosenInputShape() {
    return java.util.Optional.empty();
  }

  /**
   * @param shape the concrete shape, no dynamic dimension left
   * @param how for people, e.g. "the video's picture size 640x480"
   */
  record ChosenShape(java.util.List<Long> shape, String how) {}
}
