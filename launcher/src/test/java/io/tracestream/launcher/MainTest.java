package io.tracestream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest extends CommandLineTest {

  @Test
  void aMisspelledBridgeKeyFailsAtStartNamingTheKey() {
    int code = run("bridge", "--set", "bridge.grcp.port=4317");

    assertThat(code).isEqualTo(Main.CONFIG_ERROR);
    assertThat(err.toString()).contains("configuration error: bridge.grcp.port: unknown key");
  }

  @Test
  void aBadValueInTheConfigFileFailsNamingTheKey(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("bridge.properties");
    Files.writeString(file, "bridge.kafka.ack.timeout=soon\n");

    int code = run("bridge", "--config", file.toString());

    assertThat(code).isEqualTo(Main.CONFIG_ERROR);
    assertThat(err.toString()).contains("bridge.kafka.ack.timeout", "soon");
  }

  @Test
  void aMisspelledTopologyKeyFailsAtStartNamingTheKey() {
    int code = run("topology", "--set", "topology.windw=1m");

    assertThat(code).isEqualTo(Main.CONFIG_ERROR);
    assertThat(err.toString()).contains("configuration error: topology.windw: unknown key");
  }

  @Test
  void aSetWithoutEqualsIsAConfigError() {
    assertThat(run("bridge", "--set", "bridge.grpc.port")).isEqualTo(Main.CONFIG_ERROR);
    assertThat(err.toString()).contains("--set expects key=value");
  }

  @Test
  void helpListsTheBridgeAndItsConfigOptions() {
    assertThat(run("bridge", "--help")).isZero();
    assertThat(out.toString()).contains("--config", "--set");
    assertThat(run("--help")).isZero();
    assertThat(out.toString()).contains("bridge", "topology", "kafka");
  }

  @Test
  void aKafkaServerKeyThatKafkaDoesNotKnowFailsAtStartNamingTheKey() {
    int code = run("kafka", "--set", "kafka.server.lgo.dirs=/var/lib/kafka");

    assertThat(code).isEqualTo(Main.CONFIG_ERROR);
    assertThat(err.toString()).contains("configuration error: kafka.server.lgo.dirs:");
  }

  private static final String RULES = """
      rules:
        - name: checkout-p99
          signal: span_latency
          quantile: 0.99
          match: {service: checkout}
          operator: ">"
          threshold: 500ms
      """;

  @Test
  void rulesCheckAcceptsAGoodFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("rules.yaml");
    Files.writeString(file, RULES);

    assertThat(run("rules", "check", file.toString())).isZero();
    assertThat(out.toString()).contains("1 rules OK");
  }

  @Test
  void rulesCheckNamesTheLineAndTheReasonOfABadFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("rules.yaml");
    Files.writeString(file, RULES.replace("threshold: 500ms", "threshold: 500"));

    assertThat(run("rules", "check", file.toString())).isEqualTo(Main.CONFIG_ERROR);
    assertThat(err.toString()).contains(file + ":7: a latency threshold is written with a unit");
  }

  @Test
  void rulesExportWritesPrometheusRules(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("rules.yaml");
    Files.writeString(file, RULES);

    assertThat(run("rules", "export", "--format", "prometheus", file.toString())).isZero();
    assertThat(out.toString()).contains("groups:", "alert: CheckoutP99",
        "tracestream_span_latency_seconds{service_name=\\\"checkout\\\", quantile=\\\"0.99\\\"}) > 0.5");
  }

  @Test
  void alertingFailsAtStartNamingTheRulesFileKeyAndTheLine(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("rules.yaml");
    Files.writeString(file, RULES.replace("signal: span_latency", "signal: latency"));

    int code = run("alerting", "--set", "alerting.rules.file=" + file);

    assertThat(code).isEqualTo(Main.CONFIG_ERROR);
    assertThat(err.toString()).contains("configuration error: alerting.rules.file: " + file
        + ":3: unknown signal 'latency'");
  }

  @Test
  void aMisspelledAlertingKeyFailsAtStartNamingTheKey() {
    int code = run("alerting", "--set", "alerting.webhok.url=http://x");

    assertThat(code).isEqualTo(Main.CONFIG_ERROR);
    assertThat(err.toString()).contains("configuration error: alerting.webhok.url: unknown key");
  }

  @Test
  void aResendIntervalAboveOneMinuteIsRefused(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("rules.yaml");
    Files.writeString(file, RULES);

    int code = run("alerting", "--set", "alerting.rules.file=" + file, "--set",
        "alerting.alertmanager.resend.interval=5m");

    assertThat(code).isEqualTo(Main.CONFIG_ERROR);
    assertThat(err.toString()).contains("alerting.alertmanager.resend.interval: must be at most 1m");
  }

  @Test
  void replayNeedsInputOrATopicRange() {
    assertThat(run("replay")).isEqualTo(Main.CONFIG_ERROR);
    assertThat(err.toString()).contains("name files, directories or - (stdin)");
  }

  @Test
  void replayRefusesRateAndSpeedTogether() {
    assertThat(run("replay", "--rate", "100", "--speed", "2", "spans.jsonl")).isEqualTo(Main.CONFIG_ERROR);
    assertThat(err.toString()).contains("--rate: give --rate or --speed, not both");
  }

  @Test
  void replayOfATopicRangeNeedsABackfillAndAnIsoStart() {
    assertThat(run("replay", "--from-topic", "--start", "yesterday", "--end", "2026-11-03T10:00:00Z"))
        .isEqualTo(Main.CONFIG_ERROR);
    assertThat(err.toString()).contains("--start: expected an ISO-8601 instant");
    assertThat(run("replay", "--from-topic", "--start", "2026-11-03T09:00:00Z", "--end", "2026-11-03T10:00:00Z"))
        .isEqualTo(Main.CONFIG_ERROR);
    assertThat(err.toString()).contains("--from-topic: replays topic.spans into a backfill run");
  }

  @Test
  void aMisspelledReplayKeyFailsAtStartNamingTheKey() {
    assertThat(run("replay", "--set", "replay.backfil.partitions=2", "spans.jsonl")).isEqualTo(Main.CONFIG_ERROR);
    assertThat(err.toString()).contains("replay.backfil.partitions: unknown key");
  }

  @Test
  void replayHelpListsItsOptions() {
    assertThat(run("replay", "--help")).isZero();
    assertThat(out.toString()).contains("--backfill", "--from-topic", "--rate", "--speed", "--strict",
        "--remote-write");
  }
}
