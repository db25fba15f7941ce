package io.tracestream.alerting;

import io.tracestream.alerting.rules.AlertRule;
import io.tracestream.alerting.rules.RuleSet;
import io.tracestream.alerting.rules.Signal;
import io.tracestream.topology.Dimensions;
import io.tracestream.topology.model.EdgeKey;
import io.tracestream.topology.model.EdgeWindowResult;
import io.tracestream.topology.model.Exemplar;
import io.tracestream.topology.model.SeriesKey;
import io.tracestream.topology.model.TraceSeriesKey;
import io.tracestream.topology.model.WindowResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.streams.KeyValue;

/** Turns the records of the three result topics into observations keyed by alert id, one per matching rule. */
final class Observations {
  private final RuleSet rules;

  Observations(RuleSet rules) {
    this.rules = rules;
  }

  List<KeyValue<String, Observation>> spans(SeriesKey key, WindowResult value) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put("service", key.service());
    labels.put("operation", key.operation());
    labels.put("kind", key.kind());
    putDimensions(labels, key.dimensions());
    return observe(Signal.Source.SPANS, labels, value.windowStart(), value.windowEnd(), value.count(), value.errors(),
        value.sketch(), value.exemplars());
  }

  List<KeyValue<String, Observation>> traces(TraceSeriesKey key, WindowResult value) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put("root_service", key.rootService());
    labels.put("root_operation", key.rootOperation());
    putDimensions(labels, key.dimensions());
    return observe(Signal.Source.TRACES, labels, value.windowStart(), value.windowEnd(), value.count(), value.errors(),
        value.sketch(), value.exemplars());
  }

  List<KeyValue<String, Observation>> edges(EdgeKey key, EdgeWindowResult value) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put("client", key.client());
    labels.put("server", key.server());
    labels.put("connection_type", key.connectionType() == null ? "" : key.connectionType());
    return observe(Signal.Source.EDGES, labels, value.windowStart(), value.windowEnd(), value.calls(), value.errors(),
        null, List.of());
  }

  /** A series' dimensions as labels, named as the exporter names them; a rule file declares those it uses. */
  private static void putDimensions(Map<String, String> labels, Map<String, String> dimensions) {
    dimensions.forEach((name, value) -> labels.putIfAbsent(Dimensions.labelName(name), value));
  }

  private List<KeyValue<String, Observation>> observe(Signal.Source source, Map<String, String> labels, long start,
      long end, long count, long errors, String sketch, List<Exemplar> exemplars) {
    List<KeyValue<String, Observation>> out = new ArrayList<>(2);
    for (AlertRule rule : rules.rules()) {
      if (rule.signal().source() != source || !rule.matches(labels)) {
        continue;
      }
      Map<String, String> group = rule.group(labels);
      out.add(KeyValue.pair(alertId(rule.name(), group), new Observation(rule.name(), group, start, end, count, errors,
          rule.signal().isLatency() ? sketch : null, example(rule.signal(), exemplars))));
    }
    return out;
  }

  /**
   * The exemplar an alert of {@code signal} shows: the error exemplar for an error ratio, else the slowest (the
   * exemplar of the highest bucket); null when there is none.
   */
  static Exemplar example(Signal signal, List<Exemplar> exemplars) {
    boolean errors = signal == Signal.ERROR_RATIO || signal == Signal.TRACE_ERROR_RATIO;
    Exemplar example = null;
    for (Exemplar e : exemplars) {
      if (e.error() == errors) {
        example = Observation.slower(example, e);
      }
    }
    return example;
  }

  /** The key of an alert series: {@code rule{label="value",...}}, labels sorted, as Prometheus prints a series. */
  static String alertId(String rule, Map<String, String> labels) {
    StringBuilder out = new StringBuilder(rule).append('{');
    boolean first = true;
    for (Map.Entry<String, String> e : new TreeMap<>(labels).entrySet()) {
      if (!first) {
        out.append(',');
      }
      first = false;
      out.append(e.getKey()).append("=\"")
          .append(e.getValue().replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n")).append('"');
    }
    return out.append('}').toString();
  }
}
