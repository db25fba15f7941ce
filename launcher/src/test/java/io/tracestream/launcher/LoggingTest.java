package io.tracestream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import io.tracestream.config.ConfigException;
import io.tracestream.config.Settings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The {@code log.*} keys on the jar's logging backend (logback; the build sets {@code slf4j.provider}). */
class LoggingTest {
  private static final Logger KAFKA = LoggerFactory.getLogger("org.apache.kafka.clients.Metadata");
  private static final Logger OURS = LoggerFactory.getLogger("io.tracestream.topology.TopologyApp");

  private final PrintStream stderr = System.err;

  @AfterEach
  void restore() {
    System.setErr(stderr);
  }

  @Test
  void jsonWritesOneObjectPerLineWithLevelLoggerAndMessage() throws Exception {
    List<String> lines = capture(Map.of("log.format", "json"), () -> OURS.info("topology started in {} ms", 1234));

    assertThat(lines).hasSize(1);
    JsonNode line = new ObjectMapper().readTree(lines.get(0));
    assertThat(line.path("level").asText()).isEqualTo("INFO");
    assertThat(line.path("loggerName").asText()).isEqualTo("io.tracestream.topology.TopologyApp");
    assertThat(line.path("formattedMessage").asText()).isEqualTo("topology started in 1234 ms");
  }

  @Test
  void textIsTimestampLevelLoggerAndMessage() {
    List<String> lines = capture(Map.of(), () -> OURS.warn("lag {}", 7));

    assertThat(lines).singleElement().asString()
        .matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[+-]\\d\\d:\\d\\d) WARN  "
            + "io\\.tracestream\\.topology\\.TopologyApp - lag 7");
  }

  @Test
  void levelsPerLoggerOverrideTheRootAndKafkaStaysAtWarnUnlessNamed() {
    List<String> quiet = capture(Map.of("log.level", "debug"), () -> {
      KAFKA.info("kafka info");
      OURS.debug("ours debug");
    });
    List<String> named = capture(Map.of("log.level", "error", "log.levels", "org.apache.kafka=info"), () -> {
      KAFKA.info("kafka info");
      OURS.warn("ours warn");
    });

    assertThat(quiet).singleElement().asString().endsWith("ours debug");
    assertThat(named).singleElement().asString().endsWith("kafka info");
  }

  @Test
  void aBadValueFailsNamingTheKey() {
    assertThatThrownBy(() -> Logging.configure(Settings.of(Map.of("log.level", "verbose"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("log.level").hasMessageContaining("verbose");
    assertThatThrownBy(() -> Logging.configure(Settings.of(Map.of("log.format", "xml"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("log.format");
    assertThatThrownBy(() -> Logging.configure(Settings.of(Map.of("log.levels", "kafka"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("log.levels: expected logger=level");
    assertThatThrownBy(() -> Logging.configure(Settings.of(Map.of("log.levle", "info"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("log.levle: unknown key");
  }

  private List<String> capture(Map<String, String> keys, Runnable log) {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    context.getLogger("org.apache.kafka").setLevel(Level.WARN); // as logback.xml has it
    context.getLogger("io.tracestream").setLevel(null);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    System.setErr(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    Logging.configure(Settings.of(keys));
    log.run();
    System.setErr(stderr);
    return bytes.toString(StandardCharsets.UTF_8).lines().toList();
  }
}
