package io.tracestream.replay;

import io.tracestream.config.ConfigException;
import io.tracestream.replay.source.InputFormat;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What the {@code replay} command line asks for.
 *
 * @param inputs files, directories or {@code -}; empty with {@code fromTopic}
 * @param format every input's format, or null to detect each
 * @param fromTopic replay a time range of {@code topic.spans} instead of files
 * @param start start of that range (inclusive), by record timestamp
 * @param end end of that range (exclusive)
 * @param backfill the backfill run's name, or null to replay into the live {@code topic.spans}
 * @param delete only delete the backfill's topics and state
 * @param rate spans per second, or null
 * @param speed times the original pacing, or null
 * @param strict stop at the first bad input
 * @param remoteWrite where to send the backfill's window series with their times, or null
 * @param labels added to every remote-written series
 * @param progress how progress is shown
 */
public record ReplayOptions(
    List<String> inputs,
    InputFormat format,
    boolean fromTopic,
    Instant start,
    Instant end,
    String backfill,
    boolean delete,
    Double rate,
    Double speed,
    boolean strict,
    URI remoteWrite,
    Map<String, String> labels,
    Progress.Mode progress) {

  public ReplayOptions {
    inputs = List.copyOf(inputs);
    labels = Map.copyOf(labels);
  }

  /** Fails with the offending option named when the options do not go together. */
  public void validate() {
    if (rate != null && speed != null) {
      throw new ConfigException("--rate", "give --rate or --speed, not both");
    }
    if (rate != null && !(rate > 0)) {
      throw new ConfigException("--rate", "must be a positive number of spans per second, got " + rate);
    }
    if (speed != null && !(speed > 0)) {
      throw new ConfigException("--speed", "must be a positive factor, got " + speed);
    }
    if (delete) {
      if (backfill == null) {
        throw new ConfigException("--delete", "deletes a backfill run: name it with --backfill");
      }
      return;
    }
    if (fromTopic) {
      if (start == null || end == null) {
        throw new ConfigException("--from-topic", "needs --start and --end");
      }
      if (!start.isBefore(end)) {
        throw new ConfigException("--start", start + " is not before --end " + end);
      }
      if (!inputs.isEmpty()) {
        throw new ConfigException("--from-topic", "reads topic.spans; name no files with it");
      }
      if (backfill == null) {
        throw new ConfigException("--from-topic", "replays topic.spans into a backfill run (--backfill NAME);"
            + " into topic.spans itself it would count those spans twice");
      }
    } else if (inputs.isEmpty()) {
      throw new ConfigException(null, "name files, directories or - (stdin) to replay, or use --from-topic");
    }
    if (remoteWrite != null && backfill == null) {
      throw new ConfigException("--remote-write", "sends a backfill run's window series: name it with --backfill");
    }
  }
}
