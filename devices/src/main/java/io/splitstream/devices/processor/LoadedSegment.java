package io.splitstream.devices.processor;

import io.splitstream.devices.model.Segment;
import io.splitstream.devices.tensor.TensorMap;
import java.time.Duration;

/**
 * A segment loaded (compiled) onto one processor, ready to run. One invocation at a time per
 * loaded segment: callers serialise {@link #run}; load the segment twice for two replicas.
 */
public interface LoadedSegment extends AutoCloseable {
  Segment segment();

  Processor processor();

  /** How long loading took: measured on a real processor, the profile's figure when emulated. */
  Duration loadTime();

  /**
   * Runs the segment on {@code inputs} (names as in {@link Segment#inputs()}).
   *
   * @throws ProcessorOfflineException when the processor went offline
   * @throws io.splitstream.devices.SplitstreamException when the inputs don't fit the segment
   */
  Execution run(TensorMap inputs);

  /**
   * The service time one invocation is expected to take now, without running it: exact for an
   * emulated processor (profile and current availability), the running mean of measured
   * invocations for a real one (zero before the first).
   */
  Duration expectedServiceTime();

  @Override
  void close();
}
