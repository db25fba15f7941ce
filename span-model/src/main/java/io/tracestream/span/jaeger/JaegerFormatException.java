package io.tracestream.span.jaeger;

/** Jaeger input that cannot be translated (bad Thrift, an id or a time out of range); the message says why. */
public final class JaegerFormatException extends Exception {
  public JaegerFormatException(String message) {
    super(message);
  }
}
