package io.tracestream.kafka;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Creates the topics a part writes or reads when they are missing, shaped like the spans topic. */
public final class Topics {
  private static final Logger LOG = LoggerFactory.getLogger(Topics.class);
  /** Partitions of the spans topic when it does not exist yet either. */
  static final int DEFAULT_PARTITIONS = 6;

  private Topics() {}

  /**
   * Creates each of {@code topics} that does not exist, with the partitions of {@code spansTopic} (6
   * if it does not exist) and replication min(3, brokers), and returns that partition count. A topic
   * that another instance creates meanwhile (several starting at once) is taken as it is.
   *
   * @param kafka Kafka client properties ({@code kafka.*} keys without the prefix); the admin ones are used
   * @throws IllegalStateException when Kafka cannot be asked, naming the bootstrap servers
   */
  public static int ensure(Map<String, Object> kafka, String spansTopic, Collection<String> topics) {
    Map<String, Object> adminConfig = new HashMap<>(kafka);
    adminConfig.keySet().retainAll(AdminClientConfig.configNames());
    try (Admin admin = Admin.create(adminConfig)) {
      Set<String> existing = admin.listTopics().names().get();
      int nodes = admin.describeCluster().nodes().get().size();
      short replication = (short) Math.min(3, Math.max(1, nodes));
      int partitions = existing.contains(spansTopic)
          ? admin.describeTopics(List.of(spansTopic)).allTopicNames().get().get(spansTopic).partitions().size()
          : DEFAULT_PARTITIONS;
      List<NewTopic> missing = new ArrayList<>();
      for (String topic : topics) {
        if (!existing.contains(topic) && missing.stream().noneMatch(t -> t.name().equals(topic))) {
          missing.add(new NewTopic(topic, partitions, replication));
        }
      }
      List<String> created = new ArrayList<>();
      boolean spansRaced = false;
      for (Map.Entry<String, KafkaFuture<Void>> result : admin.createTopics(missing).values().entrySet()) {
        try {
          result.getValue().get();
          created.add(result.getKey());
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw e;
          }
          // created since the listing, by another instance starting at the same time: it exists, as wanted
          spansRaced |= result.getKey().equals(spansTopic);
        }
      }
      if (!created.isEmpty()) {
        LOG.info("created topics {}", created);
      }
      return spansRaced
          ? admin.describeTopics(List.of(spansTopic)).allTopicNames().get().get(spansTopic).partitions().size()
          : partitions;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while checking topics", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot check or create topics at " + kafka.get("bootstrap.servers") + ": "
          + e.getCause().getMessage(), e.getCause());
    }
  }
}
