package io.tracestream.topology;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@link TopologyMain} in a child JVM, so that a test can kill it with SIGKILL. */
final class TopologyProcess {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final Process process;
  private final int adminPort;

  private TopologyProcess(Process process, int adminPort) {
    this.process = process;
    this.adminPort = adminPort;
  }

  static TopologyProcess start(Map<String, String> settings, int adminPort, Path log) throws IOException {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
        "-cp", System.getProperty("java.class.path"), TopologyMain.class.getName()));
    settings.forEach((k, v) -> command.add(k + "=" + v));
    command.add("topology.admin.port=" + adminPort);
    Files.createDirectories(log.getParent());
    Process process = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    return new TopologyProcess(process, adminPort);
  }

  /** SIGKILL: no shutdown hook, no commit, no leaving the group. */
  void kill() throws InterruptedException {
    process.destroyForcibly().waitFor();
  }

  /** SIGTERM: the shutdown hook closes the app and leaves the group. */
  void stop() throws InterruptedException {
    process.destroy();
    process.waitFor();
  }

  boolean alive() {
    return process.isAlive();
  }

  boolean ready() {
    return get("/health/ready").statusCode() == 200;
  }

  String metrics() {
    return get("/metrics").body();
  }

  private HttpResponse<String> get(String path) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      return new Unanswered(path);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static int freePort() throws IOException {
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /** The answer of a port nobody listens on yet. */
  private record Unanswered(String path) implements HttpResponse<String> {
    @Override public int statusCode() { return 0; }
    @Override public HttpRequest request() { return null; }
    @Override public java.util.Optional<HttpResponse<String>> previousResponse() { return java.util.Optional.empty(); }
    @Override public java.net.http.HttpHeaders headers() { return java.net.http.HttpHeaders.of(Map.of(), (a, b) -> true); }
    @Override public String body() { return ""; }
    @Override public java.util.Optional<javax.net.ssl.SSLSession> sslSession() { return java.util.Optional.empty(); }
    @Override public URI uri() { return URI.create("http://127.0.0.1" + path); }
    @Override public HttpClient.Version version() { return HttpClient.Version.HTTP_1_1; }
  }
}
