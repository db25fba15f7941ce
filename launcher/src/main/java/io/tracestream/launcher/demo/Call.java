package io.tracestream.launcher.demo;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * One call of the demo: the caller's CLIENT span (none for a root, a consumer or a client library that
 * creates none) and the callee's SERVER, CONSUMER or INTERNAL {@code process_message} span, a
 * {@link Node} under which the callee's own calls go. Times are explicit
 * (start and end timestamps), so a whole trace is built at once without waiting.
 */
final class Call {
  final Node server;
  final Instant serverStart;
  private final DemoTraffic demo;
  final Span client;
  private final double slowdown;
  private final double errorProbability;
  private final boolean http;
  Instant clientEnd;

  private Call(DemoTraffic demo, Span client, Node server, Instant serverStart, double slowdown,
      double errorProbability, boolean http) {
    this.demo = demo;
    this.client = client;
    this.server = server;
    this.serverStart = serverStart;
    this.slowdown = slowdown;
    this.errorProbability = errorProbability;
    this.http = http;
  }

  /** A request from outside (no instrumented caller): a root SERVER span. */
  static Call root(DemoTraffic demo, String service, String route, Instant start) {
    Span span = server(demo.tracer(service), route, SpanKind.SERVER, Context.root(), start);
    return new Call(demo, null, new Node(demo, service, Context.root().with(span), span), start, 1, 0.005, true);
  }

  /** An HTTP call from {@code fromService} (under {@code parent}) to {@code target}, its server span 1 ms later. */
  static Call http(DemoTraffic demo, String fromService, Context parent, String target, String route, Instant start,
      double slowdown, double errorProbability) {
    Span client = demo.tracer(fromService).spanBuilder(route).setSpanKind(SpanKind.CLIENT).setParent(parent)
        .setAttribute(DemoTraffic.HTTP_METHOD, route.substring(0, route.indexOf(' ')))
        .setAttribute(DemoTraffic.SERVER_ADDRESS, target).setStartTimestamp(start).startSpan();
    Instant serverStart = start.plusMillis(1);
    Span server = server(demo.tracer(target), route, SpanKind.SERVER, parent.with(client), serverStart);
    return new Call(demo, client, new Node(demo, target, parent.with(client).with(server), server), serverStart,
        slowdown, errorProbability, true);
  }

  /**
   * An HTTP call to {@code target} by code that creates no CLIENT span (a hand-written client library):
   * the callee's SERVER span is the child of whatever span is current in the caller, {@code parent}.
   */
  static Call httpWithoutClientSpan(DemoTraffic demo, Context parent, String target, String route, Instant start,
      double errorProbability) {
    Span server = server(demo.tracer(target), route, SpanKind.SERVER, parent, start);
    return new Call(demo, null, new Node(demo, target, parent.with(server), server), start, 1, errorProbability,
        true);
  }

  /** A message taken from {@code topic}: a CONSUMER span whose parent is the producer's context in the headers. */
  static Call consume(DemoTraffic demo, String service, String topic, Map<String, String> headers, Instant at) {
    Context producer = DemoTraffic.extract(headers);
    Span span = demo.tracer(service).spanBuilder(topic + " process").setSpanKind(SpanKind.CONSUMER).setParent(producer)
        .setAttribute(DemoTraffic.MESSAGING_SYSTEM, "kafka").setAttribute(DemoTraffic.DESTINATION, topic)
        .setStartTimestamp(at).startSpan();
    return new Call(demo, null, new Node(demo, service, producer.with(span), span), at, 1, 0.005, false);
  }

  /**
   * A message taken from {@code topic} by code that continues the producer's context from the headers
   * by hand and starts an INTERNAL {@code process_message} span under it (no CONSUMER span).
   */
  static Call continueFromHeaders(DemoTraffic demo, String service, String topic, Map<String, String> headers,
      Instant at) {
    Context producer = DemoTraffic.extract(headers);
    Span span = demo.tracer(service).spanBuilder("process_message").setSpanKind(SpanKind.INTERNAL)
        .setParent(producer).setAttribute(DemoTraffic.MESSAGING_SYSTEM, "kafka")
        .setAttribute(DemoTraffic.DESTINATION, topic).setStartTimestamp(at).startSpan();
    return new Call(demo, null, new Node(demo, service, producer.with(span), span), at, 1, 0.005, false);
  }

  private static Span server(Tracer tracer, String route, SpanKind kind, Context parent, Instant start) {
    return tracer.spanBuilder(route).setSpanKind(kind).setParent(parent)
        .setAttribute(DemoTraffic.HTTP_ROUTE, route.substring(route.indexOf(' ') + 1))
        .setStartTimestamp(start).startSpan();
  }

  /** A call from this call's server to {@code target}. */
  Call http(String target, String route, Instant start, double slowdown, double errorProbability) {
    return http(demo, server.service, server.context, target, route, start, slowdown, errorProbability);
  }

  /** Publishes to {@code topic} from this call's server: a PRODUCER span; returns the message headers. */
  Map<String, String> publish(String topic, Instant start) {
    return server.publish(topic, start);
  }

  /**
   * Ends the server span {@code serverMs} (times the slowdown) after it started, and the client span
   * 1 ms later; fails both with the call's error probability (an HTTP call's spans get its status
   * code). Returns whether the call failed.
   */
  boolean end(double serverMs) {
    Instant serverEnd = serverStart.plusNanos((long) (serverMs * slowdown * 1_000_000));
    boolean failed = demo.fails(errorProbability);
    if (failed) {
      server.span.setStatus(StatusCode.ERROR, "internal error");
    }
    if (http) {
      server.span.setAttribute(DemoTraffic.HTTP_STATUS, failed ? 500L : 200L);
    }
    server.span.end(serverEnd);
    clientEnd = serverEnd.plusMillis(client == null ? 0 : 1);
    if (client != null) {
      if (failed) {
        client.setStatus(StatusCode.ERROR, "HTTP 500");
      }
      client.setAttribute(DemoTraffic.HTTP_STATUS, failed ? 500L : 200L);
      client.end(clientEnd);
    }
    return failed;
  }

  /** A span of one service under which that service's calls, queries and messages go. */
  record Node(DemoTraffic demo, String service, Context context, Span span) {
    /** A leaf span under this one; returns its end. */
    Instant child(String name, SpanKind kind, Instant start, double durationMs, double errorProbability,
        Attributes attributes) {
      Span child = demo.tracer(service).spanBuilder(name).setSpanKind(kind).setParent(context)
          .setAllAttributes(attributes).setStartTimestamp(start).startSpan();
      if (demo.fails(errorProbability)) {
        child.setStatus(StatusCode.ERROR);
      }
      Instant end = start.plusNanos((long) (durationMs * 1_000_000));
      child.end(end);
      return end;
    }

    Map<String, String> publish(String topic, Instant start) {
      Span producer = demo.tracer(service).spanBuilder(topic + " publish").setSpanKind(SpanKind.PRODUCER)
          .setParent(context).setAttribute(DemoTraffic.MESSAGING_SYSTEM, "kafka")
          .setAttribute(DemoTraffic.DESTINATION, topic).setStartTimestamp(start).startSpan();
      Map<String, String> headers = new HashMap<>();
      W3CTraceContextPropagator.getInstance().inject(context.with(producer), headers, Map::put);
      producer.end(start.plusNanos((long) (demo.lognormal(1, 0.3) * 1_000_000)));
      return headers;
    }
  }
}
