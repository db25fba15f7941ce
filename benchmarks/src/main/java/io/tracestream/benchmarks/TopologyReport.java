package io.tracestream.benchmarks;

import io.tracestream.benchmarks.TopologyBench.Baseline;
import io.tracestream.benchmarks.TopologyBench.Load;
import io.tracestream.benchmarks.TopologyBench.Options;
import io.tracestream.benchmarks.TopologyBench.TopologyRun;
import java.util.Locale;

/** The topology benchmark's result as Markdown. */
final class TopologyReport {
  private TopologyReport() {}

  static String markdown(Options options, String broker, Load load, Baseline baseline, TopologyRun topology) {
    StringBuilder md = new StringBuilder();
    Report.title(md, "Span metrics topology benchmark", TopologyBench.class);
    long spans = load.spans();
    md.append("| phase | spans/s | seconds | what is timed |\n| --- | ---: | ---: | --- |\n");
    row(md, "baseline: plain consumer + OTLP decode", baseline.spansPerSecond(), baseline.elapsed().toMillis(),
        "first poll to the last record");
    row(md, "topology, raw", topology.rawSpansPerSecond(spans), topology.inputCommitted().toMillis(),
        "`TopologyApp.start` until the committed input offsets reach the end offsets");
    row(md, "topology, excluding start-up", topology.steadySpansPerSecond(spans),
        topology.inputCommitted().minus(topology.firstCommit()).toMillis(),
        "first committed input offset until the last; spans committed by then left out");
    md.append(String.format(Locale.ROOT, "%n**ratio topology / baseline: %.2f raw, %.2f excluding start-up**%n%n",
        topology.rawSpansPerSecond(spans) / baseline.spansPerSecond(),
        topology.steadySpansPerSecond(spans) / baseline.spansPerSecond()));

    md.append("| topology detail | value |\n| --- | --- |\n");
    Report.setting(md, "start-up (start to first committed input offset)", seconds(topology.firstCommit().toMillis()));
    Report.setting(md, "input committed at the first commit", String.format(Locale.ROOT, "%.1f %%",
        topology.shareAtFirstCommit() * 100));
    Report.setting(md, "start to repartition topic consumed as well", seconds(topology.drained().toMillis()));
    Report.setting(md, "window results written (read_committed)", String.format(Locale.ROOT, "%,d",
        topology.windowResults()));
    Report.setting(md, "spans counted in those windows", String.format(Locale.ROOT, "%,d (%.1f %% of the input;"
        + " the rest are in windows still open at the end)", topology.spansInWindows(),
        100.0 * topology.spansInWindows() / spans));
    Report.setting(md, "late spans (`tracestream_late_spans_total`)", String.format(Locale.ROOT, "%,d",
        topology.lateSpans()));
    md.append('\n');

    md.append("| setting | value |\n| --- | --- |\n");
    Report.setting(md, "spans / records", String.format(Locale.ROOT, "%,d / %,d (%.1f spans per record)", spans,
        load.records(), (double) spans / load.records()));
    Report.setting(md, "record size (mean)", String.format(Locale.ROOT, "%.1f KiB, %,d MiB in all",
        load.bytes() / 1024.0 / load.records(), load.bytes() >> 20));
    Report.setting(md, "records", "`RealisticSpans` requests of " + TopologyBench.SPANS_PER_REQUEST
        + " spans split by `TraceSplitter`, written by `TraceKeyedProducer` with `Bridge.producerConfig` (lz4)");
    Report.setting(md, "event time", "span end times over the " + options.spread().toSeconds()
        + " s (+30 s) before the load, in order per chunk of 64 requests");
    Report.setting(md, "topology", "`TopologyApp`: exactly_once_v2, 1 stream thread, window " + options.window()
        + ", grace " + options.grace() + ", RocksDB state in a temp folder");
    Report.setting(md, "broker", broker);
    Report.setting(md, "topic partitions", Integer.toString(options.partitions()));
    Report.machine(md);
    return md.toString();
  }

  private static void row(StringBuilder md, String phase, double spansPerSecond, long millis, String timed) {
    md.append(String.format(Locale.ROOT, "| %s | %,.0f | %.1f | %s |%n", phase, spansPerSecond, millis / 1e3, timed));
  }

  private static String seconds(long millis) {
    return String.format(Locale.ROOT, "%.1f s", millis / 1e3);
  }
}
