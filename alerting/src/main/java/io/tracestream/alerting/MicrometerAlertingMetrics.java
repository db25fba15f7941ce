package io.tracestream.alerting;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tracestream.alerting.notify.NotifierMetrics;
import io.tracestream.alerting.state.AlertStatus;
import java.util.Locale;

/** The evaluator's and the notifier's counters in Micrometer; names in README "Metrics". */
final class MicrometerAlertingMetrics implements EvaluatorMetrics, NotifierMetrics {
  private final MeterRegistry registry;

  MicrometerAlertingMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  @Override
  public void transition(AlertStatus status, boolean paged) {
    Counter.builder("tracestream.alerting.transitions")
        .description("Alert transitions written to the alerts topic")
        .tag("status", status.name().toLowerCase(Locale.ROOT))
        .tag("paged", Boolean.toString(paged))
        .register(registry).increment();
  }

  @Override
  public void skipped(String reason) {
    Counter.builder("tracestream.alerting.skipped")
        .description("Input records, windows or transitions left out, by reason")
        .tag("reason", reason)
        .register(registry).increment();
  }

  @Override
  public void delivery(String receiver, String outcome) {
    Counter.builder("tracestream.alerting.deliveries")
        .description("Deliveries to receivers by outcome")
        .tag("receiver", receiver)
        .tag("outcome", outcome)
        .register(registry).increment();
  }
}
