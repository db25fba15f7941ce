package io.tracestream.topology;

import java.util.Arrays;

/**
 * What a task downstream of a repartition knows of the input tasks that write to it: the latest
 * {@link Progress} of each. Its time is the minimum over all of them: {@link Progress#NONE} until every
 * input task has reported, and input tasks reported {@link Progress#IDLE} do not count (when all are
 * idle, nothing holds: {@link Progress#IDLE}). Kafka-free; the processor keeps the reports in a store.
 */
final class UpstreamProgress {
  private long[] times = new long[0];
  private int reported;

  /** Takes a report; returns whether the time moved forward. */
  boolean report(Progress progress) {
    long before = time();
    if (progress.partitions() > times.length) {
      int old = times.length;
      times = Arrays.copyOf(times, progress.partitions());
      Arrays.fill(times, old, times.length, Progress.NONE);
    }
    if (times[progress.partition()] == Progress.NONE && progress.time() != Progress.NONE) {
      reported++;
    } else if (times[progress.partition()] != Progress.NONE && progress.time() == Progress.NONE) {
      reported--;
    }
    times[progress.partition()] = progress.time();
    return time() > before;
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

  /** The latest report of each input partition, {@link Progress#NONE} where none came. */
  long[] times() {
    return times.clone();
  }
}
