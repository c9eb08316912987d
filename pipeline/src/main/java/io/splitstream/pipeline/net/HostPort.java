package io.splitstream.pipeline.net;

import io.splitstream.devices.SplitstreamException;

/** A {@code HOST:PORT} given on the command line. */
public record HostPort(String host, int port) {
  public static HostPort parse(String text, String option) {
    int colon = text.lastIndexOf(':');
    if (colon <= 0 || colon == text.length() - 1) {
      throw new SplitstreamException(option + " '" + text + "' is not HOST:PORT: give e.g. " + option + " 127.0.0.1:7878");
    }
    int port;
    try {
      port = Integer.parseInt(text.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new SplitstreamException(option + " '" + text + "' has no port number: give e.g. " + option + " 127.0.0.1:7878");
    }
    if (port < 1 || port > 65535) {
      throw new SplitstreamException(option + " port " + port + " is not in 1..65535: give e.g. " + option + " 127.0.0.1:7878");
    }
    return new HostPort(text.substring(0, colon), port);
  }
}
