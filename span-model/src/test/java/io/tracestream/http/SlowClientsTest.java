package io.tracestream.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.tracestream.admin.AdminServer;
import io.tracestream.config.Settings;
import io.tracestream.testkit.Await;
import io.tracestream.testkit.TestCertificates;
import io.tracestream.tls.Pem;
import io.tracestream.tls.TlsConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Slowloris on the admin port (issue 17): with the JDK server's fixed pool, 64 connections that sent half a
 * request line and stalled kept a valid request from ever being answered.
 */
class SlowClientsTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(2);
  private static final HttpLimits LIMITS = new HttpLimits(TIMEOUT, TIMEOUT, TIMEOUT, 256);

  private final List<Socket> sockets = new ArrayList<>();
  private final ScheduledExecutorService trickle = Executors.newSingleThreadScheduledExecutor();
  private AdminServer server;

  @BeforeEach
  void start() throws IOException {
    server = new AdminServer("127.0.0.1", 0, Optional.empty(), LIMITS, Optional.empty(), () -> "up 1\n",
        () -> true, "");
    server.route("/echo", exchange -> {
      byte[] body = exchange.getRequestBody().readAllBytes();
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.route("/big", exchange -> {
      exchange.sendResponseHeaders(200, 0);
      byte[] chunk = new byte[1 << 16];
      try (OutputStream out = exchange.getResponseBody()) {
        for (int i = 0; i < 4096; i++) { // 256 MiB: far more than the socket buffers hold
          out.write(chunk);
        }
      }
    });
  }

  @AfterEach
  void stop() throws IOException {
    trickle.shutdownNow();
    for (Socket socket : sockets) {
      socket.close();
    }
    server.close();
  }

  @Test
  void aValidRequestIsAnsweredWhile64ConnectionsStallInTheirHeadersAndOneTricklesItsBody() throws Exception {
    // Given 64 connections that sent half a request line, and one that sends a body a byte every 100 ms
    long stalledAt = System.nanoTime();
    List<Socket> stalled = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      stalled.add(open("GET /metr"));
    }
    Socket trickler = open("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nx");
    trickle.scheduleAtFixedRate(() -> {
      try {
        trickler.getOutputStream().write('x');
      } catch (IOException e) {
        // closed by the server: what the test waits for
      }
    }, 100, 100, TimeUnit.MILLISECONDS);

    // When a valid request comes
    long asked = System.nanoTime();
    HttpResponse<String> answer = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/metrics"))
            .timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    long answeredMs = (System.nanoTime() - asked) / 1_000_000;

    // Then it is answered at once, and every slow connection is closed after the timeout
    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(answer.body()).isEqualTo("up 1\n");
    System.out.printf("slowloris: valid request answered in %d ms behind 64 stalled + 1 trickling%n", answeredMs);
    for (Socket socket : stalled) {
      assertThat(closedByServer(socket)).isTrue();
    }
    long closedMs = (System.nanoTime() - stalledAt) / 1_000_000;
    assertThat(closedByServer(trickler)).isTrue(); // though it still sends a byte every 100 ms
    long trickleClosedMs = (System.nanoTime() - stalledAt) / 1_000_000;
    assertThat(closedMs).isGreaterThanOrEqualTo(TIMEOUT.toMillis());
    Await.until(Duration.ofSeconds(10), "65 timeouts counted", () -> server.timeouts() == 65);
    System.out.printf("slowloris: 64 stalled connections closed by %d ms, the trickler by %d ms (timeouts %d ms)%n",
        closedMs, trickleClosedMs, TIMEOUT.toMillis());
  }

  @Test
  void aClientThatDoesNotReadItsAnswerIsCutOffAfterTheWriteTimeout() throws Exception {
    Socket reader = new Socket();
    sockets.add(reader);
    reader.setReceiveBufferSize(4096);
    reader.connect(new java.net.InetSocketAddress("127.0.0.1", server.port()));
    reader.getOutputStream().write("GET /big HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));

    Await.until(Duration.ofSeconds(15), "the connection to time out", () -> server.timeouts() == 1);

    assertThat(closedByServer(reader)).isTrue();
  }

  @Test
  void connectionsPastTheCapAreClosedAtOnceAndServedAgainOnceTheStalledOnesAreCutOff() throws Exception {
    try (AdminServer capped = new AdminServer("127.0.0.1", 0, Optional.empty(),
        new HttpLimits(TIMEOUT, TIMEOUT, TIMEOUT, 2), Optional.empty(), () -> "up 1\n", () -> true, "")) {
      // Given two connections stalled in their headers: every thread of a cap of 2
      List<Socket> stalled = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        Socket socket = new Socket("127.0.0.1", capped.port());
        sockets.add(socket);
        socket.getOutputStream().write("GET /me".getBytes(StandardCharsets.US_ASCII));
        stalled.add(socket);
      }
      Await.until(Duration.ofSeconds(10), "both stalled connections to hold a thread",
          () -> capped.activeConnections() == 2);

      // When a third asks, it is closed without an answer
      Socket third = new Socket("127.0.0.1", capped.port());
      sockets.add(third);
      third.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      assertThat(closedByServer(third)).isTrue();

      // Then once the stalled ones are cut off, requests are served again
      for (Socket socket : stalled) {
        assertThat(closedByServer(socket)).isTrue();
      }
      HttpResponse<String> answer = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + capped.port() + "/metrics"))
              .timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(answer.statusCode()).isEqualTo(200);
    }
  }

  @Test
  void aConnectionThatSendsNothingHoldsNoThread() throws Exception {
    for (int i = 0; i < 300; i++) { // more than max.connections: threads are taken only by requests begun
      open("");
    }

    HttpResponse<String> answer = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/health/live"))
            .timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());

    assertThat(answer.statusCode()).isEqualTo(200);
  }

  @Test
  void anHttpsRequestIsAnsweredWhile64ConnectionsStallInTheTlsHandshake() throws Exception {
    TestCertificates certs = TestCertificates.shared();
    Optional<TlsConfig> tls = TlsConfig.from(Settings.of(Map.of("t.tls.cert", certs.serverCertPem().toString(),
        "t.tls.key", certs.serverKeyPem().toString())), "t");
    try (AdminServer https = new AdminServer("127.0.0.1", 0, tls, LIMITS, Optional.empty(), () -> "up 1\n",
        () -> true, "")) {
      // Given 64 connections that sent the first byte of a ClientHello and stalled
      List<Socket> stalled = new ArrayList<>();
      for (int i = 0; i < 64; i++) {
        Socket socket = new Socket("127.0.0.1", https.port());
        sockets.add(socket);
        socket.getOutputStream().write(0x16); // TLS record type: handshake
        stalled.add(socket);
      }

      // When a client asks over https
      SSLContext client = tls.get().clientContext(Pem.certificates("ca", certs.caPem()));
      HttpResponse<String> answer = HttpClient.newBuilder().sslContext(client).build().send(
          HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + https.port() + "/metrics"))
              .timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());

      // Then it is answered, and the stalled handshakes are cut off
      assertThat(answer.statusCode()).isEqualTo(200);
      for (Socket socket : stalled) {
        assertThat(closedByServer(socket)).isTrue();
      }
      Await.until(Duration.ofSeconds(10), "64 timeouts counted", () -> https.timeouts() == 64);
    }
  }

  private Socket open(String sent) throws IOException {
    Socket socket = new Socket("127.0.0.1", server.port());
    sockets.add(socket);
    if (!sent.isEmpty()) {
      socket.getOutputStream().write(sent.getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
    }
    return socket;
  }

  /** Reads to the end: true when the server closed the connection (EOF or reset) within 10 s. */
  private static boolean closedByServer(Socket socket) throws IOException {
    socket.setSoTimeout(10_000);
    InputStream in = socket.getInputStream();
    try {
      while (in.read() >= 0) {
        // drain what was sent before the close
      }
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true; // reset
    }
  }
}
