package io.tracestream.span;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** The records a request became, and the spans refused with their reasons. */
public record SplitResult(List<TraceRecord> records, int acceptedSpans, Map<RejectReason, Integer> rejected) {

  public SplitResult {
    records = List.copyOf(records);
    rejected = rejected.isEmpty() ? Map.of() : new EnumMap<>(rejected);
  }

  public int rejectedSpans() {
    return rejected.values().stream().mapToInt(Integer::intValue).sum();
  }

  /** The OTLP partial-success message: counts per reason, e.g. "2 spans rejected: 2 trace id is ...". */
  public String rejectionMessage() {
    if (rejected.isEmpty()) {
      return "";
    }
    return rejectedSpans() + " spans rejected: " + rejected.entrySet().stream()
        .map(e -> e.getValue() + " " + e.getKey().description())
        .collect(Collectors.joining("; "));
  }
}
