package io.tracestream.replay.source;

/** One line, message or trace that cannot be replayed; the message says what is wrong with it. */
public final class BadInputException extends Exception {
  public BadInputException(String message) {
    super(message);
  }

  public BadInputException(String message, Throwable cause) {
    super(message, cause);
  }
}
