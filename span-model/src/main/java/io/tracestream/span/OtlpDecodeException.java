package io.tracestream.span;

/** A request body that is not a valid OTLP message; the message says what is wrong and where. */
public final class OtlpDecodeException extends Exception {
  public OtlpDecodeException(String message, Throwable cause) {
    super(message, cause);
  }

  public OtlpDecodeException(String message) {
    super(message);
  }
}
