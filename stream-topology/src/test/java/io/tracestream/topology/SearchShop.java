package io.tracestream.topology;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.tracestream.span.TraceIds;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Twelve traces of a shop for the trace search tests, starting 400 ms apart after a base time: checkouts
 * (gateway, pricing, payments, fulfil), searches (gateway, search), logins (gateway, auth) and a reship
 * (fulfil calling payments, its root in fulfil), from 15 ms to 3 s, four with an error. Each service
 * sends its spans of all twelve in a batch of its own, split by trace id as the bridge writes them, the
 * services whose spans are leaves first and the roots' last, as SDKs exporting on their own schedules do.
 *
 * <pre>
 *  n  shape     ms    error     n  shape     ms    error     n  shape     ms    error
 *  1  checkout  120             5  search    1500            9  checkout  2200
 *  2  search    40              6  checkout  250            10  login     30    auth
 *  3  checkout  900   payments  7  reship    3000  fulfil   11  checkout  80
 *  4  login     15              8  search    60    search   12  search    700
 * </pre>
 *
 * <p>Trace n ends at base + 400n ms + its duration.
 */
final class SearchShop {
  static final int TRACES = 12;
  /** Service order of the batches: leaves first, roots last. */
  static final List<String> BATCH_ORDER = List.of("fulfil", "pricing", "search", "auth", "payments", "gateway");

  private enum Shape { CHECKOUT, SEARCH, LOGIN, RESHIP }

  private record Trace(Shape shape, long durationMs, String errorService) {}

  private static final List<Trace> SHOP = List.of(
      new Trace(Shape.CHECKOUT, 120, null), new Trace(Shape.SEARCH, 40, null),
      new Trace(Shape.CHECKOUT, 900, "payments"), new Trace(Shape.LOGIN, 15, null),
      new Trace(Shape.SEARCH, 1500, null), new Trace(Shape.CHECKOUT, 250, null),
      new Trace(Shape.RESHIP, 3000, "fulfil"), new Trace(Shape.SEARCH, 60, "search"),
      new Trace(Shape.CHECKOUT, 2200, null), new Trace(Shape.LOGIN, 30, "auth"),
      new Trace(Shape.CHECKOUT, 80, null), new Trace(Shape.SEARCH, 700, null));

  private SearchShop() {}

  /** The trace id of trace {@code n} (1 to 12), 32 hex digits. */
  static String traceId(int n) {
    return TraceIds.toHex(traceIdBytes(n));
  }

  /** The trace ids of traces {@code ns}, in that order. */
  static List<String> traceIds(int... ns) {
    List<String> ids = new ArrayList<>();
    for (int n : ns) {
      ids.add(traceId(n));
    }
    return ids;
  }

  /** The records to send, in order: trace id to the request of one service, batch by batch. */
  static List<Map.Entry<String, ExportTraceServiceRequest>> records(long baseMs) {
    Map<String, Map<Integer, List<Span>>> byService = new LinkedHashMap<>();
    BATCH_ORDER.forEach(service -> byService.put(service, new LinkedHashMap<>()));
    for (int n = 1; n <= TRACES; n++) {
      Trace trace = SHOP.get(n - 1);
      long startMicros = (baseMs + 400L * n) * 1000;
      for (Part part : parts(trace.shape())) {
        long d = trace.durationMs() * 1000;
        Span.Builder span = Span.newBuilder().setTraceId(traceIdBytes(n))
            .setSpanId(spanId(n, part.index)).setName(part.name)
            .setKind(part.server ? Span.SpanKind.SPAN_KIND_SERVER : Span.SpanKind.SPAN_KIND_CLIENT)
            .setStartTimeUnixNano((startMicros + d * part.fromPercent / 100) * 1000)
            .setEndTimeUnixNano((startMicros + d * part.toPercent / 100) * 1000);
        if (part.parent >= 0) {
          span.setParentSpanId(spanId(n, part.parent));
        }
        if (part.server && part.service.equals(trace.errorService())) {
          span.setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR));
        }
        byService.get(part.service).computeIfAbsent(n, k -> new ArrayList<>()).add(span.build());
      }
    }
    List<Map.Entry<String, ExportTraceServiceRequest>> records = new ArrayList<>();
    byService.forEach((service, traces) -> traces.forEach((n, spans) -> records.add(
        Map.entry(traceId(n), TopologyFixture.request(service, spans.toArray(Span[]::new))))));
    return records;
  }

  /** A span of a shape: its service and parent (index, -1 for the root), over a share of the trace's time. */
  private record Part(int index, String service, String name, boolean server, int parent, long fromPercent,
      long toPercent) {}

  private static List<Part> parts(Shape shape) {
    return switch (shape) {
      case CHECKOUT -> List.of(new Part(0, "gateway", "POST /checkout", true, -1, 0, 100),
          new Part(1, "gateway", "GET /price", false, 0, 5, 30),
          new Part(2, "pricing", "GET /price", true, 1, 6, 29),
          new Part(3, "gateway", "POST /pay", false, 0, 35, 95),
          new Part(4, "payments", "POST /pay", true, 3, 36, 94),
          new Part(5, "payments", "POST /ship", false, 4, 50, 90),
          new Part(6, "fulfil", "POST /ship", true, 5, 51, 89));
      case SEARCH -> List.of(new Part(0, "gateway", "GET /search", true, -1, 0, 100),
          new Part(1, "gateway", "GET /query", false, 0, 10, 90),
          new Part(2, "search", "GET /query", true, 1, 11, 89));
      case LOGIN -> List.of(new Part(0, "gateway", "POST /login", true, -1, 0, 100),
          new Part(1, "gateway", "POST /verify", false, 0, 20, 80),
          new Part(2, "auth", "POST /verify", true, 1, 21, 79));
      case RESHIP -> List.of(new Part(0, "fulfil", "reship", true, -1, 0, 100),
          new Part(1, "fulfil", "POST /refund", false, 0, 10, 60),
          new Part(2, "payments", "POST /refund", true, 1, 11, 59));
    };
  }

  private static ByteString traceIdBytes(int n) {
    return ByteString.copyFrom(ByteBuffer.allocate(16).putLong(0x5ea7c4L).putLong(n * 104_729L).array());
  }

  private static ByteString spanId(int trace, int index) {
    return ByteString.copyFrom(ByteBuffer.allocate(8).putInt(trace).putInt(index + 1).array());
  }
}
