package io.tracestream.topology;

import java.util.Arrays;

/**
 * What a task downstream of a repartition knows of the input tasks that write to it: the latest
 * {@link Progress} of each. Its time is the minimum over all of them: {@link Progress#NONE} until every
 * input task has reported, and input tasks reported {@link Progress#IDLE} do not count (when all are
 * idle, nothing holds: {@link Progress#IDLE}). {@link #timeOfKnown()} is the minimum over the input tasks
 * known to write to it at all (reported or {@link #register registered}), for a topic that only some
 * input tasks write to. Kafka-free; the processor keeps the reports in a store.
 */
final class UpstreamProgress {
  private long[] times = new long[0];
  private boolean[] known = new boolean[0];
  private int reported;

  /** Takes a report; returns whether the time moved forward. */
  boolean report(Progress progress) {
    long before = time();
    grow(progress.partitions());
    known[progress.partition()] = true;
    if (times[progress.partition()] == Progress.NONE && progress.time() != Progress.NONE) {
      reported++;
    } else if (times[progress.partition()] != Progress.NONE && progress.time() == Progress.NONE) {
      reported--;
    }
    times[progress.partition()] = progress.time();
    return time() > before;
  }

  /**
   * Marks an input task as one that writes here (its data arrived), holding {@link #timeOfKnown} until it
   * reports; returns whether it was new.
   */
  boolean register(int partition, int partitions) {
    grow(partitions);
    boolean added = !known[partition];
    known[partition] = true;
    return added;
  }

  /** The minimum over the input tasks known to write here; {@link Progress#IDLE} when none is. */
  long timeOfKnown() {
    long min = Progress.IDLE;
    for (int p = 0; p < times.length; p++) {
      if (known[p]) {
        min = Math.min(min, times[p]);
      }
    }
    return min;
  }

  private void grow(int partitions) {
    if (partitions > times.length) {
      int old = times.length;
      times = Arrays.copyOf(times, partitions);
      known = Arrays.copyOf(known, partitions);
      Arrays.fill(times, old, times.length, Progress.NONE);
    }
  }

  /** The time below which every input task has sent all it will send in time. */
  long time() {
    if (times.length == 0 || reported < times.length) {
      return Progress.NONE;
    }
    long min = Progress.IDLE;
    for (long t : times) {
      min = Math.min(min, t);
    }
    return min;
  }
}
