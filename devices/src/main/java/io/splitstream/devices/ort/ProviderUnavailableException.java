package io.splitstream.devices.ort;

import io.splitstream.devices.SplitstreamException;

/**
 * An execution provider was asked for that this ONNX Runtime build or this host cannot give. The
 * message names the provider, what the build has, and what to install or choose instead.
 */
public final class ProviderUnavailableException extends SplitstreamException {
  private static final long serialVersionUID = 1L;
  private final String provider;

  public ProviderUnavailableException(String provider, String message) {
    super(message);
    this.provider = provider;
  }

  /** The provider name as the caller gave it, e.g. {@code cuda}. */
  public String provider() {
    return provider;
  }
}
