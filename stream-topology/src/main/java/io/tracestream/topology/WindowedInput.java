package io.tracestream.topology;

import java.util.Locale;

/**
 * The three kinds of input the topology windows, with what their late and overflowing inputs are
 * counted as: {@code tracestream_late_<name>_total} and {@code tracestream_overflow_<name>_total},
 * tagged with the input's service under {@link #serviceTag()}.
 */
public enum WindowedInput {
  SPANS("service_name", "span_name"),
  TRACES("root_service", "root_operation"),
  EDGES("client", "server");

  private final String serviceTag;
  private final String operationTag;

  WindowedInput(String serviceTag, String operationTag) {
    this.serviceTag = serviceTag;
    this.operationTag = operationTag;
  }

  /** {@code spans}, {@code traces} or {@code edges}. */
  public String plural() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The label naming the service the cardinality guard counts under. */
  public String serviceTag() {
    return serviceTag;
  }

  /** The label that becomes {@code __overflow__} past the per-service limit. */
  public String operationTag() {
    return operationTag;
  }
}
