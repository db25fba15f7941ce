package io.tracestream.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SettingsTest {
  private static final List<ConfigKey> KEYS = List.of(
      new ConfigKey("bridge.grpc.port", "4317", "OTLP/gRPC port"),
      new ConfigKey("bridge.http.port", "4318", "OTLP/HTTP port"),
      new ConfigKey("bridge.topic", "otlp_spans", "topic of the trace-keyed records"));

  @TempDir Path dir;

  @Test
  void fileValueIsUsedWhenNothingOverridesIt() throws IOException {
    Path file = properties("bridge.topic=from-file\n");

    Settings settings = Settings.resolve(file, Map.of(), List.of(), KEYS);

    assertThat(settings.string("bridge.topic", "default")).isEqualTo("from-file");
  }

  @Test
  void environmentOverridesFile() throws IOException {
    Path file = properties("bridge.topic=from-file\n");

    Settings settings = Settings.resolve(file, Map.of("TRACESTREAM_BRIDGE_TOPIC", "from-env"), List.of(), KEYS);

    assertThat(settings.string("bridge.topic", "default")).isEqualTo("from-env");
  }

  @Test
  void setOverridesEnvironmentAndFile() throws IOException {
    Path file = properties("bridge.topic=from-file\n");

    Settings settings = Settings.resolve(file, Map.of("TRACESTREAM_BRIDGE_TOPIC", "from-env"),
        List.of("bridge.topic=from-set"), KEYS);

    assertThat(settings.string("bridge.topic", "default")).isEqualTo("from-set");
  }

  @Test
  void environmentFormOfAKnownKeyMapsToTheDottedKey() {
    assertThat(new ConfigKey("bridge.grpc.port", null, "").environmentName()).isEqualTo("TRACESTREAM_BRIDGE_GRPC_PORT");

    Settings settings = Settings.resolve(null, Map.of("TRACESTREAM_BRIDGE_GRPC_PORT", "14317"), List.of(), KEYS);

    assertThat(settings.asMap()).containsEntry("bridge.grpc.port", "14317");
    assertThat(settings.port("bridge.grpc.port", 4317)).isEqualTo(14317);
  }

  @Test
  void environmentVariableOfAnUnknownKeyIsIgnored() {
    Settings settings = Settings.resolve(null, Map.of("TRACESTREAM_BRIDGE_NOT_A_KEY", "x", "PATH", "/bin"),
        List.of(), KEYS);

    assertThat(settings.asMap()).isEmpty();
  }

  @Test
  void kafkaEnvironmentVariableBecomesAKafkaKey() {
    Settings settings = Settings.resolve(null, Map.of("TRACESTREAM_KAFKA_SECURITY_PROTOCOL", "SASL_SSL"),
        List.of(), KEYS);

    assertThat(settings.asMap()).containsEntry("kafka.security.protocol", "SASL_SSL");
    assertThat(settings.kafkaClientProperties()).containsEntry("security.protocol", "SASL_SSL");
  }

  @Test
  void kafkaClientPropertiesStripThePrefixAndLeaveOtherKeysOut() {
    Settings settings = Settings.of(Map.of("kafka.linger.ms", "5", "bridge.topic", "t"));

    assertThat(settings.kafkaClientProperties())
        .containsEntry("linger.ms", "5")
        .doesNotContainKeys("bridge.topic", "topic", "kafka.linger.ms");
  }

  @Test
  void kafkaClientPropertiesDefaultBootstrapServersToLocalhost() {
    assertThat(Settings.of(Map.of()).kafkaClientProperties())
        .containsExactly(Map.entry("bootstrap.servers", "127.0.0.1:9092"));
  }

  @Test
  void kafkaClientPropertiesKeepAConfiguredBootstrapServers() {
    Settings settings = Settings.of(Map.of("kafka.bootstrap.servers", "broker:29092"));

    assertThat(settings.kafkaClientProperties()).containsEntry("bootstrap.servers", "broker:29092");
  }

  @ParameterizedTest
  @CsvSource({"500ms, PT0.5S", "30s, PT30S", "1m, PT1M", "2h, PT2H", "1d, PT24H"})
  void durationsAreParsedWithTheirUnit(String raw, Duration expected) {
    Settings settings = Settings.of(Map.of("bridge.timeout", raw));

    assertThat(settings.duration("bridge.timeout", Duration.ZERO)).isEqualTo(expected);
  }

  @Test
  void missingDurationGivesTheDefault() {
    assertThat(Settings.of(Map.of()).duration("bridge.timeout", Duration.ofSeconds(7))).isEqualTo(Duration.ofSeconds(7));
  }

  @ParameterizedTest
  @ValueSource(strings = {"5x", "0s", "-1s", "30", "1.5s", "99999999999999999999s"})
  void invalidDurationsAreRejectedNamingTheKey(String raw) {
    Settings settings = Settings.of(Map.of("bridge.timeout", raw));

    assertConfigException(() -> settings.duration("bridge.timeout", Duration.ZERO), "bridge.timeout");
  }

  @ParameterizedTest
  @CsvSource({"16MiB, 16777216", "512KiB, 524288", "1024, 1024", "2048B, 2048", "1GiB, 1073741824"})
  void byteSizesAreParsedWithTheirUnit(String raw, long expected) {
    Settings settings = Settings.of(Map.of("bridge.max-request-bytes", raw));

    assertThat(settings.bytes("bridge.max-request-bytes", 0, 0, Long.MAX_VALUE)).isEqualTo(expected);
  }

  @ParameterizedTest
  @ValueSource(strings = {"512", "2GiB"})
  void byteSizesOutsideTheRangeAreRejectedNamingTheKey(String raw) {
    Settings settings = Settings.of(Map.of("bridge.max-request-bytes", raw));

    assertConfigException(() -> settings.bytes("bridge.max-request-bytes", 0, 1024, 1L << 30),
        "bridge.max-request-bytes");
  }

  /** 17179869185GiB is 2^64 + 2^30 bytes: a plain multiplication wraps it round to an in-range 1GiB. */
  @ParameterizedTest
  @ValueSource(strings = {"17179869185GiB", "99999999999999999999", "16 MiB", "16mb", "-1"})
  void malformedOrOverflowingByteSizesAreRejectedNamingTheKey(String raw) {
    Settings settings = Settings.of(Map.of("bridge.max-request-bytes", raw));

    assertConfigException(() -> settings.bytes("bridge.max-request-bytes", 0, 1024, 1L << 31),
        "bridge.max-request-bytes");
  }

  @ParameterizedTest
  @ValueSource(strings = {"65536", "-1", "99999999999", "http"})
  void portOutsideRangeOrNotANumberIsRejectedNamingTheKey(String raw) {
    Settings settings = Settings.of(Map.of("bridge.grpc.port", raw));

    assertConfigException(() -> settings.port("bridge.grpc.port", 4317), "bridge.grpc.port");
  }

  @Test
  void integerWithinRangeIsReturned() {
    Settings settings = Settings.of(Map.of("bridge.workers", "8"));

    assertThat(settings.integer("bridge.workers", 1, 1, 64)).isEqualTo(8);
  }

  @Test
  void integerBelowMinimumIsRejectedNamingTheKey() {
    Settings settings = Settings.of(Map.of("bridge.workers", "0"));

    assertConfigException(() -> settings.integer("bridge.workers", 1, 1, 64), "bridge.workers");
  }

  @Test
  void emptyValueCountsAsUnset() {
    Settings settings = Settings.of(Map.of("bridge.workers", ""));

    assertThat(settings.integer("bridge.workers", 3, 1, 64)).isEqualTo(3);
  }

  @ParameterizedTest
  @ValueSource(strings = {"bridge.topic", "=value"})
  void setWithoutKeyEqualsValueIsRejected(String set) {
    assertThatThrownBy(() -> Settings.resolve(null, Map.of(), List.of(set), KEYS))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(set);
  }

  @Test
  void setKeepsEverythingAfterTheFirstEquals() {
    Settings settings = Settings.resolve(null, Map.of(), List.of("kafka.sasl.jaas.config=a=b c=d"), KEYS);

    assertThat(settings.asMap()).containsEntry("kafka.sasl.jaas.config", "a=b c=d");
  }

  @Test
  void requireKnownRejectsAnUnknownKeyUnderThePrefixNamingIt() {
    Settings settings = Settings.of(Map.of("bridge.grpc.port", "4317", "bridge.grcp.port", "4317"));

    assertConfigException(() -> settings.requireKnown("bridge.", KEYS), "bridge.grcp.port");
  }

  @Test
  void requireKnownIgnoresKeysOutsideThePrefix() {
    Settings settings = Settings.of(Map.of("bridge.grpc.port", "4317", "kafka.linger.ms", "5"));

    assertThatCode(() -> settings.requireKnown("bridge.", KEYS)).doesNotThrowAnyException();
  }

  @Test
  void missingConfigFileIsAConfigException() {
    Path missing = dir.resolve("absent.properties");

    assertThatThrownBy(() -> Settings.resolve(missing, Map.of(), List.of(), KEYS))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("absent.properties");
  }

  private Path properties(String content) throws IOException {
    return Files.writeString(dir.resolve("tracestream.properties"), content);
  }

  private static void assertConfigException(ThrowingCallable call, String key) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo(key))
        .hasMessageContaining(key);
  }
}
