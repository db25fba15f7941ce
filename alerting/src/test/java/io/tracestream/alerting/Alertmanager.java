package io.tracestream.alerting;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tracestream.testkit.Await;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Alertmanager (Debian package prometheus-alertmanager) started by the test on a free loopback
 * port, clustering off, with a temporary config and storage; its notifications go to a webhook of the
 * test, so a test can count what Alertmanager would have paged.
 */
final class Alertmanager implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private final Process process;
  private final int port;

  Alertmanager(Path dir, String notificationUrl) throws Exception {
    Path binary = Binaries.require("prometheus-alertmanager", "prometheus-alertmanager", "alertmanager");
    port = freePort();
    Path config = dir.resolve("alertmanager.yml");
    Files.writeString(config, """
        route:
          receiver: test
          group_by: ['alertname']
          group_wait: 1s
          group_interval: 1s
          repeat_interval: 1h
        receivers:
          - name: test
            webhook_configs:
              - url: %s
                send_resolved: true
        """.formatted(notificationUrl));
    Files.createDirectories(dir.resolve("data"));
    process = new ProcessBuilder(binary.toString(),
        "--config.file=" + config,
        "--storage.path=" + dir.resolve("data"),
        "--web.listen-address=127.0.0.1:" + port,
        "--cluster.listen-address=",
        "--log.level=warn")
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("alertmanager.log").toFile())
        .start();
    Await.until(Duration.ofSeconds(30), "Alertmanager to be ready on port " + port, this::ready);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  String url() {
    return "http://127.0.0.1:" + port;
  }

  private boolean ready() {
    if (!process.isAlive()) {
      throw new AssertionError("Alertmanager exited with " + process.exitValue());
    }
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create(url() + "/-/ready")).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** {@code GET /api/v2/alerts}: the alerts Alertmanager holds (active, suppressed, unprocessed). */
  List<JsonNode> alerts() {
    try {
      String body = HTTP.send(HttpRequest.newBuilder(URI.create(url() + "/api/v2/alerts")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      return List.copyOf(JSON.readTree(body).valueStream().toList());
    } catch (IOException e) {
      throw new AssertionError("cannot read Alertmanager's alerts", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** The active alerts named {@code alertname}. */
  List<JsonNode> active(String alertname) {
    return alerts().stream()
        .filter(a -> alertname.equals(a.path("labels").path("alertname").asText()))
        .filter(a -> "active".equals(a.path("status").path("state").asText()))
        .filter(a -> Instant.parse(a.path("endsAt").asText()).isAfter(Instant.now())) // not resolved
        .toList();
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
