package io.tracestream.topology;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;

/**
 * A Kafka Streams application's consumer group as the broker sees it: who owns the input partitions,
 * and the input offsets it has committed. Every read asks the broker again (nothing cached, so a
 * condition polled on it cannot be missed); a read that fails counts as "not yet".
 */
final class GroupWatch {
  private final Admin admin;
  private final String applicationId;
  private final String topic;
  private final int partitions;

  GroupWatch(Admin admin, String applicationId, String topic, int partitions) {
    this.admin = admin;
    this.applicationId = applicationId;
    this.topic = topic;
    this.partitions = partitions;
  }

  /**
   * How many members own input partitions, once the group is stable and every input partition is
   * assigned; 0 before that (rebalancing, or a partition without an owner).
   */
  int membersOwningInput() {
    try {
      ConsumerGroupDescription group = admin.describeConsumerGroups(Set.of(applicationId)).all().get().get(applicationId);
      if (group.groupState() != GroupState.STABLE) {
        return 0;
      }
      Set<Integer> assigned = new TreeSet<>();
      int owners = 0;
      for (MemberDescription member : group.members()) {
        int before = assigned.size();
        member.assignment().topicPartitions().stream().filter(tp -> tp.topic().equals(topic))
            .forEach(tp -> assigned.add(tp.partition()));
        owners += assigned.size() > before ? 1 : 0;
      }
      return assigned.size() == partitions ? owners : 0;
    } catch (Exception e) {
      return 0;
    }
  }

  /** Whether every input partition has a committed offset at most {@code records} short of its end. */
  boolean lagAtMost(long records) {
    Map<Integer, Long> committed = committed();
    Map<Integer, Long> ends = endOffsets();
    return committed.size() == partitions && ends.size() == partitions
        && ends.entrySet().stream().allMatch(e -> e.getValue() - committed.get(e.getKey()) <= records);
  }

  /** Whether the committed offset of every input partition is past (greater than) {@code offsets}' for it. */
  boolean committedPast(Map<Integer, Long> offsets) {
    Map<Integer, Long> committed = committed();
    return committed.size() == partitions
        && offsets.entrySet().stream().allMatch(e -> committed.get(e.getKey()) > e.getValue());
  }

  /** The end offset of every input partition; empty when the broker could not be asked. */
  Map<Integer, Long> endOffsets() {
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    for (int p = 0; p < partitions; p++) {
      latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
    }
    try {
      Map<Integer, Long> ends = new HashMap<>();
      admin.listOffsets(latest).all().get().forEach((tp, info) -> ends.put(tp.partition(), info.offset()));
      return ends;
    } catch (Exception e) {
      return Map.of();
    }
  }

  /** The group's committed offset of each input partition that has one. */
  Map<Integer, Long> committed() {
    try {
      Map<TopicPartition, OffsetAndMetadata> offsets =
          admin.listConsumerGroupOffsets(applicationId).partitionsToOffsetAndMetadata().get();
      Map<Integer, Long> committed = new HashMap<>();
      offsets.forEach((tp, offset) -> {
        if (tp.topic().equals(topic) && offset != null) {
          committed.put(tp.partition(), offset.offset());
        }
      });
      return committed;
    } catch (Exception e) {
      return Map.of();
    }
  }
}
