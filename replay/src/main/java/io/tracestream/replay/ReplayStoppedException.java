package io.tracestream.replay;

/** Replay stopped before the end of its input: {@code --strict} met bad input, or it was interrupted. */
public final class ReplayStoppedException extends RuntimeException {
  public ReplayStoppedException(String message) {
    super(message);
  }

  public ReplayStoppedException(String message, Throwable cause) {
    super(message, cause);
  }
}
