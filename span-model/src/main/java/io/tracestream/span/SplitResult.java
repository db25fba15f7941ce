package io.tracestream.span;

import java.io.ByteArrayOutputStream;
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

  /**
   * Every accepted span as one encoded ExportTraceServiceRequest: the records' values one after the
   * other, which protobuf reads as one message holding the resource_spans of them all.
   */
  public byte[] acceptedRequest() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(records.stream().mapToInt(r -> r.value().length).sum());
    records.forEach(record -> out.writeBytes(record.value()));
    return out.toByteArray();
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
