package io.tracestream.alerting.notify;

import io.tracestream.alerting.AlertTransition;
import java.net.URI;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A generic JSON webhook: one POST per paged transition. The payload carries {@code idempotencyKey},
 * the same for every delivery of one transition, so a receiver drops the rare repeat (see
 * alerting/README.md, "Guarantees").
 */
final class WebhookReceiver implements Receiver {
  private final URI url;
  private final JsonPost http;

  WebhookReceiver(URI url, JsonPost http) {
    this.url = url;
    this.http = http;
  }

  @Override
  public String name() {
    return "webhook";
  }

  @Override
  public void deliver(AlertTransition t) throws DeliveryException {
    http.post(url, payload(t));
  }

  static Map<String, Object> payload(AlertTransition t) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("version", "1");
    body.put("idempotencyKey", t.idempotencyKey());
    body.put("status", t.status().name().toLowerCase(Locale.ROOT));
    body.put("alertId", t.alertId());
    body.put("rule", t.rule());
    body.put("labels", t.labels());
    body.put("annotations", t.annotations());
    body.put("value", t.value());
    body.put("valueText", t.valueText());
    body.put("threshold", t.threshold());
    body.put("thresholdText", t.thresholdText());
    body.put("windowStart", Instant.ofEpochMilli(t.windowStart()).toString());
    body.put("windowEnd", Instant.ofEpochMilli(t.windowEnd()).toString());
    body.put("activeSince", Instant.ofEpochMilli(t.activeSince()).toString());
    return body;
  }
}
