package io.tracestream.alerting.rules;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** What a rule measures, over one closed window of one series; its labels and the unit of its threshold. */
public enum Signal {
  /** A latency quantile of spans, all status codes of the series merged (from their sketches). */
  SPAN_LATENCY(Source.SPANS, Unit.LATENCY),
  /** Spans with status ERROR over all spans of the series. */
  ERROR_RATIO(Source.SPANS, Unit.RATIO),
  /** Spans per second over the window. */
  CALL_RATE(Source.SPANS, Unit.RATE),
  /** A latency quantile of whole traces (first span start to last span end), per root operation. */
  TRACE_LATENCY(Source.TRACES, Unit.LATENCY),
  /** Traces with an error span over all traces of the series. */
  TRACE_ERROR_RATIO(Source.TRACES, Unit.RATIO),
  /** Failed calls over all calls of a dependency edge. */
  EDGE_FAILURE_RATIO(Source.EDGES, Unit.RATIO);

  /** The result topic a signal is read from, and the labels of its series. */
  public enum Source {
    SPANS("service", "operation", "kind"),
    TRACES("root_service", "root_operation"),
    EDGES("client", "server", "connection_type");

    private final List<String> labels;

    Source(String... labels) {
      this.labels = List.of(labels);
    }

    public List<String> labels() {
      return labels;
    }
  }

  /** How a threshold and a value are written: latency in ms ({@code 500ms}, {@code 2s}), ratios ({@code 5%}), rates ({@code 10/s}). */
  public enum Unit { LATENCY, RATIO, RATE }

  private final Source source;
  private final Unit unit;

  Signal(Source source, Unit unit) {
    this.source = source;
    this.unit = unit;
  }

  public Source source() {
    return source;
  }

  public Unit unit() {
    return unit;
  }

  public boolean isLatency() {
    return unit == Unit.LATENCY;
  }

  /** The name in rule files: {@code span_latency}, {@code error_ratio}, ... */
  public String ruleName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Optional<Signal> byRuleName(String name) {
    return Arrays.stream(values()).filter(s -> s.ruleName().equals(name)).findFirst();
  }
}
