package io.splitstream.devices.processor;

import io.splitstream.devices.SplitstreamException;

/** The processor went offline while a segment was placed on it. */
public final class ProcessorOfflineException extends SplitstreamException {
  private static final long serialVersionUID = 1L;

  public ProcessorOfflineException(String processorId) {
    super("processor '" + processorId + "' is offline");
  }
}
