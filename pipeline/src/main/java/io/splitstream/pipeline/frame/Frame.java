package io.splitstream.pipeline.frame;

import io.splitstream.devices.tensor.TensorMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One unit of a stream: which stream, its sequence number there (from 0, gap-free as the source
 * emits them), when it was captured (scheduler clock, nanoseconds), its tensors, and the trace of
 * the stages it has passed. Immutable: each stage returns a new frame.
 */
public record Frame(String streamId, long seq, long captureNanos, TensorMap tensors, List<StageVisit> trace) {
  public Frame {
    Objects.requireNonNull(streamId, "streamId");
    Objects.requireNonNull(tensors, "tensors");
    trace = List.copyOf(trace);
  }

  public static Frame of(String streamId, long seq, long captureNanos, TensorMap tensors) {
    return new Frame(streamId, seq, captureNanos, tensors, List.of());
  }

  /** This frame after a stage: its outputs replace the tensors and the visit joins the trace. */
  public Frame after(StageVisit visit, TensorMap outputs) {
    List<StageVisit> t = new ArrayList<>(trace.size() + 1);
    t.addAll(trace);
    t.add(visit);
    return new Frame(streamId, seq, captureNanos, outputs, t);
  }

  public Frame withTensors(TensorMap next) {
    return new Frame(streamId, seq, captureNanos, next, trace);
  }

  /** A short id for logs and errors, e.g. {@code cam0#42}; never a metric tag. */
  public String id() {
    return streamId + "#" + seq;
  }
}
