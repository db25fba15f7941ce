package io.tracestream.topology;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.processor.StreamPartitioner;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * How far one input task has progressed, sent through a repartition topic to every partition of it, in
 * the task's transaction and after everything the task sent before: a watermark. It says that the task
 * has sent every input ending before {@code time} that it will send in time (its later inputs that end
 * before {@code time} are late, and it counts them so). A task downstream takes the minimum over all
 * {@code partitions} input tasks ({@link UpstreamProgress}), so no window closes while one of them still
 * holds inputs for it: a task that lags, restores after a crash, or holds a trace open holds the window.
 *
 * <p>The report is a record with a null value (no data record has one) and the header
 * {@value #HEADER}: a version byte (1), then the input task's partition, the number of input
 * partitions (ints) and the time (a long), big-endian. Keying reports by input partition, with the
 * count in each, means a report never depends on which instance sends it: a task moved to another
 * instance after a crash reports from its restored state.
 *
 * @param partition the input partition (the input task) this reports for
 * @param partitions how many input partitions (input tasks) there are
 * @param time {@link #NONE} while the task has seen nothing and has not been idle long, {@link #IDLE}
 *     once it has been idle that long without ever seeing an input, otherwise event time in ms
 */
record Progress(int partition, int partitions, long time) {
  static final String HEADER = "tracestream.progress";
  /** On spans re-keyed by trace id: the input task that re-keyed them (time unused), in the same format. */
  static final String SOURCE_HEADER = "tracestream.rekeyed.by";
  /** Nothing yet: holds every window. */
  static final long NONE = Long.MIN_VALUE;
  /** Idle since it started and holding nothing: holds no window. */
  static final long IDLE = Long.MAX_VALUE;
  private static final byte VERSION = 1;

  Progress {
    if (partition < 0 || partition >= partitions) {
      throw new IllegalArgumentException("partition " + partition + " of " + partitions);
    }
  }

  /** The report as record headers. */
  Headers headers() {
    return headers(HEADER);
  }

  Headers headers(String name) {
    byte[] bytes = ByteBuffer.allocate(17).put(VERSION).putInt(partition).putInt(partitions).putLong(time).array();
    return new RecordHeaders().add(name, bytes);
  }

  /** The report a record carries, if it is one (a null value with the header). */
  static Optional<Progress> of(Object value, Headers headers) {
    return value == null ? read(headers.lastHeader(HEADER)) : Optional.empty();
  }

  /** The input task that re-keyed a record of spans, if it was re-keyed. */
  static Optional<Progress> source(Headers headers) {
    return read(headers.lastHeader(SOURCE_HEADER));
  }

  private static Optional<Progress> read(Header header) {
    if (header == null) {
      return Optional.empty();
    }
    ByteBuffer in = ByteBuffer.wrap(header.value());
    byte version = in.get();
    if (version != VERSION) {
      throw new IllegalStateException("progress report of version " + version + ", this version reads " + VERSION);
    }
    return Optional.of(new Progress(in.getInt(), in.getInt(), in.getLong()));
  }

  /**
   * Partitions a repartition topic: a progress report (null value) to every partition, a data record by
   * its key's bytes as the producer's default partitioner does (so the data's placement is as without it).
   */
  static <K, V> StreamPartitioner<K, V> partitioner(Function<K, byte[]> keyBytes) {
    return (topic, key, value, numPartitions) -> value == null
        ? Optional.of(IntStream.range(0, numPartitions).boxed().collect(Collectors.toSet()))
        : Optional.of(Set.of(Utils.toPositive(Utils.murmur2(keyBytes.apply(key))) % numPartitions));
  }

  static byte[] utf8(String key) {
    return key.getBytes(StandardCharsets.UTF_8);
  }

  /** Sends an input task's progress downstream, each time it changes. */
  static final class Sender<K, V> {
    private final K key;
    private final int partitions;
    private long sent;
    private boolean any;

    /** @param key the key of the reports (any: they go to every partition); @param partitions input partitions */
    Sender(K key, int partitions) {
      this.key = key;
      this.partitions = partitions;
    }

    void send(ProcessorContext<K, V> context, long time) {
      if (any && time == sent) {
        return;
      }
      Progress progress = new Progress(context.taskId().partition(), partitions, time);
      context.forward(new Record<K, V>(key, null, context.currentSystemTimeMs(), progress.headers()));
      sent = time;
      any = true;
    }
  }
}
