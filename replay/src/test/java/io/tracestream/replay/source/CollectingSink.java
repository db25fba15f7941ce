package io.tracestream.replay.source;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.tracestream.topology.traces.TraceSpan;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Keeps what a source reads: requests with their locations, and bad input. */
final class CollectingSink implements SpanSink {
  final List<ExportTraceServiceRequest> requests = new ArrayList<>();
  final List<String> locations = new ArrayList<>();
  final Map<String, String> bad = new LinkedHashMap<>();

  @Override
  public void accept(ExportTraceServiceRequest request, String location) {
    requests.add(request);
    locations.add(location);
  }

  @Override
  public void bad(String location, String reason) {
    bad.put(location, reason);
  }

  List<Span> spans() {
    List<Span> out = new ArrayList<>();
    for (ExportTraceServiceRequest r : requests) {
      r.getResourceSpansList().forEach(rs -> rs.getScopeSpansList().forEach(ss -> out.addAll(ss.getSpansList())));
    }
    return out;
  }

  /** Every span as trace analysis sees it, grouped by trace id. */
  Map<String, List<TraceSpan>> traces() {
    Map<String, List<TraceSpan>> out = new LinkedHashMap<>();
    for (ExportTraceServiceRequest r : requests) {
      for (ResourceSpans rs : r.getResourceSpansList()) {
        String service = service(rs);
        for (ScopeSpans ss : rs.getScopeSpansList()) {
          for (Span span : ss.getSpansList()) {
            TraceSpan ts = TraceSpan.from(span, service);
            out.computeIfAbsent(ts.traceId(), k -> new ArrayList<>()).add(ts);
          }
        }
      }
    }
    return out;
  }

  static String service(ResourceSpans rs) {
    for (KeyValue kv : rs.getResource().getAttributesList()) {
      if (kv.getKey().equals("service.name")) {
        return kv.getValue().getStringValue();
      }
    }
    return "unknown_service";
  }
}
