package io.splitstream.devices.processor;

import io.splitstream.devices.SplitstreamException;

/** A segment was placed on a processor that lacks one of its ops. */
public final class UnsupportedOpException extends SplitstreamException {
  private static final long serialVersionUID = 1L;
  private final String opType;
  private final String processorId;

  public UnsupportedOpException(String segmentLabel, String processorId, String opType) {
    super("segment " + segmentLabel + " contains op " + opType + ", which processor '" + processorId
        + "' does not support: cut so that " + opType + " lands on another processor, or place this segment elsewhere");
    this.opType = opType;
    this.processorId = processorId;
  }

  public String opType() {
    return opType;
  }

  public String processorId() {
    return processorId;
  }
}
