package io.splitstream.devices.processor;

/**
 * What moving tensors between two processors costs. Emulated platforms take it from the SoC
 * profile (latency + bytes / bandwidth, published figures); real ones report what the copy really
 * costs (zero between CPU processors sharing host memory).
 */
public interface Interconnect {
  /** Nanoseconds to move {@code bytes} from {@code from} to {@code to}; zero when they are the same. */
  long transferNanos(Processor from, Processor to, long bytes);

  /** Moving costs nothing: processors share memory. */
  Interconnect SHARED_MEMORY = (from, to, bytes) -> 0L;
}
