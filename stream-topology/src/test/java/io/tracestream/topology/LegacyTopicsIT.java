package io.tracestream.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tracestream.testkit.KafkaBrokerExtension;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A topology started over the previous version's trace and edge repartition topics. */
class LegacyTopicsIT {
  @RegisterExtension
  static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  /** Sends {@code records} edges, or progress reports (null values) if {@code progress}. */
  private static void produce(String topic, int records, boolean progress) {
    Map<String, Object> props = new HashMap<>(KAFKA.clientProperties());
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
      for (int i = 0; i < records; i++) {
        producer.send(new ProducerRecord<>(topic, 0, "frontend", progress ? null : "{\"client\":\"user\"}"));
      }
    }
  }

  @Test
  void noPreviousVersionNoComplaint() {
    assertThatCode(() -> LegacyTopics.check(KAFKA.clientProperties(), "fresh")).doesNotThrowAnyException();
  }

  @Test
  void unreadEdgesOfThePreviousVersionStopTheStartNamingTheMigration() throws Exception {
    String topic = "old-edges-by-client-repartition";
    KAFKA.createTopics(1, topic);
    produce(topic, 3, false);
    produce(topic, 2, true);

    assertThatThrownBy(() -> LegacyTopics.check(KAFKA.clientProperties(), "old"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(topic).hasMessageContaining("holds 3 trace summaries or edges")
        .hasMessageContaining("Upgrading across trace and edge pre-aggregation");
  }

  @Test
  void aPreviousVersionsTopicWithOnlyProgressReportsUnreadDoesNotStopTheStart() throws Exception {
    String topic = "drained-trace-summaries-by-root-service-repartition";
    KAFKA.createTopics(1, topic);
    produce(topic, 2, false);
    produce(topic, 4, true);
    try (Admin admin = KAFKA.admin()) {
      admin.alterConsumerGroupOffsets("drained", Map.of(new TopicPartition(topic, 0), new OffsetAndMetadata(2)))
          .all().get();
    }

    assertThatCode(() -> LegacyTopics.check(KAFKA.clientProperties(), "drained")).doesNotThrowAnyException();
    assertThat(LegacyTopics.NAMES).contains("trace-summaries-by-root-service");
  }
}
