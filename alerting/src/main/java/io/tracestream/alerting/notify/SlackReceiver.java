package io.tracestream.alerting.notify;

import io.tracestream.alerting.AlertTransition;
import io.tracestream.alerting.state.AlertStatus;
import java.net.URI;
import java.util.Map;
import java.util.stream.Collectors;

/** A Slack-compatible incoming webhook ({@code {"text": ...}}, which Mattermost and Rocket.Chat take too). */
final class SlackReceiver implements Receiver {
  private final URI url;
  private final JsonPost http;

  SlackReceiver(URI url, JsonPost http) {
    this.url = url;
    this.http = http;
  }

  @Override
  public String name() {
    return "slack";
  }

  @Override
  public void deliver(AlertTransition t) throws DeliveryException {
    http.post(url, Map.of("text", text(t)));
  }

  static String text(AlertTransition t) {
    boolean firing = t.status() == AlertStatus.FIRING;
    String series = t.labels().entrySet().stream()
        .filter(e -> !e.getKey().equals("alertname"))
        .map(e -> e.getKey() + "=" + e.getValue())
        .collect(Collectors.joining(", "));
    String summary = t.annotations().getOrDefault("summary",
        t.rule() + ": " + t.valueText() + " (threshold " + t.operator() + " " + t.thresholdText() + ")");
    return (firing ? ":rotating_light: *[FIRING] " : ":white_check_mark: *[RESOLVED] ") + t.rule() + "* "
        + summary + "\n" + series;
  }
}
