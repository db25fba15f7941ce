package io.tracestream.topology.traces;

import static io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_CLIENT_VALUE;
import static io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_CONSUMER_VALUE;
import static io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_PRODUCER_VALUE;
import static io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_SERVER_VALUE;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns one completed trace into its dependency edges (see {@code package-info.java} for the rules as
 * an operator reads them). Modelled on {@code zipkin2.internal.DependencyLinker} and the OTel
 * Collector's servicegraph connector, but on a whole trace at once, so pairing needs no store or TTL.
 *
 * <p>Two passes: servers and consumers look up their caller (marking it paired), then the clients and
 * producers nobody paired become virtual nodes or are counted. Every span that is skipped is counted
 * under an {@link UnpairedReason}; the linker never throws on bad spans.
 */
public final class DependencyLinker {

  /** The edges of one trace and the spans that could not be paired, by reason (zero counts left out). */
  public record Result(List<Edge> edges, Map<UnpairedReason, Integer> unpaired) {
    public Result {
      edges = List.copyOf(edges);
      Map<UnpairedReason, Integer> copy = new EnumMap<>(UnpairedReason.class);
      unpaired.forEach((reason, n) -> {
        if (n != 0) {
          copy.put(reason, n);
        }
      });
      unpaired = Collections.unmodifiableMap(copy);
    }

    public int unpaired(UnpairedReason reason) {
      return unpaired.getOrDefault(reason, 0);
    }
  }

  private DependencyLinker() {}

  /** All {@code spans} must belong to one trace; spans are looked up by span id. */
  public static Result link(List<TraceSpan> spans) {
    return new Run(spans).link();
  }

  private static final class Run {
    private final Map<String, TraceSpan> byId = new HashMap<>();
    private final List<TraceSpan> spans = new ArrayList<>();
    private final Set<String> pairedCallers = new HashSet<>();
    private final List<Edge> edges = new ArrayList<>();
    private final Map<UnpairedReason, Integer> unpaired = new EnumMap<>(UnpairedReason.class);

    Run(List<TraceSpan> input) {
      for (TraceSpan span : input) {
        if (byId.putIfAbsent(span.spanId(), span) != null) {
          count(UnpairedReason.DUPLICATE_SPAN_ID); // OTLP never shares span ids (unlike Zipkin's shared spans)
          continue;
        }
        spans.add(span);
      }
    }

    Result link() {
      for (TraceSpan span : spans) {
        if (span.kind() == SPAN_KIND_SERVER_VALUE) {
          linkServer(span);
        } else if (span.kind() == SPAN_KIND_CONSUMER_VALUE) {
          linkConsumer(span);
        }
      }
      for (TraceSpan span : spans) {
        if (pairedCallers.contains(span.spanId())) {
          continue; // the instrumented server or consumer named the edge
        }
        if (span.kind() == SPAN_KIND_CLIENT_VALUE) {
          linkUnansweredClient(span);
        } else if (span.kind() == SPAN_KIND_PRODUCER_VALUE) {
          // Its consumer may be in another trace (a batch consumer linking back): that trace cannot
          // see this span, and a virtual node for the topic would add a phantom next to the real one.
          count(UnpairedReason.PRODUCER_WITHOUT_CONSUMER);
        }
      }
      return new Result(edges, unpaired);
    }

    private void linkServer(TraceSpan server) {
      if (server.isRoot()) {
        // Nobody instrumented the caller (a browser, curl, a load balancer): the connector's "user".
        edges.add(new Edge(Edge.USER, server.service(), Edge.VIRTUAL_NODE, server.error(),
            Edge.MISSING_LATENCY, server.durationNanos()));
        return;
      }
      Ancestor ancestor = remoteAncestor(server);
      if (ancestor.broken != null) {
        count(ancestor.broken);
        return;
      }
      if (ancestor.span == null || ancestor.span.kind() != SPAN_KIND_CLIENT_VALUE) {
        // Zipkin would link the ancestor's service here; we do not invent an edge whose client side
        // (latency, error) no span recorded.
        count(UnpairedReason.SERVER_WITHOUT_CLIENT);
        return;
      }
      TraceSpan client = ancestor.span;
      pairedCallers.add(client.spanId());
      edges.add(new Edge(client.service(), server.service(), Edge.UNSET, client.error() || server.error(),
          client.durationNanos(), server.durationNanos()));
    }

    private void linkConsumer(TraceSpan consumer) {
      Set<TraceSpan> producers = new LinkedHashSet<>();
      Ancestor ancestor = consumer.isRoot() ? Ancestor.NONE : remoteAncestor(consumer);
      if (ancestor.span != null && ancestor.span.kind() == SPAN_KIND_PRODUCER_VALUE) {
        producers.add(ancestor.span);
      }
      for (TraceSpan.LinkRef link : consumer.links()) {
        TraceSpan linked = byId.get(link.spanId());
        if (linked == null || !linked.traceId().equals(link.traceId())) {
          continue; // the producer is in another trace (or not here yet): cross-trace pairs are not seen
        }
        if (linked.kind() != SPAN_KIND_PRODUCER_VALUE) {
          continue; // a link to, say, a server span is causality, not a message
        }
        producers.add(linked); // a set: instrumentation may both parent and link the same producer
      }
      if (producers.isEmpty()) {
        count(!consumer.links().isEmpty() ? UnpairedReason.LINKED_PRODUCER_NOT_IN_TRACE
            : ancestor.broken != null ? ancestor.broken
            : UnpairedReason.CONSUMER_WITHOUT_PRODUCER);
        return;
      }
      for (TraceSpan producer : producers) {
        pairedCallers.add(producer.spanId());
        edges.add(new Edge(producer.service(), consumer.service(), Edge.MESSAGING_SYSTEM,
            producer.error() || consumer.error(), producer.durationNanos(), consumer.durationNanos()));
      }
    }

    /** A client call no instrumented server answered: a virtual node if an attribute names the peer. */
    private void linkUnansweredClient(TraceSpan client) {
      boolean database = client.attribute(TraceSpan.DB_SYSTEM) != null
          || client.attribute(TraceSpan.DB_NAME) != null
          || client.attribute(TraceSpan.DB_NAMESPACE) != null;
      String peer = firstOf(client, TraceSpan.PEER_SERVICE, TraceSpan.DB_NAME, TraceSpan.DB_NAMESPACE,
          database ? TraceSpan.DB_SYSTEM : TraceSpan.SERVER_ADDRESS);
      if (peer == null) {
        count(UnpairedReason.CLIENT_WITHOUT_SERVER);
        return;
      }
      edges.add(database
          ? new Edge(client.service(), peer, Edge.DATABASE, client.error(), client.durationNanos(), client.durationNanos())
          : new Edge(client.service(), peer, Edge.VIRTUAL_NODE, client.error(), client.durationNanos(), Edge.MISSING_LATENCY));
    }

    /** The nearest ancestor that is not a local (INTERNAL or unspecified kind) span. */
    private Ancestor remoteAncestor(TraceSpan span) {
      String parentId = span.parentSpanId();
      for (int steps = 0; !parentId.isEmpty(); steps++) {
        TraceSpan parent = byId.get(parentId);
        if (parent == null) {
          return Ancestor.broken(UnpairedReason.MISSING_PARENT);
        }
        if (parent == span || steps > byId.size()) {
          return Ancestor.broken(UnpairedReason.PARENT_CYCLE);
        }
        if (isRemote(parent.kind())) {
          return new Ancestor(parent, null);
        }
        parentId = parent.parentSpanId();
      }
      return Ancestor.NONE; // only local spans up to the root
    }

    private void count(UnpairedReason reason) {
      unpaired.merge(reason, 1, Integer::sum);
    }
  }

  private record Ancestor(TraceSpan span, UnpairedReason broken) {
    static final Ancestor NONE = new Ancestor(null, null);

    static Ancestor broken(UnpairedReason reason) {
      return new Ancestor(null, reason);
    }
  }

  private static boolean isRemote(int kind) {
    return kind == SPAN_KIND_SERVER_VALUE || kind == SPAN_KIND_CLIENT_VALUE
        || kind == SPAN_KIND_PRODUCER_VALUE || kind == SPAN_KIND_CONSUMER_VALUE;
  }

  private static String firstOf(TraceSpan span, String... keys) {
    for (String key : keys) {
      String value = span.attribute(key);
      if (value != null) {
        return value;
      }
    }
    return null;
  }
}
