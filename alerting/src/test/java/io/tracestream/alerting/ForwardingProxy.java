package io.tracestream.alerting;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A forwarding proxy in front of Alertmanager: each POST goes to Alertmanager, and Alertmanager's
 * answer goes back to the sender, after an optional action of the test (such as killing the sender
 * once Alertmanager has taken the alert and before the sender learns it).
 */
final class ForwardingProxy implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer server;
  private final HttpClient client = HttpClient.newHttpClient();
  private final List<Forwarded> forwarded = new CopyOnWriteArrayList<>();
  private final AtomicReference<Runnable> beforeNextAnswer = new AtomicReference<>();

  record Forwarded(Instant at, JsonNode body, int status) {}

  ForwardingProxy(String target) throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      try (exchange; InputStream in = exchange.getRequestBody()) {
        byte[] body = in.readAllBytes();
        HttpResponse<byte[]> answer = client.send(HttpRequest.newBuilder(URI.create(target + exchange.getRequestURI()))
            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
            HttpResponse.BodyHandlers.ofByteArray());
        forwarded.add(new Forwarded(Instant.now(), JSON.readTree(body), answer.statusCode()));
        Runnable action = beforeNextAnswer.getAndSet(null);
        if (action != null) {
          action.run();
        }
        exchange.sendResponseHeaders(answer.statusCode(), answer.body().length == 0 ? -1 : answer.body().length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(answer.body());
        }
      } catch (IOException e) {
        // the sender is gone (killed before the answer)
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  void beforeNextAnswer(Runnable action) {
    beforeNextAnswer.set(action);
  }

  /** Alertmanager's answers to the POSTs that carried alert {@code alertname} firing (endsAt ahead), in order. */
  List<Integer> firingPosts(String alertname) {
    return forwarded.stream().filter(f -> f.body().valueStream().anyMatch(a ->
            alertname.equals(a.path("labels").path("alertname").asText())
                && Instant.parse(a.path("endsAt").asText()).isAfter(f.at())))
        .map(Forwarded::status).toList();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
