package io.tracestream.bridge;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.Span;
import io.tracestream.config.Settings;
import io.tracestream.span.TraceIds;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** Starting bridges on free ports, posting OTLP/HTTP, and reading spans back from otlp_spans records. */
final class TestBridges {
  static final HttpClient HTTP = HttpClient.newHttpClient();

  private TestBridges() {}

  static Bridge start(String bootstrapServers, String topic, String... overrides) throws Exception {
    Map<String, String> values = new HashMap<>();
    values.put("kafka.bootstrap.servers", bootstrapServers);
    values.put("topic.spans", topic);
    values.put("bridge.grpc.port", "0");
    values.put("bridge.http.port", "0");
    values.put("bridge.admin.port", "0");
    values.put("bridge.kafka.health.interval", "200ms");
    for (String override : overrides) {
      int eq = override.indexOf('=');
      values.put(override.substring(0, eq), override.substring(eq + 1));
    }
    Bridge bridge = Bridge.start(BridgeConfig.from(Settings.of(values)));
    io.tracestream.testkit.Await.until(java.time.Duration.ofSeconds(30), "bridge ready",
        () -> get(bridge, "/health/ready").statusCode() == 200);
    return bridge;
  }

  static HttpResponse<byte[]> post(Bridge bridge, String contentType, byte[] body, String... headers)
      throws Exception {
    HttpRequest.Builder request = HttpRequest
        .newBuilder(URI.create("http://127.0.0.1:" + bridge.httpPort() + "/v1/traces"))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
        .header("Content-Type", contentType);
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  static HttpResponse<String> get(Bridge bridge, String path) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + bridge.adminPort() + path)).build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new AssertionError("GET " + path + " failed", e);
    }
  }

  /** Span ids (hex) of a request. */
  static List<String> spanIds(ExportTraceServiceRequest request) {
    List<String> ids = new ArrayList<>();
    request.getResourceSpansList().forEach(rs -> rs.getScopeSpansList().forEach(ss ->
        ss.getSpansList().forEach(span -> ids.add(TraceIds.toHex(span.getSpanId())))));
    return ids;
  }

  /** Every span in the records, as (record key, span); fails if a value is not an OTLP request. */
  static List<Map.Entry<String, Span>> spans(List<ConsumerRecord<String, byte[]>> records) {
    List<Map.Entry<String, Span>> spans = new ArrayList<>();
    for (ConsumerRecord<String, byte[]> record : records) {
      try {
        ExportTraceServiceRequest value = ExportTraceServiceRequest.parseFrom(record.value());
        value.getResourceSpansList().forEach(rs -> rs.getScopeSpansList().forEach(ss ->
            ss.getSpansList().forEach(span -> spans.add(Map.entry(record.key(), span)))));
      } catch (com.google.protobuf.InvalidProtocolBufferException e) {
        throw new AssertionError("record at offset " + record.offset() + " is not OTLP protobuf", e);
      }
    }
    return spans;
  }

  /** An attribute's value as text: strings as they are, numbers and booleans as Java prints them. */
  static String text(io.opentelemetry.proto.common.v1.AnyValue value) {
    return switch (value.getValueCase()) {
      case STRING_VALUE -> value.getStringValue();
      case BOOL_VALUE -> Boolean.toString(value.getBoolValue());
      case INT_VALUE -> Long.toString(value.getIntValue());
      case DOUBLE_VALUE -> Double.toString(value.getDoubleValue());
      default -> value.toString();
    };
  }

  static List<String> spanIdsOf(List<ConsumerRecord<String, byte[]>> records) {
    return spans(records).stream().map(e -> TraceIds.toHex(e.getValue().getSpanId())).toList();
  }
}
