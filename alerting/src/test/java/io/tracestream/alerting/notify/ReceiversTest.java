package io.tracestream.alerting.notify;

import static org.assertj.core.api.Assertions.assertThat;

import io.tracestream.alerting.AlertTransition;
import io.tracestream.alerting.state.AlertStatus;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReceiversTest {
  private static final Instant NOW = Instant.parse("2026-03-02T10:00:00Z");
  private static final long FIRED = NOW.minusSeconds(300).toEpochMilli();
  private static final String ID = "cart-p99{service=\"checkout\"}";
  private static final AlertmanagerReceiver AM = new AlertmanagerReceiver(URI.create("http://am:9093/"),
      "http://host:9466/api/alerts", Duration.ofMinutes(1), new JsonPost(Duration.ofSeconds(1)),
      Clock.fixed(NOW, ZoneOffset.UTC));

  private static AlertTransition transition(AlertStatus status, long windowEnd) {
    return new AlertTransition(AlertTransition.idempotencyKey(ID, FIRED - 120_000, status), ID, "cart-p99", status,
        "span_latency", 734.0, "734ms", ">", 500, "500ms",
        Map.of("alertname", "cart-p99", "severity", "critical", "service", "checkout"),
        Map.of("summary", "p99 is 734ms"), windowEnd - 60_000, windowEnd, FIRED - 120_000, FIRED, true,
        NOW.toEpochMilli());
  }

  @Test
  void aFiringAlertStartsWhenItFiredAndEndsFourResendIntervalsAhead() {
    Map<String, Object> alert = AM.alert(transition(AlertStatus.FIRING, FIRED));

    assertThat(alert).containsEntry("startsAt", "2026-03-02T09:55:00Z")
        .containsEntry("endsAt", "2026-03-02T10:04:00Z")
        .containsEntry("labels", Map.of("alertname", "cart-p99", "severity", "critical", "service", "checkout"))
        .containsEntry("annotations", Map.of("summary", "p99 is 734ms"))
        .containsEntry("generatorURL",
            "http://host:9466/api/alerts?alert=cart-p99%7Bservice%3D%22checkout%22%7D");
  }

  @Test
  void aResolvedAlertEndsAtTheEndOfTheWindowThatResolvedIt() {
    long resolvedAt = NOW.minusSeconds(60).toEpochMilli();

    Map<String, Object> alert = AM.alert(transition(AlertStatus.RESOLVED, resolvedAt));

    assertThat(alert).containsEntry("startsAt", "2026-03-02T09:55:00Z").containsEntry("endsAt", "2026-03-02T09:59:00Z");
  }

  @Test
  void aResolveFromAWindowAheadOfTheWallClockEndsNowSoAlertmanagerResolvesIt() {
    Map<String, Object> alert = AM.alert(transition(AlertStatus.RESOLVED, NOW.plusSeconds(60).toEpochMilli()));

    assertThat(alert).containsEntry("endsAt", "2026-03-02T10:00:00Z");
  }

  @Test
  void theWebhookPayloadCarriesTheIdempotencyKey() {
    Map<String, Object> body = WebhookReceiver.payload(transition(AlertStatus.FIRING, FIRED));

    assertThat(body).containsEntry("idempotencyKey", ID + "@" + (FIRED - 120_000) + ":firing")
        .containsEntry("status", "firing")
        .containsEntry("value", 734.0)
        .containsEntry("thresholdText", "500ms")
        .containsEntry("windowEnd", "2026-03-02T09:55:00Z");
  }

  @Test
  void slackTextSaysFiringOrResolvedWithTheSummaryAndLabels() {
    assertThat(SlackReceiver.text(transition(AlertStatus.FIRING, FIRED)))
        .startsWith(":rotating_light: *[FIRING] cart-p99* p99 is 734ms")
        .contains("service=checkout", "severity=critical")
        .doesNotContain("alertname");
    assertThat(SlackReceiver.text(transition(AlertStatus.RESOLVED, FIRED + 60_000)))
        .startsWith(":white_check_mark: *[RESOLVED] cart-p99*");
  }

  @Test
  void slackTextEscapesSpanDerivedLabelsSoASpanNameCannotPingTheChannel() {
    AlertTransition t = new AlertTransition("k", "id", "slow <b>", AlertStatus.FIRING, "span_latency", 734.0, "734ms",
        ">", 500, "500ms", Map.of("span_name", "<!channel> & <@U024BE7LH>"),
        Map.of("summary", "p99 of <!here|here> is 734ms"), 0, 60_000, 0, 60_000, true, 0);

    assertThat(SlackReceiver.text(t))
        .contains("span_name=&lt;!channel&gt; &amp; &lt;@U024BE7LH&gt;", "p99 of &lt;!here|here&gt; is 734ms",
            "*[FIRING] slow &lt;b&gt;*")
        .doesNotContain("<!channel>", "<!here", "<@", "<b>");
  }

  @Test
  void theViewKeepsAlertsUnderWayAndResendsOnlyPagedFiringOnes() {
    AlertView view = new AlertView();
    view.apply(0, transition(AlertStatus.FIRING, FIRED));
    AlertTransition replayed = new AlertTransition("k", "other{}", "other", AlertStatus.FIRING, "call_rate", 1.0, "1/s",
        "<", 2, "2/s", Map.of(), Map.of(), 0, 60_000, 0, 60_000, false, 0);
    view.apply(1, replayed);

    assertThat(view.pagedFiring()).extracting(AlertTransition::alertId).containsExactly(ID);
    assertThat(view.count(AlertStatus.FIRING)).isEqualTo(2);

    view.apply(0, transition(AlertStatus.RESOLVED, FIRED + 60_000));
    view.dropPartitions(java.util.List.of(1));

    assertThat(view.pagedFiring()).isEmpty();
    assertThat(view.json()).isEqualTo("{\"alerts\":[]}");
  }
}
