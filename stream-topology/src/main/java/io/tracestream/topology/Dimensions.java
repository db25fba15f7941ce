package io.tracestream.topology;

import io.tracestream.config.ConfigException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Attributes that split a series further, as the OTel Collector spanmetrics connector's {@code dimensions:}
 * (https://github.com/open-telemetry/opentelemetry-collector-contrib/tree/main/connector/spanmetricsconnector):
 * a span's value is its span attribute, else its resource attribute, else the dimension's default; a
 * dimension with none of them is left out of the span's series, as the connector leaves it out. Written
 * {@code name} or {@code name:default}, comma-separated ({@code topology.dimensions},
 * {@code topology.trace.dimensions}).
 */
public final class Dimensions {
  public static final Dimensions NONE = new Dimensions(List.of());
  /** The labels of span and trace metrics a dimension's label must not take. */
  private static final Set<String> RESERVED_LABELS = Set.of("service_name", "span_name", "span_kind",
      "status_code", "quantile", "le", "root_service", "root_operation", "job", "instance");

  /** One dimension: an attribute name, and its value when a span has the attribute nowhere (null: left out). */
  public record Dimension(String name, String defaultValue) {}

  private final List<Dimension> list;

  private Dimensions(List<Dimension> list) {
    this.list = List.copyOf(list);
  }

  /** The dimensions written in {@code value}; a {@link ConfigException} naming {@code key} when it is not valid. */
  public static Dimensions parse(String key, String value) {
    List<Dimension> list = new ArrayList<>();
    Set<String> labels = new HashSet<>();
    for (String item : value.split(",")) {
      String entry = item.strip();
      if (entry.isEmpty()) {
        continue;
      }
      int colon = entry.indexOf(':');
      String name = (colon < 0 ? entry : entry.substring(0, colon)).strip();
      String defaultValue = colon < 0 ? null : entry.substring(colon + 1).strip();
      if (name.isEmpty()) {
        throw new ConfigException(key, "a dimension has no attribute name: \"" + entry + "\"");
      }
      if (defaultValue != null && defaultValue.isEmpty()) {
        throw new ConfigException(key, "dimension " + name + " has an empty default value; write " + name
            + " alone to leave the dimension out when the attribute is absent");
      }
      String label = labelName(name);
      if (RESERVED_LABELS.contains(label)) {
        throw new ConfigException(key, "dimension " + name + " would be the label " + label
            + ", which the metrics already have");
      }
      if (!labels.add(label)) {
        throw new ConfigException(key, "dimension " + name + " is listed twice, or is the same label (" + label
            + ") as another");
      }
      list.add(new Dimension(name, defaultValue));
    }
    return list.isEmpty() ? NONE : new Dimensions(list);
  }

  public List<Dimension> list() {
    return list;
  }

  public boolean isEmpty() {
    return list.isEmpty();
  }

  public List<String> names() {
    return list.stream().map(Dimension::name).toList();
  }

  /**
   * The span's dimensions, by attribute name: {@code attribute} gives its attribute (span, else resource)
   * or null; then the default; a dimension without either is left out.
   */
  public SortedMap<String, String> values(Function<String, String> attribute) {
    if (list.isEmpty()) {
      return Collections.emptySortedMap();
    }
    SortedMap<String, String> values = new TreeMap<>();
    for (Dimension d : list) {
      String value = attribute.apply(d.name);
      if (value == null) {
        value = d.defaultValue;
      }
      if (value != null) {
        values.put(d.name, value);
      }
    }
    return Collections.unmodifiableSortedMap(values);
  }

  /**
   * The Prometheus label of an attribute, as the connector's Prometheus translation names it: each character
   * other than a letter, digit or underscore becomes an underscore ({@code http.response.status_code} →
   * {@code http_response_status_code}), and a leading digit gets {@code key_} before it.
   */
  public static String labelName(String attribute) {
    StringBuilder label = new StringBuilder(attribute.length() + 4);
    for (int i = 0; i < attribute.length(); i++) {
      char c = attribute.charAt(i);
      boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_';
      label.append(ok ? c : '_');
    }
    if (label.length() > 0 && Character.isDigit(label.charAt(0))) {
      label.insert(0, "key_");
    }
    return label.toString();
  }

  @Override
  public String toString() {
    return list.toString();
  }
}
