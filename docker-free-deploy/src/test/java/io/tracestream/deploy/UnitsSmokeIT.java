package io.tracestream.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The units as processes ({@link SmokeUnits}): a span sent by the OTel SDK to the bridge must come out on the
 * topology's /metrics, and SIGTERM must end every process with an exit code its unit counts as success.
 */
class UnitsSmokeIT {
  private static final Path LOGS = Path.of(System.getProperty("smoke.logs", "target/smoke-logs"));

  @TempDir
  Path dir;

  @Test
  void aSpanSentToTheBridgeUnitComesOutOnTheTopologyUnitsMetricsAndSigtermIsASuccessfulStop() throws Exception {
    try (SmokeUnits units = SmokeUnits.install(dir.resolve("root"), LOGS, SmokeUnits.Wrapper.NONE)) {
      Path state = units.root().resolve("var/lib/tracestream");

      // Given the four units started in their After= order
      units.startAll();
      assertThat(state.resolve("kafka/logs/meta.properties")).as("formatted on first start").isRegularFile();
      assertThat(SmokeUnits.body(units.alertingAdmin, "/metrics"))
          .containsPattern("(?m)^tracestream_alerting_rules(\\{[^}]*})? 5(\\.0)?$");
      assertThat(tree(state.resolve("topology-1/tmp"))).as("RocksDB's JNI library in java.io.tmpdir")
          .anyMatch(f -> f.contains("rocksdbjni"));

      // When the OTel SDK sends 20 spans ending in one 10 s window a minute ago
      String metrics = units.sendSpans();

      // Then the window's count is on the topology's /metrics
      assertThat(metrics)
          .containsPattern("(?m)^" + Pattern.quote(SmokeUnits.SERIES) + " " + SmokeUnits.SPANS + "(\\.0)?$");
      assertThat(tree(state.resolve("topology-1/streams"))).as("Streams state in the state directory").isNotEmpty();
      assertThat(tree(state.resolve("alerting/state"))).as("alerting's Streams state in its state directory")
          .isNotEmpty();
      assertThat(state.resolve("alerting/data")).as("nothing beside it, relative to the working directory")
          .doesNotExist();

      // And SIGTERM stops each, last started first, with an exit code the unit counts as success
      units.stopAll();
    }
  }

  private static List<String> tree(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(p -> !p.equals(dir)).map(p -> dir.relativize(p).toString()).toList();
    }
  }
}
