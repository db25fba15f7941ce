package io.tracestream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tracestream.bridge.Bridge;
import io.tracestream.bridge.BridgeConfig;
import io.tracestream.config.Settings;
import io.tracestream.testkit.Await;
import io.tracestream.testkit.SpanGenerator;
import io.tracestream.testkit.TestCertificates;
import io.tracestream.topology.TopologyApp;
import io.tracestream.topology.TopologyConfig;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bridge writes to Kafka over SASL_SSL with SCRAM-SHA-512 and the topology reads over SSL, both
 * configured only through {@code kafka.*} keys, against a broker whose client listeners require them;
 * spans sent to the bridge come out as span metrics.
 */
class KafkaSecurityIT {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final String USER = "tracestream-bridge";
  private static final String PASSWORD = "scram-secret-for-tests";
  private static final String TOPIC = "secure_spans";

  @TempDir
  Path dir;

  @Test
  void spansFlowOverSaslSslScramAndSslListeners() throws Exception {
    TestCertificates certs = TestCertificates.shared();
    int plaintext = freePort();
    int ssl = freePort();
    int saslSsl = freePort();
    Map<String, String> broker = new HashMap<>();
    broker.put("kafka.server.listeners", "PLAINTEXT://127.0.0.1:" + plaintext + ",SSL://127.0.0.1:" + ssl
        + ",SASL_SSL://127.0.0.1:" + saslSsl + ",CONTROLLER://127.0.0.1:" + freePort());
    broker.put("kafka.server.log.dirs", dir.resolve("kafka").toString());
    broker.put("kafka.server.group.initial.rebalance.delay.ms", "0");
    broker.put("kafka.server.ssl.keystore.location", certs.serverKeystore().toString());
    broker.put("kafka.server.ssl.keystore.password", TestCertificates.PASSWORD);
    broker.put("kafka.server.ssl.key.password", TestCertificates.PASSWORD);
    broker.put("kafka.server.ssl.keystore.type", "PKCS12");
    broker.put("kafka.server.sasl.enabled.mechanisms", "SCRAM-SHA-512");
    broker.put("kafka.server.listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config",
        "org.apache.kafka.common.security.scram.ScramLoginModule required;");

    try (EmbeddedKafka kafka = EmbeddedKafka.start(KafkaServerConfig.from(Settings.of(broker)))) {
      // Given a SCRAM user, created over the broker's own (operator-only) PLAINTEXT listener
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
        admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(USER,
            new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192), PASSWORD))).all().get();
        admin.createTopics(List.of(new NewTopic(TOPIC, 2, (short) 1))).all().get();
      }
      Map<String, String> scram = new HashMap<>(Map.of(
          "kafka.bootstrap.servers", "127.0.0.1:" + saslSsl,
          "kafka.security.protocol", "SASL_SSL",
          "kafka.sasl.mechanism", "SCRAM-SHA-512",
          "kafka.ssl.truststore.location", certs.truststore().toString(),
          "kafka.ssl.truststore.password", TestCertificates.PASSWORD,
          "kafka.ssl.truststore.type", "PKCS12"));

      // The SASL_SSL listener refuses a wrong password
      Properties wrong = new Properties();
      Settings.of(jaas(scram, "not-the-password")).kafkaClientProperties().forEach(wrong::put);
      wrong.put("request.timeout.ms", "5000");
      wrong.put("default.api.timeout.ms", "10000");
      try (Admin admin = Admin.create(wrong)) {
        assertThatThrownBy(() -> admin.describeCluster().clusterId().get())
            .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(SaslAuthenticationException.class);
      }

      // When the bridge writes over SASL_SSL and the topology reads over SSL
      Map<String, String> bridgeSettings = jaas(scram, PASSWORD);
      bridgeSettings.putAll(Map.of("topic.spans", TOPIC, "bridge.grpc.port", "0", "bridge.http.port", "0",
          "bridge.admin.port", "0", "bridge.kafka.health.interval", "200ms"));
      Map<String, String> topologySettings = new HashMap<>(Map.of(
          "kafka.bootstrap.servers", "127.0.0.1:" + ssl,
          "kafka.security.protocol", "SSL",
          "kafka.ssl.truststore.location", certs.truststore().toString(),
          "kafka.ssl.truststore.password", TestCertificates.PASSWORD,
          "kafka.ssl.truststore.type", "PKCS12",
          "topic.spans", TOPIC, "topology.application.id", "secure-topology",
          "topology.window", "1s", "topology.grace", "1s"));
      topologySettings.putAll(Map.of("topology.idle.close", "2s", "topology.trace.idle", "1s",
          "topology.admin.port", "0", "topology.state.dir", dir.resolve("streams").toString(),
          "kafka.commit.interval.ms", "200"));
      try (Bridge bridge = Bridge.start(BridgeConfig.from(Settings.of(bridgeSettings)));
          TopologyApp topology = TopologyApp.start(TopologyConfig.from(Settings.of(topologySettings)))) {
        Await.until(Duration.ofSeconds(30), "bridge ready (Kafka reachable over SASL_SSL)",
            () -> get(bridge.adminPort(), "/health/ready").statusCode() == 200);
        HttpResponse<String> posted = HTTP.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + bridge.httpPort() + "/v1/traces"))
            .header("Content-Type", "application/x-protobuf")
            .POST(HttpRequest.BodyPublishers.ofByteArray(new SpanGenerator(11).request(20, 4, 1).toByteArray())).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(posted.statusCode()).as("Kafka acknowledged the spans").isEqualTo(200);

        // Then the span metrics computed from them are served
        Await.until(Duration.ofSeconds(60), "span metrics of the sent spans on the topology's /metrics",
            () -> get(topology.adminPort(), "/metrics").body().contains("traces_span_metrics_calls_total{service_name=\"ai-engine\""));
      }
    }
  }

  private static Map<String, String> jaas(Map<String, String> base, String password) {
    Map<String, String> settings = new HashMap<>(base);
    settings.put("kafka.sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
        + USER + "\" password=\"" + password + "\";");
    return settings;
  }

  private static HttpResponse<String> get(int port, String path) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
