package io.tracestream.benchmarks;

import io.tracestream.benchmarks.BridgeIngestBench.Options;
import io.tracestream.benchmarks.BridgeIngestBench.Workload;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.stream.Stream;

/** The result as a Markdown table, printed and written to a file. */
final class Report {
  private Report() {}

  static String markdown(Options options, String broker, Workload workload, ClosedLoop.Result baseline,
      ClosedLoop.Result bridge) {
    StringBuilder md = new StringBuilder();
    title(md, "Bridge ingest benchmark", BridgeIngestBench.class);
    md.append("| phase | spans/s | requests/s | p50 ms | p99 ms | max ms | failed calls |\n");
    md.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    row(md, "baseline: produce pre-split records", baseline);
    row(md, "bridge: OTLP/gRPC Export → Kafka", bridge);
    md.append(String.format(Locale.ROOT, "%n**ratio bridge / baseline: %.2f**%n%n",
        bridge.spansPerSecond() / baseline.spansPerSecond()));
    md.append("Latency is per call: one gRPC Export call for the bridge, one request's records until all are"
        + " acknowledged for the baseline.\n\n");

    md.append("| setting | value |\n| --- | --- |\n");
    setting(md, "spans per request", Integer.toString(BridgeIngestBench.SPANS_PER_REQUEST));
    setting(md, "distinct pre-generated requests", Integer.toString(workload.requests()));
    setting(md, "mean request size", String.format(Locale.ROOT, "%.0f KiB", workload.meanRequestBytes() / 1024));
    setting(md, "mean Kafka records per request (traces)", String.format(Locale.ROOT, "%.1f",
        workload.meanRecordsPerRequest()));
    setting(md, "mean record size", String.format(Locale.ROOT, "%.1f KiB", workload.meanRecordBytes() / 1024));
    setting(md, "calls in flight", Integer.toString(options.concurrency()));
    setting(md, "warm-up / measured", options.warmup().toSeconds() + " s / " + options.duration().toSeconds() + " s");
    setting(md, "broker", broker);
    setting(md, "topic partitions", Integer.toString(options.partitions()));
    setting(md, "producer", "`Bridge.producerConfig` defaults: acks=all, idempotent, lz4, linger.ms=5, batch.size=256 KiB");
    machine(md);
    if (baseline.firstFailure() != null || bridge.firstFailure() != null) {
      md.append("\nFirst failures: baseline `").append(baseline.firstFailure()).append("`, bridge `")
          .append(bridge.firstFailure()).append("`\n");
    }
    return md.toString();
  }

  /** The heading and the line naming the bench main and the time of the run. */
  static void title(StringBuilder md, String title, Class<?> main) {
    md.append("# ").append(title).append("\n\n");
    md.append('`').append(main.getName()).append("`, run ")
        .append(OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS)
            .format(DateTimeFormatter.ISO_OFFSET_DATE_TIME))
        .append(".\n\n");
  }

  /** Setting rows for the machine and JVM the benchmark ran on. */
  static void machine(StringBuilder md) {
    setting(md, "cores", Integer.toString(Runtime.getRuntime().availableProcessors()));
    setting(md, "CPU", cpuModel());
    setting(md, "OS", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
        + System.getProperty("os.arch"));
    setting(md, "JVM", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
    setting(md, "max heap", Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB");
  }

  /** Prints the report, writes it to {@code file} and says where. */
  static void publish(Path file, String markdown) throws IOException {
    System.out.println();
    System.out.println(markdown);
    write(file, markdown);
    System.out.println("written to " + file.toAbsolutePath().normalize());
  }

  private static void write(Path file, String markdown) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Files.writeString(file, markdown);
  }

  private static void row(StringBuilder md, String phase, ClosedLoop.Result r) {
    md.append(String.format(Locale.ROOT, "| %s | %,.0f | %,.1f | %.1f | %.1f | %.1f | %d |%n", phase,
        r.spansPerSecond(), r.callsPerSecond(), r.p50Millis(), r.p99Millis(), r.maxMillis(), r.failedCalls()));
  }

  static void setting(StringBuilder md, String name, String value) {
    md.append("| ").append(name).append(" | ").append(value).append(" |\n");
  }

  private static String cpuModel() {
    try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
      return lines.filter(l -> l.startsWith("model name"))
          .map(l -> l.substring(l.indexOf(':') + 1).trim())
          .findFirst().orElse("unknown");
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }
}
