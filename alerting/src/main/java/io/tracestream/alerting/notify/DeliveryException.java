package io.tracestream.alerting.notify;

/** A delivery that did not succeed; {@link #retryable()} when trying again may help (5xx, 429, I/O). */
final class DeliveryException extends Exception {
  private final boolean retryable;

  DeliveryException(String message, boolean retryable) {
    super(message);
    this.retryable = retryable;
  }

  boolean retryable() {
    return retryable;
  }
}
