package io.tracestream.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.tracestream.testkit.Await;
import io.tracestream.testkit.KafkaBrokerExtension;
import io.tracestream.testkit.SpanGenerator;
import io.tracestream.testkit.TopicReader;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The optional OTLP forward. The receiving end is a second bridge, a real OTLP/gRPC receiver that
 * writes what it gets to its own topic, where the test can see it.
 */
class ForwardIT {
  private static final String PROTOBUF = "application/x-protobuf";

  @RegisterExtension
  static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  @Test
  void acceptedSpansAreAlsoForwardedOverOtlpGrpc() throws Exception {
    KAFKA.createTopics(2, "forward-main", "forward-copy");
    ExportTraceServiceRequest request = new SpanGenerator(5).request(4, 5, 2);
    try (Bridge receiver = TestBridges.start(KAFKA.bootstrapServers(), "forward-copy");
        Bridge bridge = TestBridges.start(KAFKA.bootstrapServers(), "forward-main",
            "bridge.forward.otlp.endpoint=http://127.0.0.1:" + receiver.grpcPort())) {
      assertThat(TestBridges.post(bridge, PROTOBUF, request.toByteArray()).statusCode()).isEqualTo(200);

      List<String> sent = TestBridges.spanIds(request);
      for (String topic : List.of("forward-main", "forward-copy")) {
        var records = TopicReader.readUntil(KAFKA.bootstrapServers(), topic, Duration.ofSeconds(30),
            r -> new HashSet<>(TestBridges.spanIdsOf(r)).containsAll(sent));
        assertThat(TestBridges.spanIdsOf(records)).as(topic).containsExactlyInAnyOrderElementsOf(sent);
      }
      Await.until(Duration.ofSeconds(10), "the forward to be counted",
          () -> counter(bridge, "sent") == sent.size());
    }
  }

  @Test
  void aForwardEndpointThatIsDownIsCountedAndNeverFailsTheKafkaPath() throws Exception {
    KAFKA.createTopics(2, "forward-down");
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    ExportTraceServiceRequest request = new SpanGenerator(6).request(3, 3, 2);
    try (Bridge bridge = TestBridges.start(KAFKA.bootstrapServers(), "forward-down",
        "bridge.forward.otlp.endpoint=127.0.0.1:" + closedPort, "bridge.forward.timeout=1s")) {
      assertThat(TestBridges.post(bridge, PROTOBUF, request.toByteArray()).statusCode()).isEqualTo(200);

      List<String> sent = TestBridges.spanIds(request);
      var records = TopicReader.readUntil(KAFKA.bootstrapServers(), "forward-down", Duration.ofSeconds(30),
          r -> new HashSet<>(TestBridges.spanIdsOf(r)).containsAll(sent));
      assertThat(TestBridges.spanIdsOf(records)).containsExactlyInAnyOrderElementsOf(sent);
      Await.until(Duration.ofSeconds(10), "the failed forward to be counted",
          () -> counter(bridge, "failed") == sent.size());
    }
  }

  private static double counter(Bridge bridge, String result) {
    Matcher m = Pattern.compile("tracestream_bridge_forward_spans_total\\{result=\"" + result + "\"} (\\S+)")
        .matcher(TestBridges.get(bridge, "/metrics").body());
    return m.find() ? Double.parseDouble(m.group(1)) : -1;
  }
}
