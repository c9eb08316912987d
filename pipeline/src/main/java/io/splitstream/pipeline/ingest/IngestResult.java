package io.splitstream.pipeline.ingest;

import io.splitstream.devices.tensor.TensorMap;
import java.util.Objects;

/**
 * What became of one frame: completed with its outputs, shed by the overload policy (the reason
 * says which), failed (the cause), or rejected before admission (a bad frame; the reason names the
 * problem). Never silent: every frame a client sends is answered with one of these.
 *
 * @param completedNanos when it left, on the ingest's clock
 */
public record IngestResult(String streamId, long seq, Status status, String reason, TensorMap outputs,
    long completedNanos) {
  /** How a frame left. */
  public enum Status {
    COMPLETED, SHED, FAILED, REJECTED;

    /** The wire code (its ordinal), stable: new statuses go at the end. */
    public int code() {
      return ordinal();
    }

    public static Status ofCode(int code) {
      Status[] all = values();
      if (code < 0 || code >= all.length) {
        throw new IllegalArgumentException("unknown result status code " + code);
      }
      return all[code];
    }
  }

  public IngestResult {
    Objects.requireNonNull(streamId, "streamId");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(outputs, "outputs");
  }

  public boolean completed() {
    return status == Status.COMPLETED;
  }
}
