package io.tracestream.alerting.notify;

/** What the notifier counts; a no-op and one Micrometer implementation. */
public interface NotifierMetrics {
  NotifierMetrics NOOP = new NotifierMetrics() {
    @Override
    public void delivery(String receiver, String outcome) {}

    @Override
    public void skipped(String reason) {}
  };

  /**
   * One delivery attempt's outcome at a receiver: {@code delivered}, {@code retry} (failed, will be
   * tried again), {@code failed} (given up), {@code resent} (firing alerts sent again to Alertmanager),
   * {@code resend_failed}.
   */
  void delivery(String receiver, String outcome);

  /** A transition read but not delivered: {@code not_paged}, {@code duplicate}, {@code undecodable}. */
  void skipped(String reason);
}
