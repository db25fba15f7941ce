package io.tracestream.topology.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tracestream.topology.Dimensions;
import io.tracestream.topology.model.Exemplar;
import io.tracestream.topology.model.LatencyBuckets;
import io.tracestream.topology.model.SeriesExemplars;
import io.tracestream.topology.model.SeriesKey;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.state.HostInfo;

/**
 * {@code GET /api/exemplars?service=&operation=&start=&end=}: the exemplars of a service's closed span windows
 * starting in [start, end] (epoch milliseconds; defaults: the hour before now), of one operation when it is
 * named. The window task of a service holds all its series, so the answer is read on the owner of the
 * service's partition, like a trace. Newest window first, then in series and bucket order; each exemplar with
 * its series' labels as on {@code traces_span_metrics_duration_milliseconds}, its bucket's {@code le} there,
 * its duration in seconds, trace id and end.
 */
final class ExemplarQuery {
  static final Duration DEFAULT_LOOKBACK = Duration.ofHours(1);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Comparator<SeriesExemplars> ORDER =
      Comparator.comparingLong(SeriesExemplars::windowStart).reversed()
          .thenComparing(e -> e.series().operation())
          .thenComparing(e -> e.series().kind())
          .thenComparing(e -> e.series().status())
          .thenComparing(e -> e.series().dimensions().toString());

  private final KafkaStreams streams;
  private final QueryStores stores;
  private final HostInfo self;
  private final PeerCalls peers;
  private final Clock clock;
  private final int partitions;

  ExemplarQuery(KafkaStreams streams, QueryStores stores, HostInfo self, PeerCalls peers, Clock clock,
      int partitions) {
    this.streams = streams;
    this.stores = stores;
    this.self = self;
    this.peers = peers;
    this.clock = clock;
    this.partitions = partitions;
  }

  /** The exemplars asked for, as JSON objects; on a forwarded call ({@code ?partition=}) those of that partition. */
  List<JsonNode> answer(Map<String, String> params) {
    String service = params.get("service");
    if (service == null || service.isEmpty()) {
      throw new QueryApi.BadRequest("service is required: /api/exemplars?service=<name>[&operation=&start=&end=]");
    }
    long end = QueryApi.number(params, "end", clock.millis());
    long start = QueryApi.number(params, "start", Math.max(0, end - DEFAULT_LOOKBACK.toMillis()));
    if (start > end) {
      throw new QueryApi.BadRequest("start " + start + " is after end " + end);
    }
    String operation = params.get("operation");
    if (params.containsKey("partition")) {
      return local(service, operation, QueryApi.partition(params.get("partition"), partitions), start, end);
    }
    KeyQueryMetadata owner = streams.queryMetadataForKey(QueryStores.SPAN_EXEMPLARS, service,
        Serdes.String().serializer());
    if (owner == null || owner.equals(KeyQueryMetadata.NOT_AVAILABLE)) {
      throw new QueryApi.Unavailable("no instance owns the partition of service " + service
          + " right now (rebalancing); retry");
    }
    if (owner.activeHost().equals(self)) {
      return local(service, operation, owner.partition(), start, end);
    }
    String query = "/api/exemplars?service=" + URLEncoder.encode(service, StandardCharsets.UTF_8)
        + (operation == null ? "" : "&operation=" + URLEncoder.encode(operation, StandardCharsets.UTF_8))
        + "&start=" + start + "&end=" + end + "&partition=" + owner.partition();
    JsonNode answer = peers.await(owner.activeHost(), peers.call(owner.activeHost(), query, false));
    List<JsonNode> exemplars = new ArrayList<>();
    answer.forEach(exemplars::add);
    return exemplars;
  }

  private List<JsonNode> local(String service, String operation, int partition, long start, long end) {
    List<SeriesExemplars> windows = new ArrayList<>(stores.exemplars(service, partition, start, end));
    windows.removeIf(w -> operation != null && !operation.equals(w.series().operation()));
    windows.sort(ORDER);
    List<JsonNode> answer = new ArrayList<>();
    for (SeriesExemplars w : windows) {
      for (Exemplar e : w.exemplars()) {
        answer.add(json(w, e));
      }
    }
    return answer;
  }

  private static JsonNode json(SeriesExemplars window, Exemplar e) {
    SeriesKey k = window.series();
    ObjectNode node = JSON.createObjectNode();
    ObjectNode labels = node.putObject("labels");
    labels.put("service_name", k.service()).put("span_name", k.operation()).put("span_kind", k.kind())
        .put("status_code", k.status());
    k.dimensions().forEach((name, value) -> labels.put(Dimensions.labelName(name), value));
    node.put("windowStart", window.windowStart()).put("windowEnd", window.windowEnd());
    node.put("le", e.bucket() < LatencyBuckets.BOUNDS_MS.size()
        ? le(LatencyBuckets.BOUNDS_MS.get(e.bucket())) : "+Inf");
    node.put("seconds", e.seconds()).put("traceId", e.traceId()).put("timestampMs", e.timestampMs())
        .put("error", e.error());
    return node;
  }

  /** A bound as the {@code le} label writes it: an integral value without a fraction. */
  private static String le(double boundMs) {
    return boundMs == Math.rint(boundMs) ? Long.toString((long) boundMs) : Double.toString(boundMs);
  }
}
