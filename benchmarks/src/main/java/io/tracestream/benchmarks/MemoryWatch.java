package io.tracestream.benchmarks;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * The heap in use right after each garbage collection (all pools, from the GC notifications), with
 * the wall-clock time of the collection; and the process's resident set from {@code /proc/self/status}.
 * Heap after GC is the live set plus what the collector chose not to reclaim, so its trend over a run,
 * not one value, shows whether something grows without bound.
 */
final class MemoryWatch implements AutoCloseable {
  record Sample(long wallMillis, long heapAfterGc) {}

  private final List<Sample> samples = new ArrayList<>();
  private final List<Runnable> removals = new ArrayList<>();

  MemoryWatch() {
    NotificationListener listener = (notification, handback) -> {
      if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
        return;
      }
      GarbageCollectionNotificationInfo info =
          GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
      long used = info.getGcInfo().getMemoryUsageAfterGc().values().stream()
          .filter(u -> u != null).mapToLong(MemoryUsage::getUsed).sum();
      synchronized (samples) {
        samples.add(new Sample(System.currentTimeMillis(), used));
      }
    };
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      if (gc instanceof NotificationEmitter emitter) {
        emitter.addNotificationListener(listener, null, null);
        removals.add(() -> {
          try {
            emitter.removeNotificationListener(listener);
          } catch (javax.management.ListenerNotFoundException ignored) {
            // already gone
          }
        });
      }
    }
  }

  /** Heap after GC samples taken in [from, until). */
  List<Sample> between(long fromMillis, long untilMillis) {
    synchronized (samples) {
      return samples.stream().filter(s -> s.wallMillis() >= fromMillis && s.wallMillis() < untilMillis).toList();
    }
  }

  /** The largest heap-after-GC in [from, until), or -1 when no GC ran then. */
  long maxAfterGc(long fromMillis, long untilMillis) {
    return between(fromMillis, untilMillis).stream().mapToLong(Sample::heapAfterGc).max().orElse(-1);
  }

  /** A field of /proc/self/status in bytes ("VmRSS", "VmHWM"), or -1 off Linux. */
  static long procStatus(String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith(field + ":")) {
          String[] parts = line.substring(field.length() + 1).trim().split("\\s+");
          return Long.parseLong(parts[0]) * 1024; // kB
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }

  @Override
  public void close() {
    removals.forEach(Runnable::run);
  }
}
