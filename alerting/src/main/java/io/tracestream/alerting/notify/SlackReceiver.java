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

  /**
   * The message. Labels and annotations come from span data (a span name, a service name), so every
   * value is escaped as Slack asks (https://api.slack.com/reference/surfaces/formatting#escaping): a
   * span named {@code <!channel>} must show as text, not notify the channel.
   */
  static String text(AlertTransition t) {
    boolean firing = t.status() == AlertStatus.FIRING;
    String series = t.labels().entrySet().stream()
        .filter(e -> !e.getKey().equals("alertname"))
        .map(e -> escape(e.getKey()) + "=" + escape(e.getValue()))
        .collect(Collectors.joining(", "));
    String summary = t.annotations().getOrDefault("summary",
        t.rule() + ": " + t.valueText() + " (threshold " + t.operator() + " " + t.thresholdText() + ")");
    return (firing ? ":rotating_light: *[FIRING] " : ":white_check_mark: *[RESOLVED] ") + escape(t.rule()) + "* "
        + escape(summary) + "\n" + series;
  }

  /** Slack's three control characters as entities; Slack shows them as the characters. */
  static String escape(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
