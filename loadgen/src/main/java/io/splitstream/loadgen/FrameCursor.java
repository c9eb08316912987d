package io.splitstream.loadgen;

import io.splitstream.devices.tensor.TensorMap;
import java.util.OptionalLong;

/**
 * A source's position in its content, one subscription's worth: it steps to the next item, says
 * when that item is due, and hands out its tensors. {@link Emission} drives it, one call at a time
 * (never concurrently), and closes it exactly once when the stream ends for any reason.
 */
public interface FrameCursor extends AutoCloseable {
  /**
   * Moves to the next item.
   *
   * @return when it is due, in nanoseconds from the start of the stream (non-decreasing), or empty
   *     when there are no more items
   * @throws io.splitstream.devices.SplitstreamException when the content can't be read
   */
  OptionalLong advance();

  /** The tensors of the item {@link #advance()} moved to. */
  TensorMap tensors();

  /** Releases what the cursor holds (a decoder, a file); never throws. */
  @Override
  void close();
}
