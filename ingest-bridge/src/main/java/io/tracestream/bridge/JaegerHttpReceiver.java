package io.tracestream.bridge;

import com.sun.net.httpserver.HttpExchange;
import io.tracestream.http.BearerAuth;
import io.tracestream.http.GuardedHttpServer;
import io.tracestream.http.HttpLimits;
import io.tracestream.span.jaeger.JaegerFormatException;
import io.tracestream.tls.TlsConfig;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;

/**
 * Jaeger's collector endpoint {@code POST /api/traces} (port 14268): a Jaeger {@code Batch} in Thrift's binary
 * protocol, as the Jaeger clients' HTTP senders post it ({@code JAEGER_ENDPOINT}). Answered as Jaeger's
 * collector answers: 202 Accepted with no body; an error as text: 400 for bad Thrift, 413 / 503 (Retry-After)
 * under {@code bridge.max.request.bytes} and the memory budget, 503 when Kafka is down, as the OTLP/HTTP port.
 * Bearer tokens and TLS are the OTLP ports' ({@code JAEGER_AUTH_TOKEN} sends a bearer token).
 */
final class JaegerHttpReceiver implements AutoCloseable {
  static final String PATH = "/api/traces";
  /** What Jaeger's collector takes; the clients send the first. */
  static final Set<String> THRIFT = Set.of("application/x-thrift", "application/vnd.apache.thrift.binary");

  private final GuardedHttpServer server;
  private final HttpBodies bodies;
  private final long retryAfterSeconds;
  private final JaegerIngest ingest;
  private final Optional<BearerAuth> auth;
  private final BridgeMetrics metrics;

  /** @param threads requests whose bodies are read and processed at once; more wait for a turn */
  JaegerHttpReceiver(String bind, int port, int threads, HttpLimits limits, int maxRequestBytes,
      Duration retryAfter, Optional<TlsConfig> tls, Optional<BearerAuth> auth, JaegerIngest ingest,
      BridgeMetrics metrics) throws IOException {
    this.bodies = new HttpBodies(maxRequestBytes);
    this.retryAfterSeconds = Math.max(1, (retryAfter.toMillis() + 999) / 1000);
    this.ingest = ingest;
    this.auth = auth;
    this.metrics = metrics;
    server = new GuardedHttpServer(bind, port, tls, limits, "bridge-jaeger-http");
    server.route(PATH, HttpBodies.inTurn(new Semaphore(threads), this::handle));
    server.start();
  }

  int port() {
    return server.port();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      check(exchange);
    }
  }

  private void check(HttpExchange exchange) throws IOException {
    if (!PATH.equals(exchange.getRequestURI().getPath())) {
      answer(exchange, 404, "not found; Jaeger Thrift goes to POST " + PATH, null);
      return;
    }
    if (auth.isPresent() && !auth.get().allows(exchange.getRequestHeaders().getFirst("Authorization"))) {
      exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer");
      answer(exchange, 401, "missing or invalid bearer token", Outcome.UNAUTHENTICATED);
      return;
    }
    if (!"POST".equals(exchange.getRequestMethod())) {
      exchange.getResponseHeaders().set("Allow", "POST");
      answer(exchange, 405, "method " + exchange.getRequestMethod() + " not allowed; use POST",
          Outcome.METHOD_NOT_ALLOWED);
      return;
    }
    String type = HttpBodies.mediaType(exchange.getRequestHeaders().getFirst("Content-Type"));
    if (!THRIFT.contains(type)) {
      answer(exchange, 415, "unsupported Content-Type " + (type.isEmpty() ? "(none)" : type)
          + "; use application/x-thrift (a Jaeger Batch in Thrift's binary protocol)", Outcome.UNSUPPORTED_MEDIA_TYPE);
      return;
    }
    try (MemoryBudget.Lease lease = ingest.spans().budget().lease()) {
      serve(exchange, lease);
    }
  }

  private void serve(HttpExchange exchange, MemoryBudget.Lease lease) throws IOException {
    byte[] body;
    try {
      body = bodies.read(exchange, false, lease);
    } catch (IOException e) {
      answer(exchange, 400, "cannot read body: " + e.getMessage(), Outcome.BAD_REQUEST);
      return;
    }
    if (body == null && lease.refusal() != null) {
      overBudget(exchange, ingest.spans().overBudget(lease.refusal()));
      return;
    }
    if (body == null) {
      answer(exchange, 413, "request body is larger than " + bodies.maxRequestBytes() + " bytes",
          Outcome.TOO_LARGE);
      return;
    }
    CompletableFuture<IngestResult> ingested;
    try {
      ingested = ingest.ingest(body, JaegerIngest.Encoding.BATCH_BINARY, lease, Transport.JAEGER_HTTP);
    } catch (JaegerFormatException e) {
      answer(exchange, 400, "unable to process request body: " + e.getMessage(), Outcome.BAD_REQUEST);
      return;
    }
    IngestResult result = HttpBodies.await(ingested);
    if (result instanceof IngestResult.Accepted accepted) {
      metrics.request(Transport.JAEGER_HTTP, accepted.outcome());
      exchange.sendResponseHeaders(202, -1);
    } else if (result instanceof IngestResult.Unavailable unavailable) {
      exchange.getResponseHeaders().set("Retry-After", Long.toString(retryAfterSeconds));
      answer(exchange, 503, unavailable.message(), Outcome.UNAVAILABLE);
    } else if (result instanceof IngestResult.OverBudget over) {
      overBudget(exchange, over);
    }
  }

  private void overBudget(HttpExchange exchange, IngestResult.OverBudget over) throws IOException {
    if (over.refusal() == MemoryBudget.Refusal.NEVER_FITS) {
      answer(exchange, 413, over.message(), Outcome.OVER_BUDGET);
    } else {
      exchange.getResponseHeaders().set("Retry-After", Long.toString(retryAfterSeconds));
      answer(exchange, 503, over.message(), Outcome.BUDGET_FULL);
    }
  }

  private void answer(HttpExchange exchange, int status, String message, Outcome outcome) throws IOException {
    if (outcome != null) {
      metrics.request(Transport.JAEGER_HTTP, outcome);
    }
    byte[] bytes = (message + "\n").getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(1, Duration.ofSeconds(10));
  }
}
