package io.splitstream.pipeline.server;

/**
 * An HTTP error the server answers with a JSON body {@code {"status", "error", "field", "message"}}:
 * the status, its reason phrase, the request field or parameter at fault (empty when none is) and
 * a sentence saying what is wrong and what to do.
 */
final class ApiError extends RuntimeException {
  final int status;
  final String field;
  /** For 405: the methods the path allows, for the {@code Allow} header. */
  final String allow;

  ApiError(int status, String field, String message) {
    this(status, field, message, "");
  }

  ApiError(int status, String field, String message, String allow) {
    super(message);
    this.status = status;
    this.field = field == null ? "" : field;
    this.allow = allow;
  }
}
