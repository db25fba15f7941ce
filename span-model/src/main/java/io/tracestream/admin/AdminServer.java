package io.tracestream.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsServer;
import io.tracestream.tls.TlsConfig;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The admin port every tracestream part serves: {@code /metrics} (Prometheus text format),
 * {@code /health/live} (the process answers) and {@code /health/ready} (its dependencies answer).
 */
public final class AdminServer implements AutoCloseable {
  private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  private final HttpServer server;
  private final String scheme;
  /**
   * Several threads, not the server's one default thread: a query handler may wait on another
   * instance's admin port while that instance asks this one, and neither may block the other.
   */
  private final ExecutorService executor = Executors.newFixedThreadPool(8, task -> {
    Thread thread = new Thread(task, "tracestream-admin");
    thread.setDaemon(true);
    return thread;
  });

  public AdminServer(String bind, int port, Supplier<String> metrics, BooleanSupplier ready, String notReadyReason)
      throws IOException {
    this(bind, port, Optional.empty(), metrics, ready, notReadyReason);
  }

  /** @param tls https (and mTLS when it has client CAs) instead of http */
  public AdminServer(String bind, int port, Optional<TlsConfig> tls, Supplier<String> metrics, BooleanSupplier ready,
      String notReadyReason) throws IOException {
    InetSocketAddress address = new InetSocketAddress(bind, port);
    if (tls.isPresent()) {
      HttpsServer https = HttpsServer.create(address, 0);
      https.setHttpsConfigurator(tls.get().httpsConfigurator());
      server = https;
    } else {
      server = HttpServer.create(address, 0);
    }
    scheme = tls.isPresent() ? "https" : "http";
    server.setExecutor(executor);
    server.createContext("/metrics", ex -> send(ex, 200, PROMETHEUS_TEXT, metrics.get()));
    server.createContext("/health/live", ex -> send(ex, 200, "text/plain", "live\n"));
    server.createContext("/health/ready", ex -> {
      boolean ok = ready.getAsBoolean();
      send(ex, ok ? 200 : 503, "text/plain", ok ? "ready\n" : "not ready: " + notReadyReason + "\n");
    });
    server.start();
  }

  /** Serves {@code path} and everything under it with {@code handler}, from now on. */
  public void route(String path, HttpHandler handler) {
    server.createContext(path, handler);
  }

  /** Serves {@code GET path} with the JSON that {@code body} gives at each request (a part's own API). */
  public AdminServer json(String path, Supplier<String> body) {
    server.createContext(path, ex -> send(ex, 200, "application/json", body.get()));
    return this;
  }

  /** {@code http} or {@code https}. */
  public String scheme() {
    return scheme;
  }

  public int port() {
    return server.getAddress().getPort();
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
    server.stop(0);
    executor.shutdownNow();
  }
}
