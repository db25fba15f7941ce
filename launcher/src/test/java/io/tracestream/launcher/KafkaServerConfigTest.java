package io.tracestream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tracestream.config.ConfigException;
import io.tracestream.config.Settings;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KafkaServerConfigTest {
  @Test
  void defaultsAreOneNodeThatIsBrokerAndControllerOnLoopback() {
    KafkaServerConfig config = KafkaServerConfig.from(Settings.of(Map.of()));

    assertThat(config.brokerProperties())
        .containsEntry("process.roles", "broker,controller")
        .containsEntry("controller.quorum.voters", "1@127.0.0.1:19093")
        .containsEntry("offsets.topic.replication.factor", "1")
        .containsEntry("transaction.state.log.min.isr", "1")
        .containsEntry("num.partitions", "6");
    assertThat(config.bootstrapServers()).isEqualTo("127.0.0.1:9092");
    assertThat(config.clusterId()).isEmpty();
  }

  @Test
  void kafkaServerKeysBecomeBrokerPropertiesAndTheVotersFollowTheControllerListener() {
    KafkaServerConfig config = KafkaServerConfig.from(Settings.of(Map.of(
        "kafka.server.node.id", "7",
        "kafka.server.listeners", "CONTROLLER://127.0.0.1:29093,PLAINTEXT://127.0.0.1:29092",
        "kafka.server.log.retention.hours", "24",
        "kafka.server.cluster.id", "q1Sh-9_ISia_zwGINzRvyQ",
        "kafka.bootstrap.servers", "ignored:1")));

    assertThat(config.brokerProperties())
        .containsEntry("log.retention.hours", "24")
        .containsEntry("controller.quorum.voters", "7@127.0.0.1:29093")
        .doesNotContainKey("cluster.id")
        .doesNotContainKey("bootstrap.servers");
    assertThat(config.bootstrapServers()).isEqualTo("127.0.0.1:29092");
    assertThat(config.clusterId()).hasValue("q1Sh-9_ISia_zwGINzRvyQ");
  }

  @Test
  void aKeyThatIsNoBrokerPropertyFailsNamingIt() {
    assertThatThrownBy(() -> KafkaServerConfig.from(Settings.of(Map.of("kafka.server.log.dir.s", "/x"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("kafka.server.log.dir.s:");
  }

  @Test
  void listenersWithoutAControllerListenerFail() {
    assertThatThrownBy(() -> KafkaServerConfig.from(Settings.of(Map.of(
        "kafka.server.listeners", "PLAINTEXT://127.0.0.1:9092"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("kafka.server.listeners")
        .hasMessageContaining("CONTROLLER://");
  }
}
