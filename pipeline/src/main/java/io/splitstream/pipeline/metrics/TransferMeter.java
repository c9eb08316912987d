package io.splitstream.pipeline.metrics;

import io.micrometer.core.instrument.Counter;

/**
 * Counts the bytes moved from one processor to the next across a cut, obtained once from {@link
 * PipelineMetrics#transfer(String, String)} and then called per frame. Thread-safe.
 */
public final class TransferMeter {
  private final String from;
  private final String to;
  private final Counter bytes;

  TransferMeter(String from, String to, Counter bytes) {
    this.from = from;
    this.to = to;
    this.bytes = bytes;
  }

  public String from() {
    return from;
  }

  public String to() {
    return to;
  }

  /**
   * Adds {@code byteCount} bytes moved.
   *
   * @throws IllegalArgumentException when {@code byteCount} is negative
   */
  public void record(long byteCount) {
    if (byteCount < 0) {
      throw new IllegalArgumentException(
          "transfer " + from + " -> " + to + ": byte count " + byteCount + " is negative");
    }
    bytes.increment(byteCount);
  }

  /** Bytes counted so far. */
  public long total() {
    return (long) bytes.count();
  }
}
