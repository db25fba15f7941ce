package io.tracestream.topology.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.tracestream.span.TraceIds;
import io.tracestream.topology.traces.TraceSummary;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntFunction;
import java.util.stream.Collectors;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;

/**
 * The topology's query API on its admin port, in Jaeger's query-service format
 * ({@code {"data": ..., "total", "limit", "offset", "errors"}}):
 *
 * <ul>
 *   <li>{@code GET /api/services}: services seen in completed traces;
 *   <li>{@code GET /api/dependencies?endTs=<ms>&lookback=<ms>}: calls per (parent, child) over the edge
 *       windows starting in [endTs - lookback, endTs] (defaults: now, 24 h);
 *   <li>{@code GET /api/traces/<trace id>}: the summary of a completed trace;
 *   <li>{@code GET /api/traces?service=...}: a search of the completed traces' summaries ({@link TraceQuery});
 *   <li>{@code GET /api/exemplars?service=&operation=&start=&end=}: trace ids of the slowest spans per latency
 *       bucket and of an error span, per closed span window ({@link ExemplarQuery}).
 * </ul>
 *
 * <p>Any instance answers for every partition (interactive queries). For services and dependencies it
 * maps each partition of the store to its active owner, reads its own partitions and asks each other
 * owner for exactly the partitions it owns ({@code ?partitions=}); a trace is read on the owner of its
 * key's partition ({@code ?partition=}). When a partition has no ready owner (a rebalance, a restore
 * from the changelog) or an owner does not answer, the answer is 503 with the reason, never a
 * partial result: retry. Other owners are asked on a pool of their own ({@link PeerCalls}), in parallel,
 * while this instance reads its own partitions.
 */
public final class QueryApi implements HttpHandler, AutoCloseable {
  static final Duration DEFAULT_LOOKBACK = Duration.ofHours(24);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration FORWARD_TIMEOUT = Duration.ofSeconds(5);
  public static final int DEFAULT_FORWARD_THREADS = 8;

  private final KafkaStreams streams;
  private final QueryStores stores;
  private final HostInfo self;
  private final String tracesSourceTopic;
  private final String edgesSourceTopic;
  private final int partitions;
  private final Clock clock;
  private final PeerCalls peers;
  private final int maxServices;
  private final ExemplarQuery exemplars;

  /**
   * @param self this instance's {@code application.server}, as other instances see it
   * @param tracesSourceTopic the topic whose partitions the trace stores follow (the spans topic)
   * @param edgesSourceTopic the repartition topic whose partitions the dependency store follows
   * @param partitions partitions of both topics (a repartition topic has its source's count)
   */
  public QueryApi(KafkaStreams streams, HostInfo self, String tracesSourceTopic, String edgesSourceTopic,
      int partitions, Clock clock) {
    this(streams, self, tracesSourceTopic, edgesSourceTopic, partitions, clock, Optional.empty());
  }

  /** @param tls when present, other instances are called over https with this context (trust and own cert) */
  public QueryApi(KafkaStreams streams, HostInfo self, String tracesSourceTopic, String edgesSourceTopic,
      int partitions, Clock clock, Optional<SSLContext> tls) {
    this(streams, self, tracesSourceTopic, edgesSourceTopic, partitions, clock, tls, Optional.empty(),
        DEFAULT_FORWARD_THREADS, 1000);
  }

  /**
   * @param peerToken the bearer token presented to other instances' admin ports, when they ask for one
   * @param forwardThreads calls to other instances at once (and as many waiting), on a pool of their own
   * @param maxServices most names one {@code /api/services} answer holds (the first in order; {@code total}
   *     says how many there are)
   */
  public QueryApi(KafkaStreams streams, HostInfo self, String tracesSourceTopic, String edgesSourceTopic,
      int partitions, Clock clock, Optional<SSLContext> tls, Optional<String> peerToken, int forwardThreads,
      int maxServices) {
    this.peers = new PeerCalls(forwardThreads, tls, peerToken, FORWARD_TIMEOUT);
    this.maxServices = maxServices;
    this.streams = streams;
    this.stores = new QueryStores(streams);
    this.self = self;
    this.tracesSourceTopic = tracesSourceTopic;
    this.edgesSourceTopic = edgesSourceTopic;
    this.partitions = partitions;
    this.clock = clock;
    this.exemplars = new ExemplarQuery(streams, stores, self, peers, clock, partitions);
  }

  @Override
  public void close() {
    peers.close();
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      if (!"GET".equals(exchange.getRequestMethod())) {
        exchange.getResponseHeaders().set("Allow", "GET");
        error(exchange, 405, "only GET is served here");
        return;
      }
      String path = exchange.getRequestURI().getPath();
      Map<String, String> params = params(exchange.getRequestURI().getRawQuery());
      try {
        if (path.equals("/api/services")) {
          services(exchange, params);
        } else if (path.equals("/api/dependencies")) {
          dependencies(exchange, params);
        } else if (path.equals("/api/traces")) {
          searchTraces(exchange, params);
        } else if (path.startsWith("/api/traces/")) {
          trace(exchange, path.substring("/api/traces/".length()), params);
        } else if (path.equals("/api/exemplars")) {
          List<JsonNode> found = exemplars.answer(params);
          ok(exchange, found, found.size());
        } else {
          error(exchange, 404, "no such endpoint: " + path
              + " (there are /api/services, /api/dependencies, /api/traces/{id}, /api/traces?service=,"
              + " /api/exemplars)");
        }
      } catch (BadRequest e) {
        error(exchange, 400, e.getMessage());
      } catch (Unavailable e) {
        error(exchange, 503, e.getMessage());
      } catch (InvalidStateStoreException e) {
        error(exchange, 503, "a partition is moving between instances or restoring its state; retry: "
            + e.getMessage());
      }
    }
  }

  private void services(HttpExchange exchange, Map<String, String> params) throws IOException {
    SortedSet<String> services = new TreeSet<>();
    for (JsonNode answer : fanOut(QueryStores.SERVICES, tracesSourceTopic, params,
        p -> JSON.valueToTree(stores.services(p)), "/api/services?")) {
      answer.forEach(name -> services.add(name.asText()));
    }
    ok(exchange, first(services, maxServices), services.size());
  }

  private void dependencies(HttpExchange exchange, Map<String, String> params) throws IOException {
    long endTs = number(params, "endTs", clock.millis());
    long lookback = number(params, "lookback", DEFAULT_LOOKBACK.toMillis());
    long from = Math.max(0, endTs - lookback);
    Map<DependencyLink.Pair, Long> calls = new TreeMap<>();
    for (JsonNode answer : fanOut(QueryStores.DEPENDENCY_LINKS, edgesSourceTopic, params,
        p -> JSON.valueToTree(links(stores.dependencies(p, from, endTs))),
        "/api/dependencies?endTs=" + endTs + "&lookback=" + lookback + "&")) {
      for (JsonNode link : answer) {
        calls.merge(new DependencyLink.Pair(link.path("parent").asText(), link.path("child").asText()),
            link.path("callCount").asLong(), Long::sum);
      }
    }
    List<DependencyLink> links = links(calls);
    ok(exchange, links, links.size());
  }

  private static List<DependencyLink> links(Map<DependencyLink.Pair, Long> calls) {
    List<DependencyLink> links = new ArrayList<>(calls.size());
    calls.forEach((pair, n) -> links.add(new DependencyLink(pair.parent(), pair.child(), n)));
    return links;
  }

  private void trace(HttpExchange exchange, String rawId, Map<String, String> params) throws IOException {
    String traceId = rawId.toLowerCase(Locale.ROOT);
    try {
      if (TraceIds.fromHex(traceId).length != TraceIds.TRACE_ID_BYTES) {
        throw new BadRequest("a trace id is " + 2 * TraceIds.TRACE_ID_BYTES + " hex digits, got " + traceId.length());
      }
    } catch (IllegalArgumentException e) {
      throw new BadRequest("not a trace id: " + e.getMessage());
    }
    JsonNode summary;
    if (params.containsKey("partition")) {
      summary = stores.trace(traceId, partition(params.get("partition"))).<JsonNode>map(JSON::valueToTree).orElse(null);
    } else {
      KeyQueryMetadata owner = streams.queryMetadataForKey(QueryStores.TRACE_SUMMARIES, traceId,
          Serdes.String().serializer());
      if (owner == null || owner.equals(KeyQueryMetadata.NOT_AVAILABLE)) {
        throw new Unavailable("no instance owns the partition of trace " + traceId + " right now (rebalancing); retry");
      }
      if (owner.activeHost().equals(self)) {
        Optional<TraceSummary> local = stores.trace(traceId, owner.partition());
        summary = local.<JsonNode>map(JSON::valueToTree).orElse(null);
      } else {
        JsonNode answer = peers.await(owner.activeHost(), peers.call(owner.activeHost(),
            "/api/traces/" + traceId + "?partition=" + owner.partition(), true));
        summary = answer == null || answer.isEmpty() ? null : answer.get(0);
      }
    }
    if (summary == null) {
      error(exchange, 404, "trace not found: " + traceId
          + " (not completed yet, or older than topology.query.traces.retention)");
      return;
    }
    ok(exchange, List.of(summary), 1);
  }

  /**
   * A trace search ({@link TraceQuery}, {@link TraceSearch}); another instance asking for its partitions
   * gets their merged part, with the range made absolute by the instance first asked.
   */
  private void searchTraces(HttpExchange exchange, Map<String, String> params) throws IOException {
    TraceQuery query = TraceQuery.parse(params, clock);
    JsonNode found = TraceSearch.merge(fanOut(QueryStores.TRACE_SUMMARIES, tracesSourceTopic, params,
        p -> TraceSearch.partition(stores.traceSummaries(p), p, query, TraceSearch.MAX_EXAMINED_PER_PARTITION),
        "/api/traces?" + query.parameters() + "&"), query.limit());
    if (params.containsKey("partitions")) {
      ok(exchange, found, 0);
    } else {
      send(exchange, 200, TraceSearch.answer(found, query.limit()));
    }
  }

  /**
   * This instance's answer for the partitions asked ({@code ?partitions=}), or, when none are named,
   * every owner's answer for the partitions it owns, this instance's included.
   */
  private List<JsonNode> fanOut(String store, String topic, Map<String, String> params, IntFunction<JsonNode> local,
      String pathAndQuery) {
    List<JsonNode> answers = new ArrayList<>();
    if (params.containsKey("partitions")) {
      for (int p : partitionList(params.get("partitions"), partitions)) {
        answers.add(local.apply(p));
      }
      return answers;
    }
    Map<HostInfo, List<Integer>> owners = owners(store, topic);
    Map<HostInfo, CompletableFuture<JsonNode>> forwarded = new LinkedHashMap<>();
    try {
      for (Map.Entry<HostInfo, List<Integer>> owner : owners.entrySet()) {
        if (!owner.getKey().equals(self)) { // the other owners are asked first, and answer meanwhile
          String list = owner.getValue().stream().map(String::valueOf).collect(Collectors.joining(","));
          forwarded.put(owner.getKey(), peers.call(owner.getKey(), pathAndQuery + "partitions=" + list, false));
        }
      }
      for (Map.Entry<HostInfo, List<Integer>> owner : owners.entrySet()) {
        if (owner.getKey().equals(self)) {
          owner.getValue().forEach(p -> answers.add(local.apply(p)));
        }
      }
      forwarded.forEach((host, call) -> answers.add(peers.await(host, call)));
    } finally {
      forwarded.values().forEach(call -> call.cancel(true)); // no-op for those answered
    }
    return answers;
  }

  /** Each partition of {@code topic} with its active owner; every partition must have one. */
  private Map<HostInfo, List<Integer>> owners(String store, String topic) {
    Map<Integer, HostInfo> byPartition = new TreeMap<>();
    for (StreamsMetadata client : streams.streamsMetadataForStore(store)) {
      for (TopicPartition tp : client.topicPartitions()) {
        if (tp.topic().equals(topic)) {
          byPartition.putIfAbsent(tp.partition(), client.hostInfo());
        }
      }
    }
    List<Integer> orphans = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      if (!byPartition.containsKey(p)) {
        orphans.add(p);
      }
    }
    if (!orphans.isEmpty()) {
      throw new Unavailable("partitions " + orphans + " of " + topic
          + " have no active owner right now (rebalancing); retry");
    }
    Map<HostInfo, List<Integer>> owners = new LinkedHashMap<>();
    byPartition.forEach((p, host) -> owners.computeIfAbsent(host, h -> new ArrayList<>()).add(p));
    return owners;
  }

  static long number(Map<String, String> params, String name, long defaultValue) {
    String value = params.get(name);
    if (value == null || value.isEmpty()) {
      return defaultValue;
    }
    try {
      long n = Long.parseLong(value);
      if (n < 0) {
        throw new BadRequest(name + " must not be negative, got " + value);
      }
      return n;
    } catch (NumberFormatException e) {
      throw new BadRequest(name + " must be milliseconds (an integer), got '" + value + "'");
    }
  }

  private int partition(String value) {
    return partition(value, partitions);
  }

  static int partition(String value, int partitions) {
    try {
      int p = Integer.parseInt(value.trim());
      if (p >= 0 && p < partitions) {
        return p;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw new BadRequest("not a partition: '" + value + "' (partitions are 0.." + (partitions - 1) + ")");
  }

  /**
   * The distinct partitions of a {@code ?partitions=} list. Each one costs a store read (a 24 h range for
   * dependencies), so a list longer than the partition count is refused before any is parsed, and a
   * partition named twice is read once.
   */
  static SortedSet<Integer> partitionList(String raw, int partitions) {
    String[] entries = raw.split(",", partitions + 1);
    if (entries.length > partitions) {
      throw new BadRequest("partitions: at most " + partitions + " entries (the partition count), got more");
    }
    SortedSet<Integer> distinct = new TreeSet<>();
    for (String entry : entries) {
      distinct.add(partition(entry, partitions));
    }
    return distinct;
  }

  private static Map<String, String> params(String rawQuery) {
    Map<String, String> params = new HashMap<>();
    if (rawQuery == null) {
      return params;
    }
    for (String pair : rawQuery.split("&")) {
      int eq = pair.indexOf('=');
      String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      params.putIfAbsent(name, value);
    }
    return params;
  }

  /** The first {@code max} names, in order. */
  static List<String> first(SortedSet<String> names, int max) {
    return names.stream().limit(max).toList();
  }

  private static void ok(HttpExchange exchange, Object data, int total) throws IOException {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("data", data);
    body.put("total", total);
    body.put("limit", 0);
    body.put("offset", 0);
    body.put("errors", null);
    send(exchange, 200, body);
  }

  private static void error(HttpExchange exchange, int status, String message) throws IOException {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("data", null);
    body.put("total", 0);
    body.put("limit", 0);
    body.put("offset", 0);
    body.put("errors", List.of(Map.of("code", status, "msg", message)));
    send(exchange, status, body);
  }

  private static void send(HttpExchange exchange, int status, Object body) throws IOException {
    byte[] bytes = JSON.writeValueAsBytes(body);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  /** A request this API cannot take: 400 with the reason. */
  static final class BadRequest extends RuntimeException {
    BadRequest(String message) {
      super(message);
    }
  }

  /** An answer that would be incomplete right now: 503 with the reason. */
  static final class Unavailable extends RuntimeException {
    Unavailable(String message) {
      super(message);
    }
  }
}
