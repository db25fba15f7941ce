package io.tracestream.alerting.state;

/** A transition, as written to the alerts topic. */
public enum AlertStatus {
  /** The condition started to hold; the alert fires if it goes on holding for {@code for}. */
  PENDING,
  /** The alert fires: paged. */
  FIRING,
  /** A firing alert is over: paged. */
  RESOLVED,
  /** A pending alert cleared before it fired: recorded, not paged. */
  INACTIVE
}
