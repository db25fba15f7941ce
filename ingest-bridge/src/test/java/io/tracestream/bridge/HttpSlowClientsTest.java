package io.tracestream.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.tracestream.http.HttpLimits;
import io.tracestream.span.TraceKeyedProducer;
import io.tracestream.span.TraceSplitter;
import io.tracestream.testkit.Await;
import io.tracestream.testkit.SpanGenerator;
import java.io.IOException;
import java.io.InputStream;
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
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Slowloris on OTLP/HTTP (issue 17): 64 connections that sent half a request line and stalled held every
 * thread of the receiver's fixed pool, and a valid export behind them got no answer.
 */
class HttpSlowClientsTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(2);

  private final MockProducer<String, byte[]> kafka =
      new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
  private final List<Socket> sockets = new ArrayList<>();
  private final ScheduledExecutorService trickle = Executors.newSingleThreadScheduledExecutor();
  private final HttpReceiver receiver;

  HttpSlowClientsTest() throws IOException {
    InMemoryBridgeMetrics metrics = new InMemoryBridgeMetrics();
    SpanIngest ingest = new SpanIngest(new TraceSplitter(1 << 20), new TraceKeyedProducer(kafka, "spans"),
        () -> true, new MemoryBudget(64 << 20), Duration.ofSeconds(30), Forwarder.NONE, metrics);
    // 4 requests processed at once, fewer than the slow clients
    receiver = new HttpReceiver("127.0.0.1", 0, 4, new HttpLimits(TIMEOUT, TIMEOUT, TIMEOUT, 256), 1 << 20,
        Duration.ofSeconds(1), Optional.empty(), Optional.empty(), List.of(), ingest, metrics);
  }

  @AfterEach
  void stop() throws IOException {
    trickle.shutdownNow();
    for (Socket socket : sockets) {
      socket.close();
    }
    receiver.close();
  }

  @Test
  void anExportIsAnsweredWhile64ConnectionsStallInTheirHeadersAndOneTricklesItsBody() throws Exception {
    // Given 64 connections stalled in the request line and one sending its body a byte every 100 ms
    long stalledAt = System.nanoTime();
    List<Socket> stalled = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      stalled.add(open("POST /v1/tr"));
    }
    Socket trickler = open("POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n"
        + "Content-Length: 100000\r\n\r\n\n");
    trickle.scheduleAtFixedRate(() -> {
      try {
        trickler.getOutputStream().write(0);
      } catch (IOException e) {
        // closed by the server: what the test waits for
      }
    }, 100, 100, TimeUnit.MILLISECONDS);

    // When a client exports spans
    ExportTraceServiceRequest request = new SpanGenerator(1).request(3, 2, 2);
    long asked = System.nanoTime();
    HttpResponse<byte[]> answer = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + receiver.port() + "/v1/traces"))
            .header("Content-Type", HttpReceiver.PROTOBUF).timeout(Duration.ofSeconds(10))
            .POST(HttpRequest.BodyPublishers.ofByteArray(request.toByteArray())).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    long answeredMs = (System.nanoTime() - asked) / 1_000_000;

    // Then the export is accepted and written to Kafka, and every slow connection is closed after its timeout
    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(kafka.history()).hasSize(3);
    for (Socket socket : stalled) {
      assertThat(closedByServer(socket)).isTrue();
    }
    long closedMs = (System.nanoTime() - stalledAt) / 1_000_000;
    assertThat(closedByServer(trickler)).isTrue();
    long trickleClosedMs = (System.nanoTime() - stalledAt) / 1_000_000;
    assertThat(closedMs).isGreaterThanOrEqualTo(TIMEOUT.toMillis());
    Await.until(Duration.ofSeconds(10), "65 timeouts counted", () -> receiver.timeouts() == 65);
    System.out.printf("OTLP/HTTP slowloris: export answered in %d ms; 64 stalled closed by %d ms, the trickler"
        + " by %d ms (timeouts %d ms)%n", answeredMs, closedMs, trickleClosedMs, TIMEOUT.toMillis());
  }

  private Socket open(String sent) throws IOException {
    Socket socket = new Socket("127.0.0.1", receiver.port());
    sockets.add(socket);
    socket.getOutputStream().write(sent.getBytes(StandardCharsets.US_ASCII));
    socket.getOutputStream().flush();
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
