package io.splitstream.loadgen;

import io.splitstream.devices.SplitstreamException;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Optional;

/**
 * The refusal every finite source gives a run longer than itself: a run lasts its {@code
 * --duration}, so a source that would end first (a video, a recording, an arrival trace) says so
 * before the run starts, with its length and what to add instead.
 */
public final class RunLength {
  private RunLength() {}

  /**
   * Refuses {@code duration} when it is longer than {@code length}.
   *
   * @param what the source, as the message names it (e.g. {@code video 'clip.mp4'})
   * @param lengthNote how the length is measured (e.g. {@code at its own rate})
   * @param remedy what to add to the source instead (e.g. {@code add ,loop=true to ...})
   * @throws SplitstreamException "--duration D is longer than WHAT (L NOTE): REMEDY, or give
   *     --duration L or less"
   */
  public static void check(Optional<Duration> duration, Duration length, String what, String lengthNote, String remedy) {
    if (duration.isPresent() && duration.get().compareTo(length) > 0) {
      throw new SplitstreamException("--duration " + seconds(duration.get()) + " is longer than " + what + " ("
          + seconds(length) + " " + lengthNote + "): " + remedy + ", or give --duration " + seconds(length) + " or less");
    }
  }

  /** {@code d} in seconds to the millisecond (cut, not rounded), e.g. {@code 17.92s}. */
  static String seconds(Duration d) {
    return BigDecimal.valueOf(d.toMillis(), 3).stripTrailingZeros().toPlainString() + "s";
  }
}
