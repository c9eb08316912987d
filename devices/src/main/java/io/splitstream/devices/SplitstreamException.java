package io.splitstream.devices;

/**
 * A problem a user can act on: the message is one line that names the file or value, says what is
 * wrong with it and how to fix it. Callers at the edge (the CLI, the HTTP control API) print
 * {@link #getMessage()} as it is and exit non-zero; they never need the stack trace to explain it.
 */
public class SplitstreamException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public SplitstreamException(String message) {
    super(message);
  }

  public SplitstreamException(String message, Throwable cause) {
    super(message, cause);
  }
}
