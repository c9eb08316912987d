package io.splitstream.loadgen.tck;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.tensor.TensorMap;
import io.splitstream.loadgen.FrameCursor;
import java.util.OptionalLong;
import org.reactivestreams.tck.TestEnvironment;

/** What the source TCK runs share: a cursor of {@code items} frames and the environment. */
final class EmissionTck {
  static final long GC_TIMEOUT_MS = 1_000;

  private EmissionTck() {}

  static TestEnvironment environment() {
    return new TestEnvironment(300, 50);
  }

  /** {@code items} frames, one every {@code gapNanos}; fails on open when {@code items} is negative. */
  static FrameCursor cursor(long items, long gapNanos) {
    if (items < 0) {
      throw new SplitstreamException("video 'broken.mp4' can't be replayed: test failure");
    }
    return new FrameCursor() {
      long advanced;

      @Override
      public OptionalLong advance() {
        return advanced < items ? OptionalLong.of(gapNanos * advanced++) : OptionalLong.empty();
      }

      @Override
      public TensorMap tensors() {
        return TensorMap.empty();
      }

      @Override
      public void close() {}
    };
  }
}
