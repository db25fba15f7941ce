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
import java.util.Locale;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The admin port every tracestream part serves: {@code /metrics} (Prometheus text format, or OpenMetrics
 * 1.0.0 when the part has it ({@link #openMetrics}) and the request's {@code Accept} prefers it),
 * {@code /health/live} (the process answers) and {@code /health/ready} (its dependencies answer).
 */
public final class AdminServer implements AutoCloseable {
  private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
  public static final String OPEN_METRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8";

  private final GuardedHttpServer server;
  private final String scheme;
  private final Optional<BearerAuth> auth;
  private volatile Supplier<String> notReadyReason;
  private volatile Supplier<String> openMetrics;

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
    route("/metrics", ex -> {
      Supplier<String> open = openMetrics;
      if (open != null && prefersOpenMetrics(ex.getRequestHeaders().getFirst("Accept"))) {
        send(ex, 200, OPEN_METRICS, open.get());
      } else {
        send(ex, 200, PROMETHEUS_TEXT, metrics.get());
      }
    });
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

  /**
   * Serves {@code /metrics} as OpenMetrics 1.0.0, ending in {@code # EOF}, with what {@code body} gives to a
   * request whose {@code Accept} prefers it; the Prometheus text format stays for the others.
   */
  public AdminServer openMetrics(Supplier<String> body) {
    openMetrics = body;
    return this;
  }

  /**
   * Whether an {@code Accept} header ranks OpenMetrics 1.0.0 ({@code application/openmetrics-text}, version
   * 1.0.0 or none) above zero and at least as high as the Prometheus text format ({@code text/plain},
   * {@code text/*} or any type); RFC 9110 section 12.5.1, with {@code q} defaulting to 1.
   */
  static boolean prefersOpenMetrics(String accept) {
    if (accept == null) {
      return false;
    }
    double open = 0;
    double text = 0;
    for (String range : accept.split(",")) {
      String[] parts = range.split(";");
      String type = parts[0].trim().toLowerCase(Locale.ROOT);
      String version = null;
      double q = 1;
      for (int i = 1; i < parts.length; i++) {
        String[] param = parts[i].trim().split("=", 2);
        String value = param.length == 2 ? param[1].trim() : "";
        if (param[0].trim().equalsIgnoreCase("q")) {
          q = quality(value);
        } else if (param[0].trim().equalsIgnoreCase("version")) {
          version = value;
        }
      }
      if (type.equals("application/openmetrics-text") && (version == null || version.equals("1.0.0"))) {
        open = Math.max(open, q);
      } else if (type.equals("text/plain") || type.equals("text/*") || type.equals("*/*")) {
        text = Math.max(text, q);
      }
    }
    return open > 0 && open >= text;
  }

  /** A {@code q} value; one that is not a number in [0, 1] ranks its range 0, as unacceptable. */
  private static double quality(String value) {
    try {
      double q = Double.parseDouble(value);
      return q >= 0 && q <= 1 ? q : 0;
    } catch (NumberFormatException e) {
      return 0;
    }
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
