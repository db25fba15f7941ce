package io.tracestream.launcher;

import io.tracestream.config.ConfigException;
import io.tracestream.config.ConfigKey;
import io.tracestream.replay.Progress;
import io.tracestream.replay.Replay;
import io.tracestream.replay.ReplayOptions;
import io.tracestream.replay.source.InputFormat;
import java.net.URI;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "replay", mixinStandardHelpOptions = true,
    description = {"Replays historical spans with their original time: OTLP JSON lines, OTLP protobuf or Jaeger "
        + "JSON files"
        + " (gzipped or not, directories, - for stdin), or a past time range of topic.spans, into the live topic.spans"
        + " or into a backfill run with its own topics; optionally sends the backfill's window series to Prometheus"
        + " by remote write. See replay/README.md."})
final class ReplayCommand implements Callable<Integer> {
  @Mixin
  ConfigOptions options;

  @Parameters(paramLabel = "INPUT", arity = "0..*", description = "span files, directories of them, or - for stdin")
  List<String> inputs = new ArrayList<>();

  @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "auto",
      description = "auto (default: detected per file), otlp-json, otlp-proto or jaeger-json")
  String format;

  @Option(names = "--from-topic", description = "replay a time range of topic.spans (needs --start, --end, --backfill)")
  boolean fromTopic;

  @Option(names = "--start", paramLabel = "ISO",
      description = "start of the range, e.g. 2026-11-03T09:00:00Z (by record timestamp)")
  String start;

  @Option(names = "--end", paramLabel = "ISO", description = "end of the range (exclusive)")
  String end;

  @Option(names = "--backfill", paramLabel = "NAME",
      description = "replay into backfill run NAME (application id tracestream-backfill-NAME, topics backfill.NAME.*),"
          + " deleting what an earlier run of that name left")
  String backfill;

  @Option(names = "--delete", description = "delete backfill run NAME (--backfill) and exit")
  boolean delete;

  @Option(names = "--rate", paramLabel = "N", description = "send at most N spans per second")
  Double rate;

  @Option(names = "--speed", paramLabel = "X", description = "send at X times the original pacing")
  Double speed;

  @Option(names = "--strict", description = "stop at the first bad line, message or trace (exit code 1)")
  boolean strict;

  @Option(names = "--remote-write", paramLabel = "URL",
      description = "after a backfill, send its window series with their times to this Prometheus remote-write URL,"
          + " e.g. http://127.0.0.1:9090/api/v1/write")
  URI remoteWrite;

  @Option(names = "--label", paramLabel = "KEY=VALUE",
      description = "add this label to every remote-written series (repeatable)")
  List<String> labels = new ArrayList<>();

  @Option(names = "--progress", paramLabel = "MODE", defaultValue = "auto",
      description = "auto (a bar on a terminal, plain lines otherwise), bar, plain or none")
  String progress;

  @Override
  public Integer call() {
    List<ConfigKey> keys = Part.REPLAY.keys;
    InputFormat inputFormat;
    try {
      inputFormat = InputFormat.fromCliName(format);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("--format", e.getMessage());
    }
    Progress.Mode mode;
    try {
      mode = Progress.Mode.valueOf(progress.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new ConfigException("--progress", "expected auto, bar, plain or none, got '" + progress + "'");
    }
    Map<String, String> extra = new LinkedHashMap<>();
    for (String label : labels) {
      int eq = label.indexOf('=');
      if (eq <= 0 || !label.substring(0, eq).matches("[a-zA-Z_][a-zA-Z0-9_]*")) {
        throw new ConfigException("--label", "expected NAME=VALUE with a Prometheus label name, got '" + label + "'");
      }
      extra.put(label.substring(0, eq), label.substring(eq + 1));
    }
    ReplayOptions replay = new ReplayOptions(inputs, inputFormat, fromTopic, instant("--start", start),
        instant("--end", end), backfill, delete, rate, speed, strict, remoteWrite, extra, mode);
    return Replay.run(replay, options.resolve(System.getenv(), keys), System.in, System.err).exitCode();
  }

  private static Instant instant(String option, String value) {
    if (value == null) {
      return null;
    }
    try {
      return Instant.parse(value);
    } catch (DateTimeParseException e) {
      throw new ConfigException(option,
          "expected an ISO-8601 instant such as 2026-11-03T09:00:00Z, got '" + value + "'");
    }
  }
}
