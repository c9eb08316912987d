package io.splitstream.pipeline.frame;

/**
 * How one frame left the pipeline: one per offered frame, told once, when it settles (at the sink,
 * or at admission when the shed policy drops it there).
 *
 * @param streamId the frame's stream
 * @param seq its sequence number in the stream
 * @param captureNanos when the source stamped it, pipeline clock
 * @param settledNanos when it settled, pipeline clock (completion time for a completed frame)
 * @param outcome {@code completed}, {@code shed} or {@code failed}
 * @param reason the shed policy's reason or the failure's cause; empty for a completed frame
 * @param epoch the plan epoch it was admitted under (0 for a frame shed before admission)
 */
public record Settlement(String streamId, long seq, long captureNanos, long settledNanos, String outcome,
    String reason, long epoch) {
  public static final String COMPLETED = "completed";
  public static final String SHED = "shed";
  public static final String FAILED = "failed";

  /** Settled minus captured, in nanoseconds (never negative). */
  public long latencyNanos() {
    return Math.max(0, settledNanos - captureNanos);
  }

  public boolean completed() {
    return COMPLETED.equals(outcome);
  }

  /**
   * The settlement of {@code f} at {@code now}, from the audit's verdict: {@code completed},
   * {@code shed:REASON} or {@code failed:CAUSE}.
   */
  public static Settlement of(Frame f, long now, String how) {
    int colon = how.indexOf(':');
    return new Settlement(f.streamId(), f.seq(), f.captureNanos(), now, colon < 0 ? how : how.substring(0, colon),
        colon < 0 ? "" : how.substring(colon + 1), f.epoch());
  }
}
