package io.tracestream.replay;

import io.tracestream.config.ConfigKey;
import io.tracestream.config.Settings;
import java.time.Duration;
import java.util.List;

/** The replay's own settings ({@code replay.*}), validated at start; documented in replay/README.md. */
public record ReplayConfig(
    int backfillPartitions,
    Duration backfillIdleClose,
    Duration backfillTimeout,
    int maxRecordBytes,
    int maxMessageBytes,
    int remoteWriteBatchSamples,
    Duration remoteWriteTimeout,
    Duration progressInterval) {

  public static final List<ConfigKey> KEYS = List.of(
      new ConfigKey("replay.backfill.partitions", "1", "partitions of a backfill's topics; 1 keeps a rerun's results identical, more run it in parallel"),
      new ConfigKey("replay.backfill.idle.close", "5s", "the backfill topology's topology.idle.close: wall-clock idleness after which its event time moves on, so the last windows close after the input ends"),
      new ConfigKey("replay.backfill.timeout", "1h", "how long to wait, after the last span is sent, for the backfill to close its last windows"),
      new ConfigKey("replay.max.record.bytes", "1000000", "largest otlp_spans record written; a larger trace is split into several records"),
      new ConfigKey("replay.max.message.bytes", "16777216", "largest OTLP protobuf message (after gunzip) or"
          + " JSON line read from a file; a larger one is skipped and reported as bad input (--strict: stops)"),
      new ConfigKey("replay.remote.write.batch.samples", "10000", "samples per remote-write request"),
      new ConfigKey("replay.remote.write.timeout", "30s", "timeout of one remote-write request"),
      new ConfigKey("replay.progress.interval", "10s", "how often a plain progress line is printed when not on a terminal"));

  public static ReplayConfig from(Settings settings) {
    settings.requireKnown("replay.", KEYS);
    return new ReplayConfig(
        settings.integer("replay.backfill.partitions", 1, 1, 1000),
        settings.duration("replay.backfill.idle.close", Duration.ofSeconds(5)),
        settings.duration("replay.backfill.timeout", Duration.ofHours(1)),
        settings.integer("replay.max.record.bytes", 1_000_000, 1024, Integer.MAX_VALUE),
        settings.integer("replay.max.message.bytes", 16 << 20, 1024, 256 << 20),
        settings.integer("replay.remote.write.batch.samples", 10_000, 1, 10_000_000),
        settings.duration("replay.remote.write.timeout", Duration.ofSeconds(30)),
        settings.duration("replay.progress.interval", Duration.ofSeconds(10)));
  }
}
