package io.tracestream.topology.exporter;

import io.tracestream.topology.model.EdgeKey;
import io.tracestream.topology.model.EdgeWindowResult;
import io.tracestream.topology.model.WindowResult;
import java.io.IOException;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.function.Function;

/**
 * The Prometheus view of committed dependency-edge window results, free of Kafka and thread-safe: the
 * families of the OTel Collector's servicegraph connector, summed over every window applied, with
 * labels {@code client}, {@code server}, {@code connection_type}:
 * {@code traces_service_graph_request_total}, {@code traces_service_graph_request_failed_total}, and
 * the histograms {@code traces_service_graph_request_client_seconds} and
 * {@code traces_service_graph_request_server_seconds} (a side no span measured has no samples: the
 * client side of an edge from {@code user}, the server side of a virtual node). All are counters, so
 * nothing goes stale; an edge unseen for {@code expireAfter} is forgotten ({@link PartitionedSeries}).
 */
final class EdgeMetricsState extends WindowState<EdgeKey, EdgeWindowResult, EdgeMetricsState.Series> {
  static final String REQUESTS = "traces_service_graph_request_total";
  static final String FAILED = "traces_service_graph_request_failed_total";
  static final String CLIENT = "traces_service_graph_request_client_seconds";
  static final String SERVER = "traces_service_graph_request_server_seconds";

  private static final Comparator<EdgeKey> ORDER = Comparator.comparing(EdgeKey::client)
      .thenComparing(EdgeKey::server)
      .thenComparing(EdgeKey::connectionType);

  EdgeMetricsState() {
    this(NEVER);
  }

  /** @param expireAfter an edge with no window for this long (event time) is forgotten */
  EdgeMetricsState(Duration expireAfter) {
    super(Duration.ZERO, expireAfter, ORDER, Series::new);
  }

  @Override
  void write(PrometheusText text, PartitionedSeries.Snapshot<EdgeKey, Series> snapshot) throws IOException {
    Map<EdgeKey, Series> series = snapshot.series();
    text.family(REQUESTS, "counter", "Calls between two services (or a service and a peer), from committed edge window results.");
    for (Map.Entry<EdgeKey, Series> e : series.entrySet()) {
      text.sample(REQUESTS, e.getValue().calls, labels(e.getKey()));
    }
    text.family(FAILED, "counter", "Calls where the client or the server span had status ERROR.");
    for (Map.Entry<EdgeKey, Series> e : series.entrySet()) {
      text.sample(FAILED, e.getValue().errors, labels(e.getKey()));
    }
    writeHistograms(text, CLIENT, "client", s -> s.client, series);
    writeHistograms(text, SERVER, "server", s -> s.server, series);
  }

  private static void writeHistograms(PrometheusText text, String name, String side, Function<Series, Histogram> of,
      Map<EdgeKey, Series> series) throws IOException {
    boolean any = series.values().stream().anyMatch(s -> of.apply(s).count() > 0);
    if (!any) {
      return;
    }
    text.family(name, "histogram", "Duration of the " + side + " spans of calls over an edge, in seconds.");
    for (Map.Entry<EdgeKey, Series> e : series.entrySet()) {
      Histogram h = of.apply(e.getValue());
      if (h.count() > 0) {
        h.write(text, name, 1000, labels(e.getKey()));
      }
    }
  }

  private static String[] labels(EdgeKey key) {
    return new String[] {"client", key.client(), "server", key.server(), "connection_type", key.connectionType()};
  }

  @Override
  String problem(EdgeKey key, EdgeWindowResult result) {
    if (key == null || key.client() == null || key.server() == null || key.connectionType() == null) {
      return "edge key lacks a dimension: " + key;
    }
    if (result == null) {
      return "no window result";
    }
    if (result.calls() <= 0 || result.errors() < 0 || result.errors() > result.calls()) {
      return "calls " + result.calls() + " and errors " + result.errors() + " are not a window's counts";
    }
    for (WindowResult side : new WindowResult[] {result.client(), result.server()}) {
      if (side != null) {
        String problem = side.count() > result.calls()
            ? "a side has " + side.count() + " spans for " + result.calls() + " calls"
            : Histogram.problem(side);
        if (problem != null) {
          return problem;
        }
      }
    }
    return null;
  }

  static final class Series extends PartitionedSeries.Series<EdgeWindowResult, Series> {
    final Histogram client = new Histogram();
    final Histogram server = new Histogram();
    long calls;
    long errors;
    long end = Long.MIN_VALUE;

    @Override
    void add(EdgeWindowResult r) {
      calls += r.calls();
      errors += r.errors();
      end = Math.max(end, r.windowEnd());
      if (r.client() != null) {
        client.add(r.client());
      }
      if (r.server() != null) {
        server.add(r.server());
      }
    }

    @Override
    void merge(Series other) {
      calls += other.calls;
      errors += other.errors;
      end = Math.max(end, other.end);
      client.merge(other.client);
      server.merge(other.server);
    }

    @Override
    long end() {
      return end;
    }
  }
}
