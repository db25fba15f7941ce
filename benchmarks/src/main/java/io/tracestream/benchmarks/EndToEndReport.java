package io.tracestream.benchmarks;

import io.tracestream.benchmarks.EndToEndBench.Decode;
import io.tracestream.benchmarks.EndToEndBench.Options;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/** The end-to-end result as Markdown: every rate next to its raw baseline, and the targets. */
final class EndToEndReport {
  private EndToEndReport() {}

  /**
   * The end-to-end phase.
   *
   * @param load the load generator's calls: spans the bridge accepted (gRPC OK) in the measured interval
   * @param topologySpansPerSecond input committed by the topology in the measured interval, in spans
   * @param lagFrom input records not yet committed at the start of the measured interval
   * @param lagUntil the same at its end
   * @param lagMax the largest lag sampled (every second) in the measured interval
   * @param drain from the end of the measured interval until the lag was zero
   * @param liveHeap heap in use right after a full GC at 1/4, 1/2 and 3/4 of the measured interval: the
   *     live data, which a young or mixed GC's figure hides under old garbage G1 has not yet collected
   */
  record Run(ClosedLoop.Result load, double topologySpansPerSecond, long lagFrom, long lagUntil, long lagMax,
      Duration drain, Freshness freshness, Map<String, Long> cpuNanos, long heapAfterGcFirstHalf,
      long heapAfterGcSecondHalf, long heapBeforeFullGc, long heapAfterFullGc, long rss, long peakRss, long lateSpans,
      long openTraces, java.util.List<Long> liveHeap, String profile) {}

  /** The topology alone on the end-to-end input: all of it until committed, and from its first commit. */
  /**
   * @param topologyCpuNanos CPU of the topology's threads and of RocksDB's background threads
   * @param rocksdbNanos of which RocksDB's background threads (flushes, compactions)
   * @param processorNanos CPU per processor ({@link StageCpu}), when this run measured it (which costs two
   *     thread-CPU clock reads per record and processor), else empty
   */
  record Alone(long records, double spans, Duration elapsed, double steadySpansPerSecond, long topologyCpuNanos,
      long rocksdbNanos, Map<String, Long> processorNanos) {
    double spansPerSecond() {
      return spans / (elapsed.toNanos() / 1e9);
    }
  }

  /** The topology's CPU by stage, from a run of the topology alone measured with {@link StageCpu}. */
  private static void stages(StringBuilder md, Alone run) {
    Map<String, Long> byStage = new java.util.LinkedHashMap<>();
    StageCpu.STAGES.forEach(stage -> byStage.put(stage, 0L));
    run.processorNanos().forEach((processor, nanos) -> byStage.merge(StageCpu.stage(processor), nanos, Long::sum));
    long inProcessors = byStage.values().stream().mapToLong(Long::longValue).sum();
    byStage.put("outside processors: polls, deserialization, commits, restoration, the clients' own threads",
        run.topologyCpuNanos() - run.rocksdbNanos() - inProcessors);
    byStage.put("RocksDB's background threads: flushes, compactions", run.rocksdbNanos());
    double millions = run.spans() / 1e6;
    md.append(String.format(Locale.ROOT, "%nThe topology's CPU by stage: the topology alone once more on the same"
        + " input, each processor measured on its thread's CPU clock (exclusive of the processors it forwards to;"
        + " a send counts for the processor that sends; punctuations included): %,.0f spans, %.1f CPU s,"
        + " %,.0f spans/s from its first commit (%s).%n%n"
        + "| stage | CPU s | CPU s per million spans | share |%n| --- | ---: | ---: | ---: |%n", run.spans(),
        run.topologyCpuNanos() / 1e9, run.steadySpansPerSecond(), "slower than the plain run above: measuring costs"
        + " two clock reads per record and processor"));
    byStage.forEach((stage, nanos) -> md.append(String.format(Locale.ROOT, "| %s | %.1f | %.2f | %.0f %% |%n",
        stage, nanos / 1e9, nanos / 1e9 / millions, 100.0 * nanos / run.topologyCpuNanos())));
    md.append("\nThe processors that took 1 % or more, by the name StreamTopology gives them:\n\n"
        + "| processor | stage | CPU s per million spans | share |\n| --- | --- | ---: | ---: |\n");
    run.processorNanos().entrySet().stream()
        .filter(e -> e.getValue() >= 0.01 * run.topologyCpuNanos())
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .forEach(e -> md.append(String.format(Locale.ROOT, "| `%s` | %s | %.2f | %.0f %% |%n", e.getKey(),
            StageCpu.stage(e.getKey()), e.getValue() / 1e9 / millions, 100.0 * e.getValue() / run.topologyCpuNanos())));
  }

  static String markdown(Options o, String broker, int requests, double spansPerRecord, ClosedLoop.Result produce,
      Decode decode, Run e2e, Alone alone, Alone stages) {
    double a = produce.spansPerSecond();
    double b = decode.spansPerSecond();
    double slower = Math.min(a, b);
    double endToEnd = Math.min(e2e.load().spansPerSecond(), e2e.topologySpansPerSecond());
    long freshnessTarget = o.window().toMillis() + o.grace().toMillis() + 2_000;
    StringBuilder md = new StringBuilder();
    Report.title(md, "End-to-end benchmark", EndToEndBench.class);
    md.append("| phase | spans/s | ratio | to |\n| --- | ---: | ---: | --- |\n");
    row(md, "(a) baseline: produce pre-encoded records", a, 1, "");
    row(md, "(b) baseline: consume + OTLP decode", b, 1, "");
    row(md, "bridge in the end-to-end run: OTLP/gRPC accepted", e2e.load().spansPerSecond(),
        e2e.load().spansPerSecond() / a, "(a)");
    row(md, "topology in the end-to-end run: input committed", e2e.topologySpansPerSecond(),
        e2e.topologySpansPerSecond() / b, "(b)");
    row(md, "**end to end** (the smaller of the two above)", endToEnd, endToEnd / slower, "slower of (a), (b)");
    if (alone != null) {
      row(md, "topology alone, replaying the end-to-end input (from first commit)", alone.steadySpansPerSecond(),
          alone.steadySpansPerSecond() / b, "(b)");
      row(md, "topology alone, including start-up", alone.spansPerSecond(), alone.spansPerSecond() / b, "(b)");
    }
    md.append('\n');
    md.append(String.format(Locale.ROOT, "Topology lag (input records not yet committed): %,d at the start of the"
        + " measured interval, %,d at its end, at most %,d (sampled every second); drained %.1f s after the load"
        + " stopped. %s%n%n", e2e.lagFrom(), e2e.lagUntil(), e2e.lagMax(), e2e.drain().toMillis() / 1e3,
        e2e.lagUntil() <= Math.max(2 * e2e.lagFrom(), 1000)
            ? "The lag stayed bounded: the topology kept up with the bridge."
            : "The lag grew: the topology did not keep up with the bridge, so the end-to-end rate is the topology's."));

    md.append("**Targets**\n\n| target | measured | met |\n| --- | --- | --- |\n");
    double topology = (alone != null ? alone.steadySpansPerSecond() : e2e.topologySpansPerSecond()) / b;
    String topologyMeasured = alone != null
        ? String.format(Locale.ROOT, "%.2f alone, %.2f sharing the machine with the bridge", topology,
            e2e.topologySpansPerSecond() / b)
        : String.format(Locale.ROOT, "%.2f", topology);
    target(md, "topology ≥ 0.4 × (b) (issue 18)", topologyMeasured, topology >= 0.4);
    target(md, "topology ≥ 0.6 × (b) (the goal beyond)", topologyMeasured, topology >= 0.6);
    boolean bounded = e2e.lagUntil() <= Math.max(2 * e2e.lagFrom(), 1000);
    target(md, "end to end ≥ 0.25 × slower of (a), (b), lag bounded", String.format(Locale.ROOT, "%.2f, lag %s",
        endToEnd / slower, bounded ? "bounded" : "grew"), endToEnd / slower >= 0.25 && bounded);
    long gc = e2e.cpuNanos().getOrDefault(ThreadCpu.GC, 0L);
    long total = e2e.cpuNanos().getOrDefault("total", 0L);
    target(md, "GC under 15 % of the process's CPU in the end-to-end run", String.format(Locale.ROOT,
        "%.1f %% (%.1f of %.1f CPU s)", 100.0 * gc / total, gc / 1e9, total / 1e9), gc < 0.15 * total);
    Freshness f = e2e.freshness();
    target(md, String.format(Locale.ROOT, "freshness p99 ≤ window + grace + 2 s = %.0f s", freshnessTarget / 1e3),
        String.format(Locale.ROOT, "%.1f s over %d windows", f.oldestP99() / 1e3, f.windows()),
        f.windows() > 0 && f.oldestP99() <= freshnessTarget);
    java.util.List<Long> live = e2e.liveHeap();
    target(md, "heap bounded, no growth", String.format(Locale.ROOT,
        "live heap (after a full GC) at 1/4, 1/2, 3/4 of the interval and at the end: %s, %s, %s, %s",
        mib(live.get(0)), mib(live.get(1)), mib(live.get(2)), mib(e2e.heapAfterFullGc())),
        live.get(0) > 0 && java.util.stream.Stream.of(live.get(1), live.get(2), e2e.heapAfterFullGc())
            .allMatch(later -> later > 0 && later <= live.get(0) * 1.2 + (64L << 20)));
    md.append('\n');

    md.append("**Freshness** (span end → its window result visible read_committed; for the window's oldest"
        + " possible span, so a bound for all of them) and the delay beyond window end + grace, in seconds, over the "
        + f.windows() + " window results of windows that opened and closed in the measured interval ("
        + String.format(Locale.ROOT, "%,d", f.spans()) + " spans):\n\n");
    md.append("| | p50 | p99 | max |\n| --- | ---: | ---: | ---: |\n");
    md.append(String.format(Locale.ROOT, "| span end → result committed | %.2f | %.2f | %.2f |%n",
        f.oldestP50() / 1e3, f.oldestP99() / 1e3, f.oldestMax() / 1e3));
    md.append(String.format(Locale.ROOT, "| beyond window end + grace | %.2f | %.2f | %.2f |%n%n", f.beyondP50() / 1e3,
        f.beyondP99() / 1e3, f.beyondMax() / 1e3));

    md.append("**CPU** in the measured interval (thread CPU time grouped by thread name; the process total also"
        + " holds GC and other native threads). Per million spans *that component handled*: the bridge, broker and"
        + " load generator the spans the bridge accepted, the topology the spans it committed, the JVM and the total"
        + " the end-to-end spans:\n\n| component | CPU s | cores busy | CPU s per million spans | spans/s per core |\n"
        + "| --- | ---: | ---: | ---: | ---: |\n");
    double seconds = o.duration().toNanos() / 1e9;
    e2e.cpuNanos().forEach((c, nanos) -> {
      double handled = switch (c) {
        case ThreadCpu.TOPOLOGY, ThreadCpu.ROCKSDB -> e2e.topologySpansPerSecond();
        case ThreadCpu.BRIDGE, ThreadCpu.BROKER, ThreadCpu.LOAD -> e2e.load().spansPerSecond();
        default -> endToEnd;
      } * seconds / 1e6;
      double perMillion = nanos / 1e9 / handled;
      md.append(String.format(Locale.ROOT, "| %s | %.1f | %.2f | %.1f | %s |%n", c, nanos / 1e9, nanos / 1e9 / seconds,
          perMillion, nanos == 0 ? "—" : String.format(Locale.ROOT, "%,.0f", 1e6 / perMillion)));
    });
    if (alone != null) {
      double perMillion = alone.topologyCpuNanos() / 1e9 / (alone.spans() / 1e6);
      md.append(String.format(Locale.ROOT,
          "| topology alone (replay; its threads and RocksDB's) | %.1f | | %.1f | %,.0f |%n",
          alone.topologyCpuNanos() / 1e9, perMillion, 1e6 / perMillion));
    }
    if (stages != null) {
      stages(md, stages);
    }
    md.append(String.format(Locale.ROOT, "%nOne JVM holds broker, bridge, topology and load generator; spans/s per"
        + " core is the rate one fully busy core would give, which holds up better than spans/s when other"
        + " processes share the machine.%n%n"));

    md.append("**Memory** (one JVM for all parts):\n\n| | |\n| --- | ---: |\n");
    Report.setting(md, "largest heap after GC, first / second half of the measured interval",
        mib(e2e.heapAfterGcFirstHalf()) + " / " + mib(e2e.heapAfterGcSecondHalf()));
    Report.setting(md, "live heap after a full GC at 1/4, 1/2, 3/4 of the measured interval",
        mib(e2e.liveHeap().get(0)) + " / " + mib(e2e.liveHeap().get(1)) + " / " + mib(e2e.liveHeap().get(2)));
    Report.setting(md, "heap used at the end, before / after a full GC", mib(e2e.heapBeforeFullGc()) + " / "
        + mib(e2e.heapAfterFullGc()));
    Report.setting(md, "open traces held by trace assembly at the end (traces in − summaries out)",
        String.format(Locale.ROOT, "%,d", e2e.openTraces()));
    Report.setting(md, "RSS at the end / peak (VmRSS / VmHWM)", mib(e2e.rss()) + " / " + mib(e2e.peakRss()));
    md.append('\n');

    md.append("| setting | value |\n| --- | --- |\n");
    Report.setting(md, "requests", requests + " distinct pre-encoded requests of " + BridgeIngestBench.SPANS_PER_REQUEST
        + " spans (traces of 5–50 spans, 10–20 attributes), " + String.format(Locale.ROOT, "%.1f", spansPerRecord)
        + " spans per Kafka record (trace)");
    Report.setting(md, "load", o.concurrency() + " calls in flight" + (o.rate() > 0
        ? String.format(Locale.ROOT, ", paced to at most %,d spans/s (half the slower baseline unless"
            + " --rate said otherwise)", o.rate())
        : ", closed loop, unpaced")
        + "; each trace moved to end at its send time");
    Report.setting(md, "end to end: warm-up / measured",
        o.warmup().toSeconds() + " s / " + o.duration().toSeconds() + " s");
    Report.setting(md, "baseline (a): warm-up / measured", o.baselineWarmup().toSeconds() + " s / "
        + o.baselineDuration().toSeconds() + " s");
    Report.setting(md, "baseline (b)", String.format(Locale.ROOT, "%,d records, %,d spans of (a)'s topic in %.1f s",
        decode.records(), decode.spans(), decode.elapsed().toMillis() / 1e3));
    Report.setting(md, "topology", "exactly_once_v2, 1 stream thread, window " + o.window().toSeconds() + " s, grace "
        + o.grace().toSeconds() + " s, trace idle " + o.traceIdle().toSeconds() + " s; late spans counted: "
        + String.format(Locale.ROOT, "%,d", e2e.lateSpans()));
    Report.setting(md, "broker", broker);
    Report.setting(md, "topic partitions", Integer.toString(o.partitions()));
    Report.machine(md);
    if (e2e.load().failedCalls() > 0) {
      md.append("\nFailed calls: ").append(e2e.load().failedCalls()).append(", first: `")
          .append(e2e.load().firstFailure()).append("`\n");
    }
    if (e2e.profile() != null) {
      md.append("\n## Profile (JFR, measured interval of the end-to-end phase)\n\n").append(e2e.profile());
    }
    return md.toString();
  }

  private static void row(StringBuilder md, String phase, double spansPerSecond, double ratio, String to) {
    md.append(String.format(Locale.ROOT, "| %s | %,.0f | %s | %s |%n", phase, spansPerSecond,
        to.isEmpty() ? "1" : String.format(Locale.ROOT, "**%.2f**", ratio), to.isEmpty() ? "baseline" : to));
  }

  private static void target(StringBuilder md, String target, String measured, boolean met) {
    md.append("| ").append(target).append(" | ").append(measured).append(" | ")
        .append(met ? "yes" : "**no**").append(" |\n");
  }

  private static String mib(long bytes) {
    return bytes < 0 ? "n/a" : String.format(Locale.ROOT, "%,d MiB", bytes >> 20);
  }
}
