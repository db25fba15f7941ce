package io.tracestream.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Prometheus (the Debian package's {@code /usr/bin/prometheus}, or {@code prometheus} on the
 * PATH) run by a test on a free loopback port, with its data and log under a directory of the test.
 * Missing binary is a failure, not a skip: CI installs the package ({@code .ci/run}).
 */
public final class PrometheusServer implements AutoCloseable {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Process process;
  private final int port;
  private final Path log;

  private PrometheusServer(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  /**
   * Starts Prometheus with {@code config} (a prometheus.yml) written into {@code dir}, and waits until
   * it is ready.
   */
  public static PrometheusServer start(Path dir, String config, String... extraFlags) throws IOException {
    Path binary = binary("prometheus");
    Files.createDirectories(dir);
    Path configFile = Files.writeString(dir.resolve("prometheus.yml"), config);
    int port = freePort();
    List<String> command = new ArrayList<>(List.of(binary.toString(), "--config.file=" + configFile,
        "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port,
        "--log.level=warn"));
    command.addAll(List.of(extraFlags));
    Path log = dir.resolve("prometheus.log");
    Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    PrometheusServer server = new PrometheusServer(process, port, log);
    try {
      Await.until(Duration.ofSeconds(30), "Prometheus ready on port " + port, server::ready);
    } catch (AssertionError e) {
      server.close();
      throw new AssertionError(e.getMessage() + "; its log: " + Files.readString(log), e);
    }
    return server;
  }

  /** The path of a binary of the Debian prometheus packages, failing with what to install when missing. */
  public static Path binary(String name) {
    for (String dir : (System.getenv().getOrDefault("PATH", "") + ":/usr/bin:/usr/local/bin").split(":")) {
      Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    throw new AssertionError(name + " is not installed: apt-get install prometheus (.ci/run does)");
  }

  public URI url() {
    return URI.create("http://127.0.0.1:" + port);
  }

  private boolean ready() {
    if (!process.isAlive()) {
      throw new AssertionError("Prometheus exited with " + process.exitValue());
    }
    try {
      return HTTP.send(HttpRequest.newBuilder(url().resolve("/-/ready")).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** {@code GET /api/v1/query}: the whole answer ({@code status}, {@code data}, {@code error}), whatever the status. */
  public JsonNode query(String promql) {
    return get("/api/v1/query?query=" + encode(promql));
  }

  /** {@code GET /api/v1/query_range} from {@code startSeconds} to {@code endSeconds} (Unix time). */
  public JsonNode queryRange(String promql, double startSeconds, double endSeconds, String step) {
    return get("/api/v1/query_range?query=" + encode(promql) + "&start=" + startSeconds + "&end=" + endSeconds
        + "&step=" + step);
  }

  /** {@code GET path} of the HTTP API, parsed. */
  public JsonNode get(String pathAndQuery) {
    try {
      HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(url().resolve(pathAndQuery)).build(),
          HttpResponse.BodyHandlers.ofString());
      return JSON.readTree(response.body());
    } catch (IOException e) {
      throw new AssertionError("Prometheus " + pathAndQuery + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  public Path log() {
    return log;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
