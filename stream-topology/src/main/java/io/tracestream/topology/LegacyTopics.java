package io.tracestream.topology;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The repartition topics of the versions before trace and edge pre-aggregation, which this version does
 * not read (stream-topology/README.md, "Upgrading across trace and edge pre-aggregation"). The topology
 * refuses to start while one of them holds records the old version's window tasks have not read, since
 * those traces and edges would never be counted, and warns while one exists at all.
 */
final class LegacyTopics {
  private static final Logger LOG = LoggerFactory.getLogger(LegacyTopics.class);
  static final List<String> NAMES = List.of("trace-summaries-by-root-service", "edges-by-client");
  static final String MIGRATION = "stream-topology/README.md, \"Upgrading across trace and edge pre-aggregation\"";

  private LegacyTopics() {}

  /**
   * @param kafka Kafka client properties; the admin ones are used
   * @throws IllegalStateException naming the topic with unread records and the migration
   */
  static void check(Map<String, Object> kafka, String applicationId) {
    Map<String, Object> adminConfig = new HashMap<>(kafka);
    adminConfig.keySet().retainAll(AdminClientConfig.configNames());
    try (Admin admin = Admin.create(adminConfig)) {
      check(admin, applicationId);
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot check for the repartition topics of the previous version: "
          + e.getCause(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while checking for the previous version's topics", e);
    }
  }

  static void check(Admin admin, String applicationId) throws ExecutionException, InterruptedException {
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
    Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    partitions.forEach(tp -> {
      earliest.put(tp, OffsetSpec.earliest());
      latest.put(tp, OffsetSpec.latest());
    });
    Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> starts = admin.listOffsets(earliest).all().get();
    Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(latest).all().get();
    Map<TopicPartition, OffsetAndMetadata> committed =
        admin.listConsumerGroupOffsets(applicationId).partitionsToOffsetAndMetadata().get();
    Map<String, Long> unread = new HashMap<>();
    for (TopicPartition tp : partitions) {
      OffsetAndMetadata read = committed.get(tp);
      long from = Math.max(starts.get(tp).offset(), read == null ? 0 : read.offset());
      unread.merge(tp.topic(), Math.max(0, ends.get(tp).offset() - from), Long::sum);
    }
    for (String topic : present) {
      if (unread.get(topic) > 0) {
        throw new IllegalStateException(topic + " holds " + unread.get(topic) + " records that the previous "
            + "version has not read and this version never reads: run the previous version until it has read "
            + "them, or delete the topic to drop them; see " + MIGRATION);
      }
      LOG.warn("{} is no longer used and holds nothing unread: delete it (see {})", topic, MIGRATION);
    }
  }
}
