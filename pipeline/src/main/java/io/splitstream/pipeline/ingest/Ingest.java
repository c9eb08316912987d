package io.splitstream.pipeline.ingest;

import io.splitstream.devices.model.TensorSpec;
import io.splitstream.pipeline.frame.Frame;
import java.util.function.Consumer;
import reactor.core.scheduler.Scheduler;

/**
 * A pipeline that takes frames pushed to it, one at a time, and answers each with its result: what
 * {@code serve} puts behind the network and what {@code loadgen --scenario} drives in-process.
 *
 * <p>Every submitted frame is answered exactly once ({@code done} is called with its {@link
 * IngestResult}), and the answers of one stream come in its submission order. Thread-safe: frames
 * may be submitted from any thread; {@code done} runs on the thread that settled the frame.
 */
public interface Ingest extends AutoCloseable {
  /** The tensor every frame must carry: name, element type and shape. */
  TensorSpec input();

  /** The clock capture times and completions are read from (virtual in simulation). */
  Scheduler clock();

  /** One line for people: the model, platform and plan behind it. */
  String description();

  /**
   * Takes {@code frame} into the pipeline; {@code done} gets its result once it has left.
   *
   * @throws IllegalStateException after {@link #complete()}
   */
  void submit(Frame frame, Consumer<IngestResult> done);

  /** Frames per second it is expected to take, when known (the plan's estimate); else -1. */
  default double expectedRate() {
    return -1;
  }

  /** The end-of-run audit, after {@link #complete()}: one line saying every frame was answered once, or what went wrong. */
  String audit();

  /** True when the audit passed. */
  boolean auditPassed();

  /** No more frames: those in flight finish, then the pipeline reports. */
  void complete();

  @Override
  void close();
}
