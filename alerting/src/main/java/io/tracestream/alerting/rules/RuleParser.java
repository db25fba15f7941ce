package io.tracestream.alerting.rules;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Reads and validates a rule file; every error names the line and the reason. README: "Rule file". */
final class RuleParser {
  private static final Set<String> FIELDS = Set.of("name", "signal", "quantile", "match", "match_re", "group_by",
      "operator", "threshold", "for", "keep_firing_for", "min_count", "severity", "labels", "annotations");
  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_.:-]*");
  private static final Pattern LABEL_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");
  private static final Pattern LATENCY = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m)");
  private static final Pattern PERCENT = Pattern.compile("(\\d+(?:\\.\\d+)?)%");
  private static final Pattern NUMBER = Pattern.compile("\\d+(?:\\.\\d+)?");
  private static final Pattern RATE = Pattern.compile("(\\d+(?:\\.\\d+)?)(/s|/m)?");
  /** Labels an alert carries anyway; a rule may not set them itself. */
  private static final Set<String> RESERVED_LABELS = Set.of("alertname", "severity");
  /** The severities Prometheus' and Alertmanager's own examples and most routing trees use. */
  static final List<String> SEVERITIES = List.of("critical", "warning", "info");

  private final String source;
  /** The labels the topology's dimensions add to span and trace series, declared at the top of the file. */
  private List<String> dimensions = List.of();

  RuleParser(String source) {
    this.source = source;
  }

  List<AlertRule> parse(String text) {
    YamlNode root = YamlNode.parse(text, source);
    if (!root.isMap() || !root.map.containsKey("rules")) {
      throw error(root, "expected a map with 'rules:', a list of rules");
    }
    for (String key : root.map.keySet()) {
      if (!key.equals("rules") && !key.equals("dimensions")) {
        throw error(root.map.get(key), "unknown top-level key '" + key + "'; expected 'rules' and 'dimensions'");
      }
    }
    if (root.map.containsKey("dimensions")) {
      dimensions = dimensions(root.map.get("dimensions"));
    }
    YamlNode rules = root.map.get("rules");
    if (!rules.isList()) {
      throw error(rules, "'rules' must be a list of rules");
    }
    if (rules.list.isEmpty()) {
      throw error(rules, "'rules' is empty; a rule file needs at least one rule");
    }
    List<AlertRule> out = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (YamlNode node : rules.list) {
      AlertRule rule = rule(node);
      if (!names.add(rule.name())) {
        throw error(node, "rule name '" + rule.name() + "' is used twice; names identify alerts and must be unique");
      }
      out.add(rule);
    }
    return out;
  }

  /**
   * The dimension labels (topology.dimensions, topology.trace.dimensions, named as the exporter labels them):
   * span and trace rules may match and group by them besides their signal's labels.
   */
  private List<String> dimensions(YamlNode node) {
    if (!node.isList()) {
      throw error(node, "'dimensions' must be a list of labels, as the topology's dimensions are exported"
          + " (http.response.status_code as http_response_status_code)");
    }
    List<String> out = new ArrayList<>();
    for (YamlNode label : node.list) {
      String l = scalar(label, "dimensions");
      if (!LABEL_NAME.matcher(l).matches()) {
        throw error(label, "dimensions: '" + l + "' is not a label name; write the exported label ("
            + LABEL_NAME.pattern() + "), dots as underscores");
      }
      for (Signal.Source s : Signal.Source.values()) {
        if (s.labels().contains(l)) {
          throw error(label, "dimensions: '" + l + "' is a label of " + s.name().toLowerCase(Locale.ROOT)
              + " signals already");
        }
      }
      if (out.contains(l)) {
        throw error(label, "dimensions lists '" + l + "' twice");
      }
      out.add(l);
    }
    return List.copyOf(out);
  }

  private AlertRule rule(YamlNode node) {
    if (!node.isMap()) {
      throw error(node, "a rule must be a map with name, signal, operator, threshold, ...");
    }
    Map<String, YamlNode> f = node.map;
    for (Map.Entry<String, YamlNode> e : f.entrySet()) {
      if (!FIELDS.contains(e.getKey())) {
        throw error(e.getValue(), "unknown field '" + e.getKey() + "'; known fields are " + new TreeSet<>(FIELDS));
      }
    }
    String name = required(node, "name");
    if (!NAME.matcher(name).matches()) {
      throw error(f.get("name"), "name '" + name + "' must match " + NAME.pattern());
    }
    String signalName = required(node, "signal");
    Signal signal = Signal.byRuleName(signalName).orElseThrow(() -> error(f.get("signal"),
        "unknown signal '" + signalName + "'; expected one of span_latency, trace_latency, error_ratio, "
            + "trace_error_ratio, call_rate, edge_failure_ratio"));
    List<String> signalLabels = signal.source().labels();
    List<String> seriesLabels = signal.source() == Signal.Source.EDGES ? signalLabels
        : java.util.stream.Stream.concat(signalLabels.stream(), dimensions.stream()).toList();

    double quantile = Double.NaN;
    if (signal.isLatency()) {
      String q = required(node, "quantile");
      quantile = parseQuantile(f.get("quantile"), q);
    } else if (f.containsKey("quantile")) {
      throw error(f.get("quantile"), "'quantile' applies only to span_latency and trace_latency");
    }

    List<LabelMatcher> matchers = new ArrayList<>();
    for (Map.Entry<String, YamlNode> e : stringMap(node, "match").entrySet()) {
      checkLabel(e.getValue(), e.getKey(), seriesLabels, "match");
      matchers.add(LabelMatcher.exact(e.getKey(), scalar(e.getValue(), "match." + e.getKey())));
    }
    for (Map.Entry<String, YamlNode> e : stringMap(node, "match_re").entrySet()) {
      checkLabel(e.getValue(), e.getKey(), seriesLabels, "match_re");
      String expression = scalar(e.getValue(), "match_re." + e.getKey());
      try {
        matchers.add(LabelMatcher.regex(e.getKey(), expression));
      } catch (PatternSyntaxException ex) {
        throw error(e.getValue(), "match_re." + e.getKey() + ": not a valid regular expression: "
            + ex.getDescription() + " near index " + ex.getIndex());
      }
    }

    List<String> groupBy = new ArrayList<>(signalLabels);
    if (f.containsKey("group_by")) {
      YamlNode g = f.get("group_by");
      if (!g.isList()) {
        throw error(g, "'group_by' must be a list of labels out of " + seriesLabels);
      }
      groupBy = new ArrayList<>();
      for (YamlNode label : g.list) {
        String l = scalar(label, "group_by");
        checkLabel(label, l, seriesLabels, "group_by");
        if (groupBy.contains(l)) {
          throw error(label, "group_by lists '" + l + "' twice");
        }
        groupBy.add(l);
      }
    }

    String op = required(node, "operator");
    Operator operator = Operator.bySymbol(op).orElseThrow(() -> error(f.get("operator"),
        "unknown operator '" + op + "'; expected one of >, >=, <, <="));
    String thresholdText = required(node, "threshold");
    double threshold = threshold(f.get("threshold"), signal, thresholdText);

    Duration forDuration = duration(node, "for");
    Duration keepFiringFor = duration(node, "keep_firing_for");
    long minCount = 1;
    if (f.containsKey("min_count")) {
      String raw = scalar(f.get("min_count"), "min_count");
      try {
        minCount = Long.parseLong(raw);
      } catch (NumberFormatException e) {
        minCount = -1;
      }
      if (minCount < 1) {
        throw error(f.get("min_count"), "min_count must be a whole number >= 1, got '" + raw + "'");
      }
    }
    String severity = f.containsKey("severity") ? scalar(f.get("severity"), "severity") : "warning";
    if (!SEVERITIES.contains(severity)) {
      throw error(f.get("severity"), "severity must be one of " + SEVERITIES + ", as Alertmanager routes expect"
          + (severity.equals("page") ? " (what was 'page' is 'critical')" : "") + "; got '" + severity + "'");
    }

    Map<String, String> labels = new TreeMap<>();
    for (Map.Entry<String, YamlNode> e : stringMap(node, "labels").entrySet()) {
      if (!LABEL_NAME.matcher(e.getKey()).matches() || e.getKey().startsWith("__")) {
        throw error(e.getValue(), "label name '" + e.getKey() + "' is not a valid Prometheus label name");
      }
      if (RESERVED_LABELS.contains(e.getKey()) || signalLabels.contains(e.getKey())) {
        throw error(e.getValue(),
            "label '" + e.getKey() + "' is set by tracestream itself; use 'severity' or another name");
      }
      labels.put(e.getKey(), scalar(e.getValue(), "labels." + e.getKey()));
    }
    Map<String, String> annotations = new LinkedHashMap<>();
    for (Map.Entry<String, YamlNode> e : stringMap(node, "annotations").entrySet()) {
      String template = scalar(e.getValue(), "annotations." + e.getKey());
      Set<String> unknown = Templates.unknown(template, groupBy);
      if (!unknown.isEmpty()) {
        throw error(e.getValue(), "annotations." + e.getKey() + ": unknown placeholder " + unknown
            + "; known are value, threshold, rule, severity and the rule's labels " + groupBy);
      }
      annotations.put(e.getKey(), template);
    }
    return new AlertRule(name, node.line, signal, quantile, List.copyOf(matchers), List.copyOf(groupBy), operator,
        threshold, thresholdText, forDuration, keepFiringFor, minCount, severity, Map.copyOf(labels),
        Collections.unmodifiableMap(annotations));
  }

  private double parseQuantile(YamlNode node, String q) {
    double value;
    try {
      value = Double.parseDouble(q);
    } catch (NumberFormatException e) {
      value = Double.NaN;
    }
    if (!(value > 0 && value < 1)) {
      throw error(node, "quantile must be a number between 0 and 1 (exclusive) such as 0.99, got '" + q + "'");
    }
    return value;
  }

  private double threshold(YamlNode node, Signal signal, String text) {
    switch (signal.unit()) {
      case LATENCY -> {
        Matcher m = LATENCY.matcher(text);
        if (!m.matches()) {
          throw error(node, "a latency threshold is written with a unit: 250ms, 1.5s, 2m; got '" + text + "'");
        }
        double n = Double.parseDouble(m.group(1));
        return switch (m.group(2)) {
          case "ms" -> n;
          case "s" -> n * 1000;
          default -> n * 60_000;
        };
      }
      case RATIO -> {
        Matcher m = PERCENT.matcher(text);
        double ratio = m.matches() ? Double.parseDouble(m.group(1)) / 100
            : NUMBER.matcher(text).matches() ? Double.parseDouble(text) : Double.NaN;
        if (!(ratio >= 0 && ratio <= 1)) {
          throw error(node, "a ratio threshold is a percentage (5%) or a number in [0, 1] (0.05); got '" + text + "'");
        }
        return ratio;
      }
      default -> {
        Matcher m = RATE.matcher(text);
        if (!m.matches()) {
          throw error(node, "a call-rate threshold is written 10/s, 600/m or 10 (per second); got '" + text + "'");
        }
        double n = Double.parseDouble(m.group(1));
        return "/m".equals(m.group(2)) ? n / 60 : n;
      }
    }
  }

  private Duration duration(YamlNode rule, String field) {
    YamlNode node = rule.map.get(field);
    if (node == null) {
      return Duration.ZERO;
    }
    String text = scalar(node, field);
    Matcher m = DURATION.matcher(text);
    if (!m.matches()) {
      throw error(node, field + " must be a duration such as 0s, 500ms, 2m, 1h; got '" + text + "'");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
  }

  private void checkLabel(YamlNode node, String label, List<String> signalLabels, String field) {
    if (!signalLabels.contains(label)) {
      throw error(node, field + ": unknown label '" + label + "' for this signal; its labels are " + signalLabels);
    }
  }

  private Map<String, YamlNode> stringMap(YamlNode rule, String field) {
    YamlNode node = rule.map.get(field);
    if (node == null) {
      return Map.of();
    }
    if (!node.isMap()) {
      throw error(node, "'" + field + "' must be a map of name: value");
    }
    return node.map;
  }

  private String required(YamlNode rule, String field) {
    YamlNode node = rule.map.get(field);
    if (node == null) {
      throw error(rule, "missing '" + field + "'");
    }
    return scalar(node, field);
  }

  private String scalar(YamlNode node, String field) {
    if (!node.isScalar()) {
      throw error(node, "'" + field + "' must be a single value");
    }
    return node.scalar.trim();
  }

  private RuleFileException error(YamlNode node, String reason) {
    return new RuleFileException(source, node.line, reason);
  }
}
