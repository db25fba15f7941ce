package io.tracestream.testkit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The traces of a four-service shop: a user calls gateway, gateway calls pricing and payments, payments
 * calls fulfil, each call a CLIENT span in the caller and a SERVER span in the callee: seven spans, four
 * dependency edges per trace. {@link SdkShop} sends them through one OpenTelemetry SDK per service;
 * {@link #writeJaegerJson} writes them as a Jaeger JSON export.
 */
public final class ShopTraces {
  public static final List<String> SERVICES = List.of("gateway", "pricing", "payments", "fulfil");
  public static final String ROOT_OPERATION = "POST /checkout";

  /**
   * One span of a trace: its service, name, whether it is the SERVER (else the CLIENT) side, its
   * parent's index in {@link #SPANS} (-1 for the root), and its start and end after the trace's start.
   */
  public record Part(String service, String name, boolean server, int parent, long startMicros, long endMicros) {}

  public static final List<Part> SPANS = List.of(
      new Part("gateway", ROOT_OPERATION, true, -1, 0, 120_000),
      new Part("gateway", "GET /price", false, 0, 5_000, 35_000),
      new Part("pricing", "GET /price", true, 1, 7_000, 33_000),
      new Part("gateway", "POST /pay", false, 0, 40_000, 110_000),
      new Part("payments", "POST /pay", true, 3, 42_000, 108_000),
      new Part("payments", "POST /ship", false, 4, 50_000, 100_000),
      new Part("fulfil", "POST /ship", true, 5, 52_000, 98_000));

  /** How long a trace lasts: its root span. */
  public static final Duration DURATION = Duration.ofNanos(TimeUnit.MICROSECONDS.toNanos(SPANS.get(0).endMicros()));

  private static final ObjectMapper JSON = new ObjectMapper();

  private ShopTraces() {}

  /** Calls per edge, {@code "client->server"} as Jaeger's {@code /api/dependencies} names them, of {@code traces}. */
  public static Map<String, Long> edges(long traces) {
    Map<String, Long> edges = new TreeMap<>();
    edges.put("user->gateway", traces);
    for (Part part : SPANS) {
      if (part.server() && part.parent() >= 0) {
        edges.put(SPANS.get(part.parent()).service() + "->" + part.service(), traces);
      }
    }
    return edges;
  }

  /** The services of a trace as its summary lists them: sorted. */
  public static List<String> sortedServices() {
    return SERVICES.stream().sorted().toList();
  }

  /**
   * Writes {@code traces} traces as a Jaeger JSON export ({@code {"data":[{traceID, spans, processes}]}},
   * as the Jaeger UI downloads it), the i-th starting at {@code first + i * every}, with ids made from
   * {@code seed}, in start order.
   *
   * @return trace id (32 hex digits) to start, in file order
   */
  public static Map<String, Instant> writeJaegerJson(Path file, Instant first, Duration every, int traces, long seed)
      throws IOException {
    Map<String, Instant> written = new LinkedHashMap<>();
    ObjectNode root = JSON.createObjectNode();
    ArrayNode data = root.putArray("data");
    for (int i = 0; i < traces; i++) {
      Instant start = first.plus(every.multipliedBy(i));
      String traceId = hex(ByteBuffer.allocate(16).putLong(seed).putLong(i + 1L).array());
      written.put(traceId, start);
      ObjectNode trace = data.addObject().put("traceID", traceId);
      ArrayNode spans = trace.putArray("spans");
      List<String> spanIds = new ArrayList<>();
      long startMicros = TimeUnit.SECONDS.toMicros(start.getEpochSecond()) + start.getNano() / 1_000;
      for (int s = 0; s < SPANS.size(); s++) {
        Part part = SPANS.get(s);
        String spanId = hex(ByteBuffer.allocate(8).putInt((int) seed).putShort((short) i).putShort((short) (s + 1))
            .array());
        spanIds.add(spanId);
        ObjectNode span = spans.addObject().put("traceID", traceId).put("spanID", spanId)
            .put("operationName", part.name())
            .put("startTime", startMicros + part.startMicros())
            .put("duration", part.endMicros() - part.startMicros())
            .put("processID", "p" + (SERVICES.indexOf(part.service()) + 1));
        ArrayNode references = span.putArray("references");
        if (part.parent() >= 0) {
          references.addObject().put("refType", "CHILD_OF").put("traceID", traceId)
              .put("spanID", spanIds.get(part.parent()));
        }
        span.putArray("tags").addObject().put("key", "span.kind").put("type", "string")
            .put("value", part.server() ? "server" : "client");
        span.putArray("logs");
      }
      ObjectNode processes = trace.putObject("processes");
      for (int p = 0; p < SERVICES.size(); p++) {
        processes.putObject("p" + (p + 1)).put("serviceName", SERVICES.get(p)).putArray("tags");
      }
    }
    JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), root);
    return written;
  }

  private static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }
}
