package io.tracestream.alerting.notify;

import io.tracestream.alerting.AlertTransition;

/** Where paged transitions (firing, resolved) go. */
interface Receiver {
  /** Short name, used in metrics ({@code receiver} tag) and in the offset metadata of partial deliveries. */
  String name();

  void deliver(AlertTransition transition) throws DeliveryException;
}
