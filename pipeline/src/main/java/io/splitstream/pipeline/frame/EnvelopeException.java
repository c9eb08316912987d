package io.splitstream.pipeline.frame;

/**
 * A frame envelope (or a message around one) that cannot be read: {@link #kind()} names what is
 * wrong in a word for counters ({@code truncated}, {@code garbage}, {@code tensor-size}, ...), the
 * message says it for people.
 */
public final class EnvelopeException extends RuntimeException {
  private final String kind;

  public EnvelopeException(String kind, String message) {
    super(message);
    this.kind = kind;
  }

  public String kind() {
    return kind;
  }
}
