package io.splitstream.pipeline.frame;

import io.splitstream.devices.tensor.TensorMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One unit of a stream: which stream, its sequence number there (from 0, gap-free as the source
 * emits them), when it was captured (scheduler clock, nanoseconds), its tensors, and the trace of
 * the stages it has passed. Immutable: each stage returns a new frame.
 *
 * <p>Three fields serve live re-planning: {@code epoch} is the plan epoch the frame was admitted
 * under (stamped once, at admission, and never changed: it decides which plan computes it);
 * {@code input} keeps the tensors the source gave, so a frame whose processor is lost part-way can
 * be run again from the start under the next plan; {@code done} marks a frame that such a re-run
 * has already taken through every stage, so the rest of its original plan passes it on untouched.
 */
public record Frame(String streamId, long seq, long captureNanos, TensorMap tensors, List<StageVisit> trace,
    long epoch, TensorMap input, boolean done) {
  public Frame {
    Objects.requireNonNull(streamId, "streamId");
    Objects.requireNonNull(tensors, "tensors");
    Objects.requireNonNull(input, "input");
    trace = List.copyOf(trace);
  }

  /** A frame as the source emits it: not yet admitted (epoch 0), its tensors are its input. */
  public Frame(String streamId, long seq, long captureNanos, TensorMap tensors, List<StageVisit> trace) {
    this(streamId, seq, captureNanos, tensors, trace, 0, tensors, false);
  }

  public static Frame of(String streamId, long seq, long captureNanos, TensorMap tensors) {
    return new Frame(streamId, seq, captureNanos, tensors, List.of());
  }

  /** This frame after a stage: its outputs replace the tensors and the visit joins the trace. */
  public Frame after(StageVisit visit, TensorMap outputs) {
    List<StageVisit> t = new ArrayList<>(trace.size() + 1);
    t.addAll(trace);
    t.add(visit);
    return new Frame(streamId, seq, captureNanos, outputs, t, epoch, input, done);
  }

  public Frame withTensors(TensorMap next) {
    return new Frame(streamId, seq, captureNanos, next, trace, epoch, input, done);
  }

  /** This frame, admitted under plan epoch {@code e}. */
  public Frame withEpoch(long e) {
    return new Frame(streamId, seq, captureNanos, tensors, trace, e, input, done);
  }

  /** This frame back at its input, keeping its trace, to be run again from the first stage. */
  public Frame restarted() {
    return new Frame(streamId, seq, captureNanos, input, trace, epoch, input, false);
  }

  /** This frame with every stage done: the stages still ahead of it pass it on. */
  public Frame finished() {
    return new Frame(streamId, seq, captureNanos, tensors, trace, epoch, input, true);
  }

  /** A short id for logs and errors, e.g. {@code cam0#42}; never a metric tag. */
  public String id() {
    return streamId + "#" + seq;
  }
}
