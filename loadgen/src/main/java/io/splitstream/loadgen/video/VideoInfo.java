package io.splitstream.loadgen.video;

import java.time.Duration;
import java.util.Optional;

/**
 * What probing a video found: its picture size, its frame rate (0 when the file does not say), its
 * codec's short name, and its length as the container declares it: pictures (0 when unknown) and
 * play time in microseconds (0 when unknown).
 */
public record VideoInfo(int width, int height, double frameRate, String codec, long frames, long lengthMicros) {
  public VideoInfo(int width, int height, double frameRate, String codec) {
    this(width, height, frameRate, codec, 0, 0);
  }

  /**
   * How long one pass over the file lasts when replayed at {@code fps} pictures a second, or at its
   * own timing when {@code fps} is 0; empty when the file does not say how long it is.
   */
  public Optional<Duration> playTime(double fps) {
    if (fps > 0 && frames > 0) {
      return Optional.of(Duration.ofNanos(Math.round(frames * 1e9 / fps)));
    }
    if (lengthMicros > 0) {
      return Optional.of(Duration.ofNanos(lengthMicros * 1000));
    }
    if (frames > 0 && frameRate > 0) {
      return Optional.of(Duration.ofNanos(Math.round(frames * 1e9 / frameRate)));
    }
    return Optional.empty();
  }
}
