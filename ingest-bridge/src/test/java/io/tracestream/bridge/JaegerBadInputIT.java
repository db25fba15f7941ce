package io.tracestream.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.tracestream.testkit.AdminPort;
import io.tracestream.testkit.Await;
import io.tracestream.testkit.KafkaBrokerExtension;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Bad and hostile Jaeger Thrift: HTTP answers with the reason, UDP counts each datagram by outcome. */
class JaegerBadInputIT {
  @RegisterExtension
  static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  private static final String TOKEN = "jaeger-clients-token-0123";

  static Bridge bridge;

  @BeforeAll
  static void start() throws Exception {
    KAFKA.createTopics(1, "jaeger-bad");
    // 1 MiB: a quarter reserved for gRPC windows, so one request may hold at most 576 KiB
    bridge = TestBridges.start(KAFKA.bootstrapServers(), "jaeger-bad", "bridge.jaeger.http.port=0",
        "bridge.jaeger.udp.port=0", "bridge.memory.budget=1MiB", "bridge.max.record.bytes=256KiB",
        "bridge.auth.bearer.token=" + TOKEN);
  }

  @AfterAll
  static void stop() {
    bridge.close();
  }

  @Test
  void badThriftOverHttpIs400WithWhereAndWhy() throws Exception {
    HttpResponse<String> response = post("application/x-thrift", "hello".getBytes(StandardCharsets.US_ASCII));

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body())
        .isEqualTo("unable to process request body: bad Thrift (binary protocol) at byte 3: unknown type 104\n");
    awaitRequests("jaeger_http", "bad_request", 1);
  }

  @Test
  void withoutTheBearerTokenIs401() throws Exception {
    HttpResponse<String> response = TestBridges.HTTP.send(request("application/x-thrift", new byte[] {0}).build(),
        HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
    awaitRequests("jaeger_http", "unauthenticated", 1);
  }

  @Test
  void anotherContentTypeIs415() throws Exception {
    HttpResponse<String> response = post("application/json", "{}".getBytes(StandardCharsets.US_ASCII));

    assertThat(response.statusCode()).isEqualTo(415);
    assertThat(response.body()).startsWith("unsupported Content-Type application/json; use application/x-thrift");
    awaitRequests("jaeger_http", "unsupported_media_type", 1);
  }

  @Test
  void aBodyLargerThanOneRequestMayHoldIs413() throws Exception {
    HttpResponse<String> response = post("application/x-thrift", new byte[600 << 10]);

    assertThat(response.statusCode()).isEqualTo(413);
    assertThat(response.body()).startsWith("the request needs more memory than the 589824 bytes one request may hold");
    awaitRequests("jaeger_http", "over_budget", 1);
  }

  @Test
  void badAndOversizedDatagramsAreCountedByOutcome() throws Exception {
    try (DatagramSocket socket = new DatagramSocket()) {
      socket.setSendBufferSize(1 << 20);
      send(socket, "not thrift".getBytes(StandardCharsets.US_ASCII));
      send(socket, new byte[JaegerUdpReceiver.MAX_DATAGRAM + 1]);
      send(socket, new byte[] {(byte) 0x82, (byte) 0x81, 1, 9, 'e', 'm', 'i', 't'}); // truncated method name
    }

    awaitRequests("jaeger_udp", "bad_request", 2);
    awaitRequests("jaeger_udp", "too_large", 1);
    assertThat(AdminPort.sum(AdminPort.scrape(bridge.adminPort()), "tracestream_bridge_spans_received_total"))
        .as("no span from them").isZero();
  }

  private static void send(DatagramSocket socket, byte[] datagram) throws Exception {
    socket.send(new DatagramPacket(datagram, datagram.length, InetAddress.getLoopbackAddress(),
        bridge.jaegerUdpPort().getAsInt()));
  }

  /** As JAEGER_AUTH_TOKEN makes the Jaeger clients send it. */
  private static HttpResponse<String> post(String contentType, byte[] body) throws Exception {
    return TestBridges.HTTP.send(request(contentType, body).header("Authorization", "Bearer " + TOKEN).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static HttpRequest.Builder request(String contentType, byte[] body) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + bridge.jaegerHttpPort().getAsInt()
            + JaegerHttpReceiver.PATH))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).header("Content-Type", contentType);
  }

  private static void awaitRequests(String transport, String outcome, double count) {
    String labels = "outcome=\"" + outcome + "\",transport=\"" + transport + "\"";
    Await.until(Duration.ofSeconds(10), transport + " " + outcome + " = " + count, () -> {
      Map<String, Double> samples = AdminPort.samples(AdminPort.scrape(bridge.adminPort()),
          "tracestream_bridge_requests_total");
      assertThat(samples.getOrDefault(labels, 0.0)).as(labels).isLessThanOrEqualTo(count);
      return samples.getOrDefault(labels, 0.0) == count;
    });
  }
}
