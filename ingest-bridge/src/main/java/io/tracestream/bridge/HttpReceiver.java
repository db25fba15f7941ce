package io.tracestream.bridge;

import com.google.protobuf.Message;
import com.google.rpc.Code;
import com.sun.net.httpserver.HttpExchange;
import io.tracestream.http.BearerAuth;
import io.tracestream.http.GuardedHttpServer;
import io.tracestream.http.HttpLimits;
import io.tracestream.tls.TlsConfig;
import java.util.List;
import java.util.Optional;
import io.tracestream.span.OtlpCodec;
import io.tracestream.span.OtlpDecodeException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;

/**
 * OTLP/HTTP {@code POST /v1/traces} (https://opentelemetry.io/docs/specs/otlp/#otlphttp): protobuf or
 * JSON, optionally gzip; the response, and any error as a {@code google.rpc.Status}, in the request's
 * content type. A client error is always a 4xx with the reason, never a 500.
 */
final class HttpReceiver implements AutoCloseable {
  static final String PROTOBUF = "application/x-protobuf";
  static final String JSON = "application/json";
  static final String CORS_HEADERS = "Content-Type, Content-Encoding, Authorization";

  private final GuardedHttpServer server;
  private final HttpBodies bodies;
  private final long retryAfterSeconds;
  private final SpanIngest ingest;
  private final BridgeMetrics metrics;

  private final Optional<BearerAuth> auth;
  private final List<String> corsOrigins;

  /** @param threads requests whose bodies are read and processed at once; more wait for a turn */
  HttpReceiver(String bind, int port, int threads, HttpLimits limits, int maxRequestBytes, Duration retryAfter,
      Optional<TlsConfig> tls, Optional<BearerAuth> auth, List<String> corsOrigins, SpanIngest ingest,
      BridgeMetrics metrics) throws IOException {
    this.auth = auth;
    this.corsOrigins = corsOrigins;
    this.bodies = new HttpBodies(maxRequestBytes);
    this.retryAfterSeconds = Math.max(1, (retryAfter.toMillis() + 999) / 1000);
    this.ingest = ingest;
    this.metrics = metrics;
    server = new GuardedHttpServer(bind, port, tls, limits, "bridge-http");
    server.route("/v1/traces", HttpBodies.inTurn(new Semaphore(threads), this::handle));
    server.start();
  }

  int port() {
    return server.port();
  }

  long timeouts() {
    return server.timeouts();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      if (!"/v1/traces".equals(exchange.getRequestURI().getPath())) {
        error(exchange, 404, JSON, Code.NOT_FOUND, "not found; OTLP traces go to POST /v1/traces", null);
        return;
      }
      String origin = allowedOrigin(exchange.getRequestHeaders().getFirst("Origin"));
      if (origin != null) {
        exchange.getResponseHeaders().set("Access-Control-Allow-Origin", origin);
        exchange.getResponseHeaders().set("Vary", "Origin");
        if ("OPTIONS".equals(exchange.getRequestMethod())) { // CORS preflight: carries no credentials
          exchange.getResponseHeaders().set("Access-Control-Allow-Methods", "POST");
          exchange.getResponseHeaders().set("Access-Control-Allow-Headers", CORS_HEADERS);
          exchange.getResponseHeaders().set("Access-Control-Max-Age", "600");
          exchange.sendResponseHeaders(204, -1);
          return;
        }
      }
      if (auth.isPresent() && !auth.get().allows(exchange.getRequestHeaders().getFirst("Authorization"))) {
        String type = HttpBodies.mediaType(exchange.getRequestHeaders().getFirst("Content-Type"));
        exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer");
        error(exchange, 401, PROTOBUF.equals(type) ? PROTOBUF : JSON, Code.UNAUTHENTICATED,
            "missing or invalid bearer token", Outcome.UNAUTHENTICATED);
        return;
      }
      if (!"POST".equals(exchange.getRequestMethod())) {
        exchange.getResponseHeaders().set("Allow", "POST");
        error(exchange, 405, JSON, Code.UNIMPLEMENTED,
            "method " + exchange.getRequestMethod() + " not allowed; use POST", Outcome.METHOD_NOT_ALLOWED);
        return;
      }
      String type = HttpBodies.mediaType(exchange.getRequestHeaders().getFirst("Content-Type"));
      if (!PROTOBUF.equals(type) && !JSON.equals(type)) {
        error(exchange, 415, JSON, Code.INVALID_ARGUMENT,
            "unsupported Content-Type " + (type.isEmpty() ? "(none)" : type) + "; use " + PROTOBUF + " or " + JSON,
            Outcome.UNSUPPORTED_MEDIA_TYPE);
        return;
      }
      String encoding = exchange.getRequestHeaders().getFirst("Content-Encoding");
      boolean gzip = encoding != null && encoding.trim().equalsIgnoreCase("gzip");
      if (encoding != null && !gzip && !encoding.trim().equalsIgnoreCase("identity")) {
        error(exchange, 415, type, Code.INVALID_ARGUMENT, "unsupported Content-Encoding " + encoding
            + "; use gzip or none", Outcome.UNSUPPORTED_MEDIA_TYPE);
        return;
      }
      MemoryBudget.Lease lease = ingest.budget().lease();
      try {
        serve(exchange, type, gzip, lease);
      } finally {
        lease.close();
      }
    }
  }

  /**
   * Reads, decodes and ingests the body of a POST that passed every check, holding what it allocates in
   * {@code lease}: the body as read, what decoding OTLP/JSON builds, the Kafka records.
   */
  private void serve(HttpExchange exchange, String type, boolean gzip, MemoryBudget.Lease lease) throws IOException {
    byte[] body;
    try {
      body = bodies.read(exchange, gzip, lease);
    } catch (IOException e) {
      error(exchange, 400, type, Code.INVALID_ARGUMENT,
          (gzip ? "invalid gzip body: " : "cannot read body: ") + e.getMessage(), Outcome.BAD_REQUEST);
      return;
    }
    if (body == null && lease.refusal() != null) {
      overBudget(exchange, type, ingest.overBudget(lease.refusal()));
      return;
    }
    if (body == null) {
      error(exchange, 413, type, Code.RESOURCE_EXHAUSTED, "request body is larger than " + bodies.maxRequestBytes()
          + " bytes" + (gzip ? " after decompression" : ""), Outcome.TOO_LARGE);
      return;
    }
    CompletableFuture<IngestResult> ingested;
    try {
      byte[] protobuf = body;
      if (JSON.equals(type)) {
        long cost = OtlpCodec.jsonDecodeCost(body); // counts tokens, builds nothing
        if (!lease.take(cost)) {
          overBudget(exchange, type, ingest.overBudget(lease.refusal()));
          return;
        }
        protobuf = OtlpCodec.decodeJson(body).toByteArray();
        lease.release(Math.max(0, cost - protobuf.length)); // the trees are garbage now, the protobuf stays
      }
      ingested = ingest.ingest(protobuf, lease, Transport.HTTP);
    } catch (OtlpDecodeException e) {
      error(exchange, 400, type, Code.INVALID_ARGUMENT, e.getMessage(), Outcome.BAD_REQUEST);
      return;
    }
    IngestResult result = HttpBodies.await(ingested);
    if (result instanceof IngestResult.Accepted accepted) {
      metrics.request(Transport.HTTP, accepted.outcome());
      respond(exchange, 200, type, accepted.response());
    } else if (result instanceof IngestResult.Unavailable unavailable) {
      exchange.getResponseHeaders().set("Retry-After", Long.toString(retryAfterSeconds));
      error(exchange, 503, type, Code.UNAVAILABLE, unavailable.message(), Outcome.UNAVAILABLE);
    } else if (result instanceof IngestResult.OverBudget over) {
      overBudget(exchange, type, over);
    }
  }

  /** 413 for a request that can never fit in the memory budget, 503 with Retry-After while it is in use. */
  private void overBudget(HttpExchange exchange, String type, IngestResult.OverBudget over) throws IOException {
    if (over.refusal() == MemoryBudget.Refusal.NEVER_FITS) {
      error(exchange, 413, type, Code.RESOURCE_EXHAUSTED, over.message(), Outcome.OVER_BUDGET);
    } else {
      exchange.getResponseHeaders().set("Retry-After", Long.toString(retryAfterSeconds));
      error(exchange, 503, type, Code.UNAVAILABLE, over.message(), Outcome.BUDGET_FULL);
    }
  }

  /** The origin to echo when it is one of the configured ones, else null (no CORS headers at all). */
  private String allowedOrigin(String origin) {
    if (origin == null || corsOrigins.isEmpty()) {
      return null;
    }
    if (corsOrigins.contains("*")) {
      return origin;
    }
    for (String allowed : corsOrigins) {
      if (allowed.equalsIgnoreCase(origin)) {
        return origin;
      }
    }
    return null;
  }

  private void error(HttpExchange exchange, int status, String type, Code code, String message, Outcome outcome)
      throws IOException {
    if (outcome != null) {
      metrics.request(Transport.HTTP, outcome);
    }
    respond(exchange, status, type, com.google.rpc.Status.newBuilder()
        .setCode(code.getNumber()).setMessage(message).build());
  }

  private static void respond(HttpExchange exchange, int status, String type, Message message) throws IOException {
    byte[] bytes = JSON.equals(type)
        ? OtlpCodec.encodeJson(message).getBytes(StandardCharsets.UTF_8)
        : message.toByteArray();
    exchange.getResponseHeaders().set("Content-Type", JSON.equals(type) ? JSON : PROTOBUF);
    exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(1, Duration.ofSeconds(10));
  }
}
