package io.splitstream.devices.processor;

import io.splitstream.devices.model.Segment;
import io.splitstream.devices.tensor.TensorMap;
import java.time.Duration;

/**
 * A segment loaded (compiled) onto one processor, ready to run. Load the segment twice for two
 * replicas.
 *
 * <p>Threads: {@link #run} may be called from any thread, also from several at once (a backend
 * that runs one invocation at a time serialises them). {@link #close} may be called from any
 * thread at any time, also while a run is in flight: it waits for the runs in flight, frees the
 * backend once however many threads close, and every run that starts after it throws
 * {@link IllegalStateException} naming the segment.
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
   * @throws IllegalStateException when the segment is closed
   */
  Execution run(TensorMap inputs);

  /**
   * The service time one invocation is expected to take now, without running it: exact for an
   * emulated processor (profile and current availability), the running mean of measured
   * invocations for a real one (zero before the first).
   */
  Duration expectedServiceTime();

  /** Frees the segment after the runs in flight; idempotent. */
  @Override
  void close();
}
