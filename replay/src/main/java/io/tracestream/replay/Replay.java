package io.tracestream.replay;

import io.tracestream.config.ConfigException;
import io.tracestream.config.Settings;
import io.tracestream.replay.backfill.Backfill;
import io.tracestream.replay.backfill.ResultTopics;
import io.tracestream.replay.history.HistoryBuilder;
import io.tracestream.replay.history.RemoteWriter;
import io.tracestream.replay.source.FileSource;
import io.tracestream.replay.source.SpanSink;
import io.tracestream.replay.source.TopicRangeSource;
import io.tracestream.span.TraceKeyedProducer;
import io.tracestream.span.TraceSplitter;
import io.tracestream.topology.TopologyConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.time.Instant;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * One {@code replay} run: read the source, send its spans (paced) to the live spans topic or to a
 * backfill run, and for a backfill wait until it has closed its last windows, then optionally send
 * the window series to Prometheus by remote write with their original times.
 */
public final class Replay {
  /** Exit code when replay stopped early (--strict) or Kafka did not take every span. */
  public static final int INCOMPLETE = 1;

  private Replay() {}

  /** What a run did, for the caller (and tests). */
  public record Outcome(int exitCode, ReplayStats stats, HistoryBuilder.Written history) {}

  public static Outcome run(ReplayOptions options, Settings settings, InputStream stdin, PrintStream err) {
    options.validate();
    ReplayConfig config = ReplayConfig.from(settings);
    TopologyConfig live = TopologyConfig.from(settings);
    TopologyConfig backfillConfig = options.backfill() == null ? null
        : Backfill.config(options.backfill(), settings, config.backfillIdleClose());
    if (options.delete()) {
      Backfill.delete(backfillConfig, err);
      err.println("backfill: " + backfillConfig.applicationId() + " deleted");
      return new Outcome(0, new ReplayStats(), null);
    }

    ProgressSource progressSource;
    Consumer<SpanSink> read;
    if (options.fromTopic()) {
      TopicRangeSource range = new TopicRangeSource(live.kafka(), live.spansTopic(), options.start(), options.end());
      progressSource = progressOf(range::done, range::total, false);
      read = range::readAll;
    } else {
      FileSource files;
      try {
        files = new FileSource(options.inputs(), options.format(), stdin, config.maxMessageBytes());
      } catch (IllegalArgumentException e) {
        throw new ConfigException(null, e.getMessage());
      }
      progressSource = progressOf(files::bytesRead, files::totalBytes, true);
      read = files::readAll;
    }

    Backfill backfill = backfillConfig == null ? null : Backfill.start(backfillConfig, config.backfillPartitions(), err);
    String topic = backfill == null ? live.spansTopic() : backfillConfig.spansTopic();
    ReplayStats stats = new ReplayStats();
    HistoryBuilder.Written history = null;
    int exit = 0;
    try (TraceKeyedProducer producer = TraceKeyedProducer.create(settings.kafkaClientProperties(), topic)) {
      Replayer replayer = new Replayer(new TraceSplitter(config.maxRecordBytes()), Replayer.RecordSender.of(producer),
          pacer(options), options.strict(), stats, err);
      try (Progress progress = Progress.start(options.progress(), progressSource, stats, err, config.progressInterval())) {
        read.accept(replayer);
        replayer.finish();
      } catch (ReplayStoppedException e) {
        err.println("replay: " + e.getMessage());
        exit = INCOMPLETE;
      }
      if (replayer.sendFailure() != null) {
        err.println("replay: Kafka did not acknowledge every span, first error: " + replayer.sendFailure());
        exit = INCOMPLETE;
      }
      err.println(stats.summary());
      if (backfill != null && exit == 0) {
        err.println("backfill: all spans sent to " + topic + "; waiting for " + backfillConfig.applicationId()
            + " to close its last windows (about idle.close + trace.idle + window + grace of wall time)");
        backfill.awaitCompletion(config.backfillTimeout());
        backfill.counts().forEach((what, n) -> err.println("backfill: " + n + " " + what));
        err.println("backfill: done; results in " + String.join(", ", Backfill.dataTopics(backfillConfig).subList(1, 6)));
        if (options.remoteWrite() != null) {
          history = new HistoryBuilder(live.staleAfter(), options.labels(), config.remoteWriteBatchSamples())
              .write(ResultTopics.windowResults(backfillConfig), new RemoteWriter(options.remoteWrite(), config.remoteWriteTimeout()));
          err.println("history: " + history.samples() + " samples of " + history.series() + " series from "
              + Instant.ofEpochMilli(history.firstMs()) + " to " + Instant.ofEpochMilli(history.lastMs()) + " sent to "
              + options.remoteWrite() + " in " + history.requests() + " requests");
        }
      }
    } catch (IOException e) {
      err.println("history: " + e.getMessage());
      exit = INCOMPLETE;
    } finally {
      if (backfill != null) {
        backfill.close();
      }
    }
    return new Outcome(exit, stats, history);
  }

  private static Pacer pacer(ReplayOptions options) {
    Pacer.Sleeper sleeper = LockSupport::parkNanos;
    if (options.rate() != null) {
      return Pacer.rate(options.rate(), System::nanoTime, sleeper);
    }
    if (options.speed() != null) {
      return Pacer.speed(options.speed(), System::nanoTime, sleeper);
    }
    return Pacer.unlimited();
  }

  private static ProgressSource progressOf(java.util.function.LongSupplier done, java.util.function.LongSupplier total,
      boolean bytes) {
    return new ProgressSource() {
      @Override
      public long done() {
        return done.getAsLong();
      }

      @Override
      public long total() {
        return total.getAsLong();
      }

      @Override
      public boolean countsBytes() {
        return bytes;
      }
    };
  }
}
