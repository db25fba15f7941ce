package io.tracestream.topology;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The repartition topics of the versions before trace and edge pre-aggregation, which this version does
 * not read (stream-topology/README.md, "Upgrading across trace and edge pre-aggregation"). The topology
 * refuses to start while one of them holds summaries or edges the old version's window tasks have not
 * read (past the group's committed offset), since they would never be counted, and warns while one exists
 * at all. Unread progress reports (records with a null value) are no loss.
 */
final class LegacyTopics {
  private static final Logger LOG = LoggerFactory.getLogger(LegacyTopics.class);
  static final List<String> NAMES = List.of("trace-summaries-by-root-service", "edges-by-client");
  static final String MIGRATION = "stream-topology/README.md, \"Upgrading across trace and edge pre-aggregation\"";

  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private LegacyTopics() {}

  /**
   * @param kafka Kafka client properties; the admin and consumer ones are used (no group: it commits nothing)
   * @throws IllegalStateException naming the topic with unread records and the migration
   */
  static void check(Map<String, Object> kafka, String applicationId) {
    Map<String, Object> adminConfig = new HashMap<>(kafka);
    adminConfig.keySet().retainAll(AdminClientConfig.configNames());
    Map<String, Object> consumerConfig = new HashMap<>(kafka);
    consumerConfig.keySet().retainAll(ConsumerConfig.configNames());
    consumerConfig.remove(ConsumerConfig.GROUP_ID_CONFIG);
    consumerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    consumerConfig.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    try (Admin admin = Admin.create(adminConfig);
        Consumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerConfig, new ByteArrayDeserializer(),
            new ByteArrayDeserializer())) {
      check(admin, consumer, applicationId);
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot check for the repartition topics of the previous version: "
          + e.getCause(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while checking for the previous version's topics", e);
    }
  }

  static void check(Admin admin, Consumer<byte[], byte[]> consumer, String applicationId)
      throws ExecutionException, InterruptedException {
    Set<String> existing = admin.listTopics().names().get();
    List<String> present = new ArrayList<>();
    for (String name : NAMES) {
      String topic = applicationId + "-" + name + "-repartition";
      if (existing.contains(topic)) {
        present.add(topic);
      }
    }
    if (present.isEmpty()) {
      return;
    }
    List<TopicPartition> partitions = new ArrayList<>();
    for (TopicDescription d : admin.describeTopics(present).allTopicNames().get().values()) {
      d.partitions().forEach(p -> partitions.add(new TopicPartition(d.name(), p.partition())));
    }
    Map<TopicPartition, OffsetAndMetadata> committed =
        admin.listConsumerGroupOffsets(applicationId).partitionsToOffsetAndMetadata().get();
    Map<String, Long> unread = unreadData(consumer, partitions, committed);
    for (String topic : present) {
      long n = unread.getOrDefault(topic, 0L);
      if (n > 0) {
        throw new IllegalStateException(topic + " holds " + n + " trace summaries or edges that the previous "
            + "version has not read and this version never reads: run the previous version until it has read "
            + "them, or delete the topic to drop them; see " + MIGRATION);
      }
      LOG.warn("{} is no longer used and holds nothing unread: delete it (see {})", topic, MIGRATION);
    }
  }

  /** Per topic, the records with a value (data, not progress) after the committed offsets. */
  private static Map<String, Long> unreadData(Consumer<byte[], byte[]> consumer, List<TopicPartition> partitions,
      Map<TopicPartition, OffsetAndMetadata> committed) {
    Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, TIMEOUT);
    Map<TopicPartition, Long> starts = consumer.beginningOffsets(partitions, TIMEOUT);
    Map<TopicPartition, Long> from = new HashMap<>();
    for (TopicPartition tp : partitions) {
      OffsetAndMetadata read = committed.get(tp);
      long offset = Math.max(starts.get(tp), read == null ? 0 : read.offset());
      if (offset < ends.get(tp)) {
        from.put(tp, offset);
      }
    }
    List<TopicPartition> behind = List.copyOf(from.keySet());
    consumer.assign(behind);
    from.forEach(consumer::seek);
    Map<String, Long> unread = new HashMap<>();
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (behind.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("cannot read the previous version's topics " + behind + " within "
            + TIMEOUT + "; see " + MIGRATION);
      }
      for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
        if (r.value() != null && r.offset() < ends.get(new TopicPartition(r.topic(), r.partition()))) {
          unread.merge(r.topic(), 1L, Long::sum);
        }
      }
    }
    return unread;
  }
}
