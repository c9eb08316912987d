package io.splitstream.devices.processor;

import io.splitstream.devices.model.ModelFormat;
import io.splitstream.devices.model.Segment;
import java.util.Optional;
import java.util.Set;

/**
 * Something that computes segments: a CPU, GPU or NPU, real (a backend on this host's hardware) or
 * emulated (following a published SoC profile while computing real outputs on the host).
 *
 * <p>Every implementation passes {@code ProcessorContract}. Thread-safe: segments may be loaded
 * from any thread.
 */
public interface Processor extends AutoCloseable {
  /** Unique within a platform, e.g. {@code cpu}, {@code gpu}, {@code npu}. */
  String id();

  ProcessorKind kind();

  /** True when its timing comes from a profile rather than the hardware. */
  boolean emulated();

  /** One line for people: what it is, and "emulated" or the real backend it runs on. */
  String description();

  Set<ModelFormat> formats();

  /** Whether it can run nodes of {@code opType}. */
  boolean supports(String opType);

  /** The first op type of {@code segment} this processor lacks, if any. */
  default Optional<String> firstUnsupportedOp(Segment segment) {
    return segment.opTypes().stream().sorted().filter(op -> !supports(op)).findFirst();
  }

  Availability availability();

  /**
   * Loads {@code segment} onto this processor.
   *
   * @throws UnsupportedOpException when the segment holds an op this processor lacks (naming op,
   *     segment and processor); never falls back to another processor silently
   * @throws io.splitstream.devices.SplitstreamException when the format is not one it runs
   */
  LoadedSegment load(Segment segment);

  @Override
  void close();
}
