package io.tracestream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.tracestream.config.Settings;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedKafkaIT {
  @TempDir
  Path dir;

  @Test
  void aRecordWrittenBeforeARestartIsReadAfterItFromTheSameCluster() throws Exception {
    Path logs = dir.resolve("logs");
    KafkaServerConfig config = KafkaServerConfig.from(Settings.of(Map.of(
        "kafka.server.listeners", "PLAINTEXT://127.0.0.1:" + freePort() + ",CONTROLLER://127.0.0.1:" + freePort(),
        "kafka.server.log.dirs", logs.toString(),
        "kafka.server.group.initial.rebalance.delay.ms", "0")));

    // Given a first start that formats the empty log dir and takes one record
    String clusterId;
    try (EmbeddedKafka kafka = EmbeddedKafka.start(config)) {
      clusterId = kafka.clusterId();
      try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps(kafka.bootstrapServers()))) {
        producer.send(new ProducerRecord<>("restart_check", "trace-1", "span bytes")).get();
      }
      assertThat(readAll(kafka.bootstrapServers(), "first")).containsExactly("trace-1=span bytes");
    }
    assertThat(Files.readString(logs.resolve("meta.properties"))).contains("cluster.id=" + clusterId);

    // When it starts again on the same dir, Then it is the same cluster and the record is still there
    try (EmbeddedKafka kafka = EmbeddedKafka.start(config)) {
      assertThat(kafka.clusterId()).isEqualTo(clusterId);
      assertThat(readAll(kafka.bootstrapServers(), "second")).containsExactly("trace-1=span bytes");
    }
  }

  private static Properties producerProps(String bootstrap) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    return p;
  }

  private static List<String> readAll(String bootstrap, String group) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    List<String> out = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
      consumer.subscribe(List.of("restart_check"));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (out.isEmpty() && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
          out.add(r.key() + "=" + r.value());
        }
      }
    }
    return out;
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
