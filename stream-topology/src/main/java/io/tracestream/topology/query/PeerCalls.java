package io.tracestream.topology.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLContext;
import org.apache.kafka.streams.state.HostInfo;

/**
 * Queries forwarded to other instances, on a pool of their own: at most {@code threads} calls at once and
 * as many waiting; past that a query is answered 503 at once. The admin port's threads only wait for the
 * answers, with a deadline, so a slow or stalled peer ties up neither them nor an unbounded number of calls.
 */
final class PeerCalls implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http;
  private final String scheme;
  private final Optional<String> token;
  private final Duration timeout;
  private final int threads;
  private final ThreadPoolExecutor pool;

  /**
   * @param tls when present, peers are called over https with this context (trust and own certificate)
   * @param token presented to peers whose admin port asks for a bearer token
   */
  PeerCalls(int threads, Optional<SSLContext> tls, Optional<String> token, Duration timeout) {
    HttpClient.Builder client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2));
    tls.ifPresent(client::sslContext);
    this.http = client.build();
    this.scheme = tls.isPresent() ? "https" : "http";
    this.token = token;
    this.timeout = timeout;
    this.threads = threads;
    this.pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(threads), r -> {
      Thread thread = new Thread(r, "tracestream-query-forward");
      thread.setDaemon(true);
      return thread;
    });
    pool.allowCoreThreadTimeOut(true);
  }

  /** Starts a call; throws {@link QueryApi.Unavailable} at once when the pool and its queue are full. */
  CompletableFuture<JsonNode> call(HostInfo host, String pathAndQuery, boolean notFoundIsNull) {
    try {
      return CompletableFuture.supplyAsync(() -> send(host, pathAndQuery, notFoundIsNull), pool);
    } catch (RejectedExecutionException e) {
      throw new QueryApi.Unavailable("too many queries are being forwarded to other instances (" + threads
          + " at once, " + threads + " waiting); retry");
    }
  }

  /** The answer of a call started by {@link #call}, waiting at most the call's own deadline and a second. */
  JsonNode await(HostInfo host, CompletableFuture<JsonNode> call) {
    try {
      return call.get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new QueryApi.Unavailable("instance " + host.host() + ":" + host.port() + " failed: " + e.getCause());
    } catch (TimeoutException e) {
      call.cancel(true);
      throw new QueryApi.Unavailable("instance " + host.host() + ":" + host.port() + " does not answer in time");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new QueryApi.Unavailable("interrupted while asking " + host.host() + ":" + host.port());
    }
  }

  /** The {@code data} of another instance's answer; null for a 404 when {@code notFoundIsNull}. */
  private JsonNode send(HostInfo host, String pathAndQuery, boolean notFoundIsNull) {
    URI uri = URI.create(scheme + "://" + host.host() + ":" + host.port() + pathAndQuery);
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(timeout).GET();
    token.ifPresent(t -> request.header("Authorization", "Bearer " + t));
    try {
      HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
      if (response.statusCode() == 404 && notFoundIsNull) {
        return null;
      }
      if (response.statusCode() == 401) {
        throw new QueryApi.Unavailable("instance " + host.host() + ":" + host.port()
            + " refused this instance's bearer token (401): give every instance the same topology.admin.auth keys");
      }
      JsonNode body = JSON.readTree(response.body());
      if (response.statusCode() != 200) {
        throw new QueryApi.Unavailable("instance " + host.host() + ":" + host.port() + " answered "
            + response.statusCode() + ": " + body.path("errors").path(0).path("msg").asText(""));
      }
      return body.path("data");
    } catch (IOException e) {
      throw new QueryApi.Unavailable("instance " + host.host() + ":" + host.port() + " does not answer: "
          + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new QueryApi.Unavailable("interrupted while asking " + host.host() + ":" + host.port());
    }
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
