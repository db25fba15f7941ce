package io.tracestream.topology;

import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.processor.StateRestoreListener;

/**
 * The state stores being restored from their changelogs now, for {@code /health/ready}: with Kafka Streams'
 * state updater an instance is {@code RUNNING} while some of its tasks still restore, and their stores
 * answer no query until they are done.
 */
public final class RestoreProgress implements StateRestoreListener {
  private final Map<TopicPartition, Restore> restoring = new ConcurrentHashMap<>();

  private record Restore(String store, long records, AtomicLong restored) {}

  @Override
  public void onRestoreStart(TopicPartition partition, String store, long startingOffset, long endingOffset) {
    restoring.put(partition, new Restore(store, Math.max(0, endingOffset - startingOffset), new AtomicLong()));
  }

  @Override
  public void onBatchRestored(TopicPartition partition, String store, long batchEndOffset, long numRestored) {
    Restore r = restoring.get(partition);
    if (r != null) {
      r.restored.addAndGet(numRestored);
    }
  }

  @Override
  public void onRestoreEnd(TopicPartition partition, String store, long totalRestored) {
    restoring.remove(partition);
  }

  @Override
  public void onRestoreSuspended(TopicPartition partition, String store, long totalRestored) {
    restoring.remove(partition); // the task moved to another instance or was closed
  }

  public boolean active() {
    return !restoring.isEmpty();
  }

  /**
   * {@code restoring 3 changelog partitions of [store-a, store-b]: 45000 of about 120000 records (37 %)}, or
   * empty when nothing restores. "About": the changelog's offsets count transaction markers too.
   */
  public Optional<String> describe() {
    long records = 0;
    long restored = 0;
    TreeSet<String> stores = new TreeSet<>();
    int partitions = 0;
    for (Restore r : restoring.values()) {
      records += r.records;
      restored += r.restored.get();
      stores.add(r.store);
      partitions++;
    }
    if (partitions == 0) {
      return Optional.empty();
    }
    long percent = records == 0 ? 100 : Math.min(100, restored * 100 / records);
    return Optional.of("restoring " + partitions + " changelog partition" + (partitions == 1 ? "" : "s") + " of "
        + stores + ": " + restored + " of about " + records + " records (" + percent + " %)");
  }
}
