package io.tracestream.testkit;

import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Gives a test class a real Kafka broker, started before its first test and closed after its last:
 *
 * <pre>{@code @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();}</pre>
 *
 * <p>Which broker: {@code KAFKA_BOOTSTRAP_SERVERS} set → that external broker; else
 * {@code -Dtestkit.broker=testcontainers} → Testcontainers' Kafka (image {@code -Dtestkit.kafka.image});
 * else (the default, no Docker needed) a KRaft broker in this JVM from Kafka's {@code KafkaClusterTestKit}.
 */
public final class KafkaBrokerExtension implements BeforeAllCallback, AfterAllCallback {
  private TestBroker broker;

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    String external = System.getenv("KAFKA_BOOTSTRAP_SERVERS");
    if (external != null && !external.isBlank()) {
      broker = new ExternalBroker(external);
    } else if ("testcontainers".equals(System.getProperty("testkit.broker"))) {
      broker = new ContainerBroker(System.getProperty("testkit.kafka.image", "apache/kafka:4.1.1"));
    } else {
      broker = new EmbeddedBroker();
    }
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    if (broker != null) {
      broker.close();
    }
  }

  public TestBroker broker() {
    return broker;
  }

  public String bootstrapServers() {
    return broker.bootstrapServers();
  }

  public Admin admin() {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    return Admin.create(props);
  }

  /** Creates topics with the given partitions, replication factor 1; an existing topic is left as is. */
  public void createTopics(int partitions, String... names) throws Exception {
    try (Admin admin = admin()) {
      var existing = admin.listTopics().names().get();
      List<NewTopic> topics = java.util.Arrays.stream(names)
          .filter(n -> !existing.contains(n))
          .map(n -> new NewTopic(n, partitions, (short) 1))
          .toList();
      admin.createTopics(topics).all().get();
    }
  }

  /** Client properties that reach this broker. */
  public Map<String, Object> clientProperties() {
    return Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
  }
}
