package io.tracestream.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.tracestream.http.BearerAuth;
import io.tracestream.http.GuardedHttpServer;
import io.tracestream.http.HttpLimits;
import io.tracestream.tls.TlsConfig;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The admin port every tracestream part serves: {@code /metrics} (Prometheus text format),
 * {@code /health/live} (the process answers) and {@code /health/ready} (its dependencies answer).
 */
public final class AdminServer implements AutoCloseable {
  private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  private final GuardedHttpServer server;
  private final String scheme;
  private final Optional<BearerAuth> auth;
  private volatile Supplier<String> notReadyReason;

  public AdminServer(String bind, int port, Supplier<String> metrics, BooleanSupplier ready, String notReadyReason)
      throws IOException {
    this(bind, port, Optional.empty(), metrics, ready, notReadyReason);
  }

  /** @param tls https (and mTLS when it has client CAs) instead of http */
  public AdminServer(String bind, int port, Optional<TlsConfig> tls, Supplier<String> metrics, BooleanSupplier ready,
      String notReadyReason) throws IOException {
    this(bind, port, tls, HttpLimits.DEFAULTS, Optional.empty(), metrics, ready, notReadyReason);
  }

  /**
   * @param limits header, read and write timeouts and the connections served at once. Each connection being
   *     served has its own thread, so a query handler that waits on another instance's admin port while that
   *     instance asks this one blocks neither
   * @param auth when present, every path but {@code /health/live} answers 401 without one of its tokens
   */
  public AdminServer(String bind, int port, Optional<TlsConfig> tls, HttpLimits limits, Optional<BearerAuth> auth,
      Supplier<String> metrics, BooleanSupplier ready, String notReadyReason) throws IOException {
    server = new GuardedHttpServer(bind, port, tls, limits, "tracestream-admin");
    scheme = tls.isPresent() ? "https" : "http";
    this.auth = auth;
    this.notReadyReason = () -> notReadyReason;
    route("/metrics", ex -> send(ex, 200, PROMETHEUS_TEXT, metrics.get()));
    // open: a liveness probe says only that the process answers, and probes rarely carry tokens
    server.route("/health/live", ex -> send(ex, 200, "text/plain", "live\n"));
    route("/health/ready", ex -> {
      boolean ok = ready.getAsBoolean();
      send(ex, ok ? 200 : 503, "text/plain", ok ? "ready\n" : "not ready: " + this.notReadyReason.get() + "\n");
    });
    server.start();
  }

  /** What {@code /health/ready} says when not ready, asked at each request (such as restore progress). */
  public AdminServer notReadyReason(Supplier<String> reason) {
    this.notReadyReason = reason;
    return this;
  }

  /** Serves {@code path} and everything under it with {@code handler}, from now on. */
  public void route(String path, HttpHandler handler) {
    server.route(path, auth.isEmpty() ? handler : exchange -> {
      if (auth.get().allows(exchange.getRequestHeaders().getFirst("Authorization"))) {
        handler.handle(exchange);
      } else {
        exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer");
        send(exchange, 401, "text/plain", "missing or invalid bearer token\n");
      }
    });
  }

  /** Serves {@code GET path} with the JSON that {@code body} gives at each request (a part's own API). */
  public AdminServer json(String path, Supplier<String> body) {
    route(path, ex -> send(ex, 200, "application/json", body.get()));
    return this;
  }

  /** {@code http} or {@code https}. */
  public String scheme() {
    return scheme;
  }

  public int port() {
    return server.port();
  }

  /** Connections being read from or answered now. */
  public int activeConnections() {
    return server.activeConnections();
  }

  /** Connections closed so far because they were too slow to send a request or take an answer. */
  public long timeouts() {
    return server.timeouts();
  }

  private static void send(HttpExchange exchange, int status, String type, String body) throws IOException {
    try (exchange) {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", type);
      exchange.sendResponseHeaders(status, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  @Override
  public void close() {
    server.close();
  }
}
