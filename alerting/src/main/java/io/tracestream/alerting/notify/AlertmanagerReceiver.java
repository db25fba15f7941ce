package io.tracestream.alerting.notify;

import io.tracestream.alerting.AlertTransition;
import io.tracestream.alerting.state.AlertStatus;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Alertmanager's API v2, {@code POST /api/v2/alerts}: labels (with {@code alertname}), annotations,
 * {@code startsAt}, {@code endsAt} and {@code generatorURL}. Like Prometheus, a firing alert carries an
 * {@code endsAt} of four resend intervals ahead and is sent again every interval while it fires, so
 * Alertmanager resolves it by itself should tracestream stop for good; a resolved one carries the end
 * of the window that resolved it (not later than now). Alertmanager keys alerts by their labels, so
 * sending the same alert twice changes nothing.
 */
final class AlertmanagerReceiver implements Receiver {
  private final URI endpoint;
  private final String generatorUrl;
  private final Duration resendInterval;
  private final JsonPost http;
  private final Clock clock;

  AlertmanagerReceiver(URI baseUrl, String generatorUrl, Duration resendInterval, JsonPost http, Clock clock) {
    String base = baseUrl.toString().replaceAll("/+$", "");
    this.endpoint = URI.create(base + "/api/v2/alerts");
    this.generatorUrl = generatorUrl;
    this.resendInterval = resendInterval;
    this.http = http;
    this.clock = clock;
  }

  @Override
  public String name() {
    return "alertmanager";
  }

  @Override
  public void deliver(AlertTransition transition) throws DeliveryException {
    http.post(endpoint, List.of(alert(transition)));
  }

  /** Sends the firing alerts again; Alertmanager takes them as the same alerts, kept alive. */
  void resend(Collection<AlertTransition> firing) throws DeliveryException {
    if (!firing.isEmpty()) {
      http.post(endpoint, firing.stream().map(this::alert).toList());
    }
  }

  Map<String, Object> alert(AlertTransition t) {
    long now = clock.millis();
    long startsAt = t.firedAt() > 0 ? t.firedAt() : t.windowEnd();
    long endsAt = t.status() == AlertStatus.RESOLVED
        ? Math.max(startsAt, Math.min(t.windowEnd(), now))
        : Math.max(startsAt, now) + 4 * resendInterval.toMillis();
    Map<String, Object> alert = new LinkedHashMap<>();
    alert.put("labels", t.labels());
    alert.put("annotations", t.annotations());
    alert.put("startsAt", Instant.ofEpochMilli(startsAt).toString());
    alert.put("endsAt", Instant.ofEpochMilli(endsAt).toString());
    alert.put("generatorURL", generatorUrl + (generatorUrl.contains("?") ? "&" : "?") + "alert="
        + URLEncoder.encode(t.alertId(), StandardCharsets.UTF_8));
    return alert;
  }
}
