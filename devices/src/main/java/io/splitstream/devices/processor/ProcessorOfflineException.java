package io.splitstream.devices.processor;

import io.splitstream.devices.SplitstreamException;

/** The processor went offline while a segment was placed on it. */
public final class ProcessorOfflineException extends SplitstreamException {
  private static final long serialVersionUID = 1L;
  private final String processorId;

  public ProcessorOfflineException(String processorId) {
    super("processor '" + processorId + "' is offline");
    this.processorId = processorId;
  }

  /** The processor that is offline. */
  public String processorId() {
    return processorId;
  }
}
