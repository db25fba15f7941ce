package io.tracestream.topology;

import io.tracestream.config.ConfigException;
import io.tracestream.config.ConfigKey;
import io.tracestream.config.Settings;
import io.tracestream.tls.Pem;
import io.tracestream.http.BearerAuth;
import io.tracestream.http.HttpLimits;
import io.tracestream.topology.traces.PeerAttributes;
import io.tracestream.topology.traces.TraceSpan;
import io.tracestream.tls.TlsConfig;
import java.security.cert.X509Certificate;
import java.util.Optional;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** The topology's settings, validated at start; documented in stream-topology/README.md. */
public record TopologyConfig(
    Map<String, Object> kafka,
    String spansTopic,
    String spanMetricsTopic,
    String dlqTopic,
    String tracesTopic,
    String traceMetricsTopic,
    String edgesTopic,
    String applicationId,
    Duration window,
    Duration grace,
    Duration maxFutureSkew,
    Duration idleClose,
    Duration preaggregateInterval,
    int maxOperationsPerService,
    int maxServices,
    Duration traceIdle,
    Duration traceMaxAge,
    int traceMaxSpans,
    Duration traceRejoin,
    long traceMaxHeldBytes,
    String bind,
    int adminPort,
    String advertisedHost,
    Duration queryRetention,
    Duration queryTracesRetention,
    Path stateDir,
    int streamThreads,
    Duration staleAfter,
    Duration expireAfter,
    Optional<TlsConfig> adminTls,
    /** CAs trusted when forwarding queries to other instances over https; empty without admin TLS */
    List<X509Certificate> peerCa,
    HttpLimits adminLimits,
    Optional<BearerAuth> adminAuth,
    /** the first admin token, presented when forwarding queries to other instances; never logged */
    Optional<String> peerToken,
    int forwardThreads,
    /** which attributes name the peer of a client span no server answered, first present wins */
    PeerAttributes peerAttributes,
    /** span attributes (else resource attributes) that split span metrics series, with defaults */
    Dimensions dimensions,
    /** attributes of a trace's root span (else of its first span having one) that split whole-trace series */
    Dimensions traceDimensions,
    /** distinct values per dimension and service (root service) in a window task; more are __overflow__ */
    int maxDimensionValues) {

  public static final List<ConfigKey> KEYS = java.util.stream.Stream.of(List.of(
      new ConfigKey("kafka.bootstrap.servers", "127.0.0.1:9092", "Kafka brokers; every kafka.* key goes to Kafka Streams and its clients as is"),
      new ConfigKey("topic.spans", "otlp_spans", "input: OTLP spans, keyed by trace id or with a null key"),
      new ConfigKey("topic.span-metrics", "tracestream.span-metrics", "output: one final result per series and closed window"),
      new ConfigKey("topic.dlq", "tracestream.dlq", "undecodable input records, with headers naming the error"),
      new ConfigKey("topic.traces", "tracestream.traces", "output: one summary per completed trace, keyed by trace id"),
      new ConfigKey("topic.trace-metrics", "tracestream.trace-metrics", "output: one final result per (root service, root operation) and closed window"),
      new ConfigKey("topic.edges", "tracestream.edges", "output: one final result per dependency edge (client, server, connection type) and closed window"),
      new ConfigKey("topology.trace.idle", "10s", "a trace is complete when no span of it arrived for this long,"
          + " in event time (the task's latest span end) and in wall-clock time"),
      new ConfigKey("topology.trace.max.age", "5m", "a trace is complete at the latest this long (event time) after its first span"),
      new ConfigKey("topology.trace.max.spans", "10000", "spans kept per trace; more are dropped and counted"),
      new ConfigKey("topology.trace.rejoin", "15s", "a completed trace's spans are kept this long (wall clock): a"
          + " span of it arriving then is joined to it and the edges it adds are counted; 0s: such spans are late"
          + " trace spans. Trace and edge windows wait for it: keep topology.trace.idle + this below"
          + " topology.grace, or results come later than window end + grace"),
      new ConfigKey("topology.trace.max.held.bytes", "256MiB", "heap the traces held by trace assembly (open, or"
          + " kept for rejoining) may take in one topology instance, counted as their stored spans + 512 bytes per"
          + " trace; past it, the task adding spans forgets its kept traces and then completes its oldest open"
          + " traces early, counted in tracestream_traces_evicted_total"),
      new ConfigKey("topology.peer.attributes", String.join(",", PeerAttributes.DEFAULT_ORDER), "attributes"
          + " naming the peer (virtual node or database) of a client span no server answered, comma-separated, first"
          + " present wins; url.full and http.url give their host; only these attribute names can be listed"),
      new ConfigKey("topology.dimensions", "none", "span metrics series are split by these attributes, as the"
          + " spanmetrics connector's dimensions: comma-separated attribute names, each with an optional default"
          + " (name:default); a span's value is its span attribute, else its resource attribute, else the default;"
          + " without any, the dimension is left out of its series; labels are the names with . as _"),
      new ConfigKey("topology.trace.dimensions", "none", "whole-trace series are split by these attributes,"
          + " written as topology.dimensions: the value of the trace's root span (span, else resource attribute),"
          + " else of the first span of the trace that has one (in start order), else the default"),
      new ConfigKey("topology.dimensions.max.values", "100", "distinct values of each dimension per service (root"
          + " service for trace dimensions) in a window task; more are folded into \"__overflow__\" and counted in"
          + " tracestream_dimension_overflow_total; forgotten with the service (topology.metrics.expire.after)"),
      new ConfigKey("topology.application.id", "tracestream", "Kafka Streams application id; instances with the same id share the work"),
      new ConfigKey("topology.window", "1m", "tumbling window size"),
      new ConfigKey("topology.grace", "30s", "how long after a window's end late spans are still taken in"),
      new ConfigKey("topology.max.future.skew", "1m", "a span ending later than wall-clock time plus this is taken as ending then"),
      new ConfigKey("topology.idle.close", "1m", "after this much wall-clock time without spans, event time advances with the wall clock so the last windows close"),
      new ConfigKey("topology.preaggregate.interval", "1s, or a quarter of topology.window if that is shorter",
          "span samples (in the input tasks) and trace summaries and edges (in the trace assembly tasks) are "
          + "summed per series and window for this long (wall clock) before they go to the window tasks: one "
          + "record per series instead of one per span, trace or edge; adds at most this to a result's delay; 0s "
          + "sends each on alone"),
      new ConfigKey("topology.max.operations.per.service", "1000", "distinct span names per service; more are folded into span_name=\"__overflow__\""),
      new ConfigKey("topology.max.services", "1000", "distinct service names per window task (span, trace"
          + " and edge windows each; the topology holds at most partitions x this); more are folded into"
          + " service_name=\"__overflow__\" (root_service, client); also caps the services /api/services keeps per"
          + " partition and returns, and the service label values of each per-service meter"),
      new ConfigKey("topology.bind", "127.0.0.1", "address the admin port binds to"),
      new ConfigKey("topology.admin.port", "9465", "/metrics, /health/live, /health/ready and the query API /api/..."),
      new ConfigKey("topology.advertised.host", "the value of topology.bind", "host other instances reach this one's admin port at, to forward queries for partitions it owns; required when topology.bind is a wildcard address"),
      new ConfigKey("topology.query.retention", "24h", "how long /api/dependencies and /api/services can look back"),
      new ConfigKey("topology.query.traces.retention", "1h", "how long /api/traces/{id} finds a completed trace's summary"),
      new ConfigKey("topology.state.dir", "./data/streams", "Kafka Streams state (RocksDB)"),
      new ConfigKey("topology.stream.threads", "1", "Kafka Streams threads in this instance"),
      new ConfigKey("topology.metrics.stale.after", "5m", "a series' latency quantiles are no longer exported when its last window is this much older than the newest"),
      new ConfigKey("topology.metrics.expire.after", "1h, or topology.metrics.stale.after if longer",
          "a service, and its series, not seen for this long is forgotten: window tasks free its slot under"
          + " topology.max.services (event time), the exporters drop"
          + " its counters and histograms (event time), and per-service meters are removed (wall clock); at"
          + " least topology.metrics.stale.after"),
      new ConfigKey("topology.admin.tls.peer.ca", "topology.admin.tls.client.ca, else topology.admin.tls.cert", "PEM CA certificates trusted when a query is forwarded to another instance's https admin port; the instance presents its own topology.admin.tls.cert to it")),
      List.of(new ConfigKey("topology.query.forward.threads", "8", "queries forwarded to other instances at"
          + " once, on a pool of their own; as many more wait, and past that a query is answered 503")),
      TlsConfig.keys("topology.admin", "the admin and query API port"),
      HttpLimits.keys("topology.admin", "the admin and query API port"),
      BearerAuth.keys("topology.admin", "clients of the admin port and query API (except /health/live), and"
          + " the other instances, which present the first of these tokens when they forward a query"))
      .flatMap(List::stream).toList();

  public static TopologyConfig from(Settings settings) {
    settings.requireKnown("topology.", KEYS);
    Duration window = settings.duration("topology.window", Duration.ofMinutes(1));
    Duration grace = settings.duration("topology.grace", Duration.ofSeconds(30));
    if (window.toMillis() < 1000) {
      throw new ConfigException("topology.window", "must be at least 1s, got " + window.toMillis() + " ms");
    }
    Duration preaggregate = durationOrZero(settings, "topology.preaggregate.interval",
        min(Duration.ofSeconds(1), window.dividedBy(4)));
    if (preaggregate.compareTo(window) >= 0) {
      throw new ConfigException("topology.preaggregate.interval", "must be shorter than topology.window (" + window
          + "), got " + preaggregate);
    }
    Duration traceIdle = settings.duration("topology.trace.idle", Duration.ofSeconds(10));
    Duration traceMaxAge = settings.duration("topology.trace.max.age", Duration.ofMinutes(5));
    if (traceIdle.compareTo(traceMaxAge) >= 0) {
      throw new ConfigException("topology.trace.idle", "must be shorter than topology.trace.max.age (" + traceMaxAge
          + "), got " + traceIdle);
    }
    Duration traceRejoin = durationOrZero(settings, "topology.trace.rejoin", Duration.ofSeconds(15));
    if (traceRejoin.compareTo(traceMaxAge) > 0) {
      throw new ConfigException("topology.trace.rejoin", "must be at most topology.trace.max.age (" + traceMaxAge
          + "), for which a completed trace is remembered; got " + traceRejoin);
    }
    Duration queryRetention = settings.duration("topology.query.retention", Duration.ofHours(24));
    if (queryRetention.compareTo(window) < 0) {
      throw new ConfigException("topology.query.retention", "must be at least topology.window (" + window + "), got "
          + queryRetention);
    }
    Duration tracesRetention = settings.duration("topology.query.traces.retention", Duration.ofHours(1));
    if (tracesRetention.toMillis() < 1000) {
      throw new ConfigException("topology.query.traces.retention", "must be at least 1s, got " + tracesRetention);
    }
    Duration staleAfter = settings.duration("topology.metrics.stale.after", Duration.ofMinutes(5));
    Duration expireAfter = settings.duration("topology.metrics.expire.after",
        staleAfter.compareTo(Duration.ofHours(1)) > 0 ? staleAfter : Duration.ofHours(1));
    if (expireAfter.compareTo(staleAfter) < 0) {
      throw new ConfigException("topology.metrics.expire.after", "must be at least topology.metrics.stale.after ("
          + staleAfter + "), got " + expireAfter);
    }
    String bind = settings.string("topology.bind", "127.0.0.1");
    String advertised = settings.string("topology.advertised.host", bind);
    if (advertised.equals("0.0.0.0") || advertised.equals("::") || advertised.isBlank()) {
      throw new ConfigException("topology.advertised.host", "must name this host as other instances reach it"
          + " (topology.bind is the wildcard " + bind + ")");
    }
    Optional<TlsConfig> adminTls = TlsConfig.from(settings, "topology.admin");
    if (adminTls.isEmpty() && settings.optional("topology.admin.tls.peer.ca").isPresent()) {
      throw new ConfigException("topology.admin.tls.peer.ca", "needs topology.admin.tls.cert and topology.admin.tls.key");
    }
    return new TopologyConfig(
        settings.kafkaClientProperties(),
        settings.string("topic.spans", "otlp_spans"),
        settings.string("topic.span-metrics", "tracestream.span-metrics"),
        settings.string("topic.dlq", "tracestream.dlq"),
        settings.string("topic.traces", "tracestream.traces"),
        settings.string("topic.trace-metrics", "tracestream.trace-metrics"),
        settings.string("topic.edges", "tracestream.edges"),
        settings.string("topology.application.id", "tracestream"),
        window,
        grace,
        settings.duration("topology.max.future.skew", Duration.ofMinutes(1)),
        settings.duration("topology.idle.close", Duration.ofMinutes(1)),
        preaggregate,
        settings.integer("topology.max.operations.per.service", 1000, 1, 1_000_000),
        settings.integer("topology.max.services", 1000, 1, 1_000_000),
        traceIdle,
        traceMaxAge,
        settings.integer("topology.trace.max.spans", 10_000, 1, 1_000_000),
        traceRejoin,
        settings.bytes("topology.trace.max.held.bytes", 256L << 20, 1L << 20, 1L << 40),
        bind,
        settings.port("topology.admin.port", 9465),
        advertised,
        queryRetention,
        tracesRetention,
        Path.of(settings.string("topology.state.dir", "./data/streams")),
        settings.integer("topology.stream.threads", 1, 1, 64),
        staleAfter,
        expireAfter,
        adminTls,
        adminTls.map(tls -> settings.optional("topology.admin.tls.peer.ca")
            .map(ca -> Pem.certificates("topology.admin.tls.peer.ca", Path.of(ca)))
            .orElse(tls.clientCa().orElse(tls.chain())))
            .orElse(List.of()),
        HttpLimits.from(settings, "topology.admin"),
        BearerAuth.from(settings, "topology.admin"),
        BearerAuth.tokens(settings, "topology.admin").stream().findFirst(),
        settings.integer("topology.query.forward.threads", 8, 1, 256),
        peerAttributes(settings),
        dimensions(settings, "topology.dimensions"),
        traceDimensions(settings),
        settings.integer("topology.dimensions.max.values", 100, 1, 100_000));
  }

  private static Dimensions dimensions(Settings settings, String key) {
    return settings.optional(key).map(value -> Dimensions.parse(key, value)).orElse(Dimensions.NONE);
  }

  /** Trace assembly keeps the peer attributes with their own rules, so they cannot be trace dimensions. */
  private static Dimensions traceDimensions(Settings settings) {
    Dimensions dimensions = dimensions(settings, "topology.trace.dimensions");
    for (String name : dimensions.names()) {
      if (TraceSpan.ATTRIBUTE_KEYS.contains(name)) {
        throw new ConfigException("topology.trace.dimensions", name + " is an attribute trace assembly keeps to"
            + " name peers (topology.peer.attributes); it cannot be a trace dimension");
      }
    }
    return dimensions;
  }

  private static PeerAttributes peerAttributes(Settings settings) {
    Optional<String> value = settings.optional("topology.peer.attributes");
    try {
      return value.map(PeerAttributes::parse).orElse(PeerAttributes.DEFAULT);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("topology.peer.attributes", e.getMessage());
    }
  }

  /** A duration that may also be zero ({@code 0s}, which turns the feature off). */
  private static Duration durationOrZero(Settings settings, String key, Duration defaultValue) {
    boolean zero = settings.optional(key).filter(v -> v.matches("0+(ms|s|m|h)?")).isPresent();
    return zero ? Duration.ZERO : settings.duration(key, defaultValue);
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
