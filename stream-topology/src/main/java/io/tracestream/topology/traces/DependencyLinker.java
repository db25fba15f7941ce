package io.tracestream.topology.traces;

import static io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_CLIENT_VALUE;
import static io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_CONSUMER_VALUE;
import static io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_PRODUCER_VALUE;
import static io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_SERVER_VALUE;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Turns one completed trace into its dependency edges (see {@code package-info.java} for the rules as
 * an operator reads them). Modelled on {@code zipkin2.internal.DependencyLinker} and the OTel
 * Collector's servicegraph connector, but on a whole trace at once, so pairing needs no store or TTL.
 *
 * <p>Three passes: servers and consumers look up their caller (marking it paired); then each span that is
 * in no such pair and whose parent is in another service is linked to that parent (an inferred edge); then
 * the clients and producers nobody paired become virtual nodes or are counted. Every span that is skipped is
 * counted under an {@link UnpairedReason}; the linker never throws on bad spans.
 */
public final class DependencyLinker {
  private static final DependencyLinker DEFAULT = new DependencyLinker(PeerAttributes.DEFAULT);

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

  private final PeerAttributes peerAttributes;

  /** A linker naming virtual nodes by {@code peerAttributes} ({@code topology.peer.attributes}). */
  public DependencyLinker(PeerAttributes peerAttributes) {
    this.peerAttributes = Objects.requireNonNull(peerAttributes, "peerAttributes");
  }

  /** {@link #link(List)} of a linker with {@link PeerAttributes#DEFAULT}. */
  public static Result link(List<TraceSpan> spans) {
    return DEFAULT.linkTrace(spans);
  }

  /** All {@code spans} must belong to one trace; spans are looked up by span id. */
  public Result linkTrace(List<TraceSpan> spans) {
    return new Run(spans, peerAttributes).link();
  }

  private static final class Run {
    private final PeerAttributes peerAttributes;
    private final Map<String, TraceSpan> byId = new HashMap<>();
    private final List<TraceSpan> spans = new ArrayList<>();
    private final Set<String> pairedCallers = new HashSet<>();
    /** Servers and consumers in an explicit pair, and the local spans between them and their caller. */
    private final Set<String> paired = new HashSet<>();
    /** Caller span id + "/" + callee service: a caller's edge to a service, explicit or inferred, counts once. */
    private final Set<String> calls = new HashSet<>();
    /** Servers and consumers in no explicit pair: why, and the local spans up to their nearest remote ancestor. */
    private final Map<TraceSpan, Pending> pending = new LinkedHashMap<>();
    private final Set<String> inferredChildren = new HashSet<>();
    private final List<Edge> edges = new ArrayList<>();
    private final Map<UnpairedReason, Integer> unpaired = new EnumMap<>(UnpairedReason.class);

    Run(List<TraceSpan> input, PeerAttributes peerAttributes) {
      this.peerAttributes = peerAttributes;
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
      List<TraceSpan> inStartOrder = new ArrayList<>(spans);
      inStartOrder.sort(START_ORDER); // which of several children of one caller pairs must not depend on arrival
      for (TraceSpan span : inStartOrder) {
        if (!paired.contains(span.spanId())) {
          infer(span);
        }
      }
      pending.forEach((span, why) -> {
        if (why.reason == UnpairedReason.PARENT_CYCLE || why.path.stream().noneMatch(inferredChildren::contains)) {
          count(why.reason); // else an inferred edge above it, in its own service, counted the call
        }
      });
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
            Edge.MISSING_LATENCY, server.durationNanos()).weightedBy(server));
        paired.add(server.spanId());
        return;
      }
      Ancestor ancestor = remoteAncestor(server);
      if (ancestor.broken != null) {
        pending.put(server, new Pending(ancestor.broken, localPath(server)));
        return;
      }
      if (ancestor.span == null || ancestor.span.kind() != SPAN_KIND_CLIENT_VALUE) {
        // Zipkin would link the ancestor's service here; a parent in another service is linked by infer
        pending.put(server, new Pending(UnpairedReason.SERVER_WITHOUT_CLIENT, localPath(server)));
        return;
      }
      TraceSpan client = ancestor.span;
      pair(client, server);
      edges.add(new Edge(client.service(), server.service(), Edge.UNSET, client.error() || server.error(),
          client.durationNanos(), server.durationNanos()).weightedBy(client, server));
    }

    private void linkConsumer(TraceSpan consumer) {
      Set<TraceSpan> producers = new LinkedHashSet<>();
      Ancestor ancestor = consumer.isRoot() ? Ancestor.NONE : remoteAncestor(consumer);
      if (ancestor.span != null && ancestor.span.kind() == SPAN_KIND_PRODUCER_VALUE) {
        producers.add(ancestor.span);
      }
      producers.addAll(linkedProducers(consumer));
      if (producers.isEmpty()) {
        UnpairedReason reason = !consumer.links().isEmpty() ? UnpairedReason.LINKED_PRODUCER_NOT_IN_TRACE
            : ancestor.broken != null ? ancestor.broken
            : UnpairedReason.CONSUMER_WITHOUT_PRODUCER;
        pending.put(consumer, new Pending(reason, localPath(consumer)));
        return;
      }
      for (TraceSpan producer : producers) {
        pair(producer, consumer);
        edges.add(new Edge(producer.service(), consumer.service(), Edge.MESSAGING_SYSTEM,
            producer.error() || consumer.error(), producer.durationNanos(), consumer.durationNanos())
            .weightedBy(producer, consumer));
      }
    }

    /** The producers of this trace that {@code span} links to; a set: a span may link one producer twice. */
    private Set<TraceSpan> linkedProducers(TraceSpan span) {
      Set<TraceSpan> producers = new LinkedHashSet<>();
      for (TraceSpan.LinkRef link : span.links()) {
        TraceSpan linked = byId.get(link.spanId());
        if (linked == null || !linked.traceId().equals(link.traceId())) {
          continue; // the producer is in another trace (or not here yet): cross-trace pairs are not seen
        }
        if (linked.kind() != SPAN_KIND_PRODUCER_VALUE) {
          continue; // a link to, say, a server span is causality, not a message
        }
        producers.add(linked);
      }
      return producers;
    }

    /**
     * An explicit pair: the callee, and the local spans between it and a caller that is its nearest remote
     * ancestor, take part in no inferred edge.
     */
    private void pair(TraceSpan caller, TraceSpan callee) {
      pairedCallers.add(caller.spanId());
      calls.add(caller.spanId() + "/" + callee.service());
      paired.add(callee.spanId());
      List<String> path = localPath(callee);
      TraceSpan above = byId.get(byId.get(path.get(path.size() - 1)).parentSpanId());
      if (above == caller) { // not a producer named by a span link: the spans above the consumer are not its
        paired.addAll(path);
      }
    }

    /**
     * Links a span that is in no explicit pair to its parent when that is in another service, or to the producers
     * it has span links to; see package-info for why each case is linked as it is.
     */
    private void infer(TraceSpan child) {
      Pending why = pending.get(child);
      if (why != null && why.reason == UnpairedReason.PARENT_CYCLE) {
        return; // a broken parent chain says nothing about who called it
      }
      TraceSpan parent = child.isRoot() ? null : byId.get(child.parentSpanId());
      boolean crossService = parent != null && !parent.service().equals(child.service());
      if (!isRemote(child.kind())) {
        Map<TraceSpan, EdgeRule> producers = new LinkedHashMap<>();
        if (crossService && parent.kind() == SPAN_KIND_PRODUCER_VALUE) {
          producers.put(parent, EdgeRule.PRODUCER_CHILD);
        }
        linkedProducers(child).forEach(p -> producers.putIfAbsent(p, EdgeRule.PRODUCER_LINK));
        if (!producers.isEmpty()) {
          producers.forEach((producer, rule) -> inferred(producer, child, rule, Edge.MESSAGING_SYSTEM));
          return;
        }
      }
      if (!crossService) {
        return; // work inside one service (nested api_request spans, a handler's steps): no call
      }
      EdgeRule rule = switch (parent.kind()) {
        case SPAN_KIND_CLIENT_VALUE -> pairedCallers.contains(parent.spanId()) ? null : EdgeRule.CLIENT_CHILD;
        case SPAN_KIND_PRODUCER_VALUE -> EdgeRule.PRODUCER_CHILD;
        default -> EdgeRule.CROSS_SERVICE_CHILD;
      };
      if (rule == null) {
        inferredChildren.add(child.spanId()); // part of the call its client's server already counted
        return;
      }
      boolean messaging = parent.kind() == SPAN_KIND_PRODUCER_VALUE || child.kind() == SPAN_KIND_CONSUMER_VALUE
          || parent.attribute(TraceSpan.MESSAGING_SYSTEM) != null
          || child.attribute(TraceSpan.MESSAGING_SYSTEM) != null;
      inferred(parent, child, rule, messaging ? Edge.MESSAGING_SYSTEM : Edge.UNSET);
    }

    private void inferred(TraceSpan caller, TraceSpan child, EdgeRule rule, String connectionType) {
      inferredChildren.add(child.spanId());
      if (!calls.add(caller.spanId() + "/" + child.service())) {
        return; // another span of that service already answered this caller: one call, not two
      }
      boolean measured = caller.kind() == SPAN_KIND_CLIENT_VALUE || caller.kind() == SPAN_KIND_PRODUCER_VALUE;
      if (measured) {
        pairedCallers.add(caller.spanId());
      }
      edges.add(new Edge(caller.service(), child.service(), connectionType,
          child.error() || (measured && caller.error()),
          measured ? caller.durationNanos() : Edge.MISSING_LATENCY, child.durationNanos(), rule)
          .weightedBy(caller, child));
    }

    /** A client call no instrumented server answered: a virtual node if an attribute names the peer. */
    private void linkUnansweredClient(TraceSpan client) {
      boolean database = client.attribute(TraceSpan.DB_SYSTEM) != null
          || client.attribute(TraceSpan.DB_NAME) != null
          || client.attribute(TraceSpan.DB_NAMESPACE) != null;
      String peer = peerAttributes.name(client);
      if (peer == null) {
        count(UnpairedReason.CLIENT_WITHOUT_SERVER);
        return;
      }
      edges.add((database
          ? new Edge(client.service(), peer, Edge.DATABASE, client.error(), client.durationNanos(),
              client.durationNanos())
          : new Edge(client.service(), peer, Edge.VIRTUAL_NODE, client.error(), client.durationNanos(),
              Edge.MISSING_LATENCY)).weightedBy(client));
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

    /** The span and its local ancestors up to (not including) the nearest remote one. */
    private List<String> localPath(TraceSpan span) {
      List<String> path = new ArrayList<>();
      path.add(span.spanId());
      TraceSpan at = byId.get(span.parentSpanId());
      for (int steps = 0; at != null && !isRemote(at.kind()) && steps < spans.size(); steps++) {
        path.add(at.spanId());
        at = byId.get(at.parentSpanId());
      }
      return path;
    }

    private void count(UnpairedReason reason) {
      unpaired.merge(reason, 1, Integer::sum);
    }
  }

  private record Pending(UnpairedReason reason, List<String> path) {}

  private record Ancestor(TraceSpan span, UnpairedReason broken) {
    static final Ancestor NONE = new Ancestor(null, null);

    static Ancestor broken(UnpairedReason reason) {
      return new Ancestor(null, reason);
    }
  }

  private static final Comparator<TraceSpan> START_ORDER =
      Comparator.comparingLong(TraceSpan::startNanos).thenComparing(TraceSpan::spanId);

  private static boolean isRemote(int kind) {
    return kind == SPAN_KIND_SERVER_VALUE || kind == SPAN_KIND_CLIENT_VALUE
        || kind == SPAN_KIND_PRODUCER_VALUE || kind == SPAN_KIND_CONSUMER_VALUE;
  }
}
