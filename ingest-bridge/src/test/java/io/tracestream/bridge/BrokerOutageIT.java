package io.tracestream.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.rpc.RetryInfo;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.StatusProto;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.tracestream.testkit.Await;
import io.tracestream.testkit.KafkaBrokerExtension;
import io.tracestream.testkit.SpanGenerator;
import io.tracestream.testkit.TopicReader;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** While Kafka is down the bridge says "retry later" quickly; a client that retries loses nothing. */
class BrokerOutageIT {
  private static final String TOPIC = "outage-spans";
  private static final String PROTOBUF = "application/x-protobuf";

  @RegisterExtension
  static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  @Test
  void answersUnavailableWhileTheBrokerIsStoppedAndAcceptsTheRetriesOnceItIsBack() throws Exception {
    assumeTrue(KAFKA.broker().canStop(), "needs a broker the test can stop (embedded or Testcontainers)");
    KAFKA.createTopics(2, TOPIC);
    SpanGenerator generator = new SpanGenerator(42);
    ExportTraceServiceRequest before = generator.request(5, 4, 3);
    ExportTraceServiceRequest duringHttp = generator.request(5, 4, 3);
    ExportTraceServiceRequest duringGrpc = generator.request(5, 4, 3);
    try (Bridge bridge = TestBridges.start(KAFKA.bootstrapServers(), TOPIC, "bridge.kafka.ack.timeout=2s",
        "bridge.retry.after=2s")) {
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", bridge.grpcPort()).usePlaintext().build();
      var grpc = TraceServiceGrpc.newBlockingStub(channel);
      assertThat(TestBridges.post(bridge, PROTOBUF, before.toByteArray()).statusCode()).isEqualTo(200);

      // When the broker stops
      KAFKA.broker().stop();
      Await.until(Duration.ofSeconds(30), "/health/ready to report the outage",
          () -> TestBridges.get(bridge, "/health/ready").statusCode() == 503);

      // Then HTTP gets 503 with Retry-After, and gRPC gets UNAVAILABLE with RetryInfo, quickly
      long start = System.nanoTime();
      HttpResponse<byte[]> refused = TestBridges.post(bridge, PROTOBUF, duringHttp.toByteArray());
      assertThat(refused.statusCode()).isEqualTo(503);
      assertThat(refused.headers().firstValue("Retry-After")).hasValue("2");
      assertThat(com.google.rpc.Status.parseFrom(refused.body()).getMessage()).contains("Kafka is not reachable");
      assertThatThrownBy(() -> grpc.export(duringGrpc)).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        com.google.rpc.Status status = StatusProto.fromThrowable(e);
        assertThat(status.getDetailsList()).anySatisfy(any -> {
          assertThat(any.is(RetryInfo.class)).isTrue();
          assertThat(any.unpack(RetryInfo.class).getRetryDelay().getSeconds()).isEqualTo(2);
        });
      });
      assertThat(Duration.ofNanos(System.nanoTime() - start))
          .as("refusals do not wait for Kafka timeouts").isLessThan(Duration.ofSeconds(2));
      assertThat(TestBridges.get(bridge, "/metrics").body())
          .containsPattern("tracestream_bridge_requests_total\\{outcome=\"unavailable\",transport=\"grpc\"} [1-9]")
          .containsPattern("tracestream_bridge_spans_refused_total\\{transport=\"http\"} [1-9]");

      // When the broker is back, the clients' retries succeed
      KAFKA.broker().start();
      Await.until(Duration.ofSeconds(60), "the HTTP retry to succeed", () -> {
        try {
          return TestBridges.post(bridge, PROTOBUF, duringHttp.toByteArray()).statusCode() == 200;
        } catch (Exception e) {
          return false;
        }
      });
      Await.until(Duration.ofSeconds(60), "the gRPC retry to succeed", () -> {
        try {
          grpc.export(duringGrpc);
          return true;
        } catch (StatusRuntimeException e) {
          return false;
        }
      });
      channel.shutdownNow();
    }

    // Then every span sent is in Kafka
    Set<String> sent = new HashSet<>();
    for (ExportTraceServiceRequest request : List.of(before, duringHttp, duringGrpc)) {
      sent.addAll(TestBridges.spanIds(request));
    }
    List<String> read = new ArrayList<>(TestBridges.spanIdsOf(TopicReader.readUntil(KAFKA.bootstrapServers(), TOPIC,
        Duration.ofSeconds(30), r -> new HashSet<>(TestBridges.spanIdsOf(r)).containsAll(sent))));
    assertThat(new HashSet<>(read)).isEqualTo(sent);
  }
}
