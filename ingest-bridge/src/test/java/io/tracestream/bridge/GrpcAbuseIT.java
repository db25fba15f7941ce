package io.tracestream.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.tracestream.testkit.KafkaBrokerExtension;
import io.tracestream.testkit.SpanGenerator;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * HTTP/2 abuse of the OTLP/gRPC port: too many streams on one connection, and rapid reset
 * (CVE-2023-44487). Each is bounded by the server's limits while a well-behaved client on its own
 * connection is still served.
 */
class GrpcAbuseIT {
  @RegisterExtension
  static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  static final int MAX_CALLS = 10;
  static final int MAX_RST = 50;

  static Bridge bridge;
  static ManagedChannel wellBehaved;

  @BeforeAll
  static void start() throws Exception {
    KAFKA.createTopics(2, "abuse");
    bridge = TestBridges.start(KAFKA.bootstrapServers(), "abuse",
        "bridge.grpc.max.concurrent.calls=" + MAX_CALLS,
        "bridge.grpc.max.rst.frames=" + MAX_RST,
        "bridge.grpc.rst.window=30s");
    wellBehaved = NettyChannelBuilder.forAddress("127.0.0.1", bridge.grpcPort()).usePlaintext().build();
  }

  @AfterAll
  static void stop() {
    wellBehaved.shutdownNow();
    bridge.close();
  }

  @Test
  void streamsPastTheConcurrencyLimitAreRefusedWhileOthersAreServed() throws Exception {
    int opened = 3 * MAX_CALLS;
    try (RawHttp2 abuser = new RawHttp2(bridge.grpcPort())) {
      RawHttp2.Frame settings = abuser.handshake();
      assertThat(RawHttp2.setting(settings, RawHttp2.SETTINGS_MAX_CONCURRENT_STREAMS)).isEqualTo(MAX_CALLS);

      for (int i = 0; i < opened; i++) {
        abuser.open(1 + 2 * i);
      }
      abuser.flush();

      int expectRefused = opened - MAX_CALLS;
      io.tracestream.testkit.Await.until(java.time.Duration.ofSeconds(10), expectRefused + " refused streams",
          () -> refused(abuser).size() >= expectRefused);
      exportOnOwnConnection(); // while the abuser's streams are still open
      assertThat(refused(abuser)).as("refused streams").hasSize(expectRefused)
          .allSatisfy(stream -> assertThat(stream).isGreaterThan(2 * MAX_CALLS - 1));
      System.out.printf("abuse figure: %d streams opened on one connection, %d refused (REFUSED_STREAM), limit %d%n",
          opened, refused(abuser).size(), MAX_CALLS);
    }
  }

  @Test
  void rapidResetClosesTheConnectionWithEnhanceYourCalm() throws Exception {
    int attempted = 20 * MAX_RST;
    int written = 0;
    try (RawHttp2 abuser = new RawHttp2(bridge.grpcPort())) {
      abuser.handshake();
      try {
        for (int i = 0; i < attempted && abuser.goAway.getCount() > 0; i++) {
          abuser.open(1 + 2 * i);
          abuser.reset(1 + 2 * i, RawHttp2.CANCEL);
          written++;
          if (i % 10 == 9) {
            abuser.flush();
          }
        }
        abuser.flush();
      } catch (IOException e) {
        // the server closed the connection under us: that is the limit at work
      }
      assertThat(abuser.goAway.await(10, TimeUnit.SECONDS)).as("GOAWAY received").isTrue();
      assertThat(abuser.closed.await(10, TimeUnit.SECONDS)).as("connection closed by the server").isTrue();
      RawHttp2.Frame goAway = abuser.frames(RawHttp2.GOAWAY).get(0);
      int lastStream = goAway.int32(0);
      assertThat(goAway.int32(4)).as("GOAWAY error code").isEqualTo(RawHttp2.ENHANCE_YOUR_CALM);
      int processed = (lastStream + 1) / 2;
      assertThat(processed).as("streams the server took before it gave up").isLessThanOrEqualTo(MAX_RST + 1);
      System.out.printf("abuse figure: rapid reset: %d HEADERS+RST_STREAM pairs written (into the socket buffer) before the "
          + "connection closed, server processed %d streams, limit %d RST per window%n", written, processed, MAX_RST);
    }
    exportOnOwnConnection();
  }

  private static List<Integer> refused(RawHttp2 abuser) {
    return abuser.frames(RawHttp2.RST_STREAM).stream()
        .filter(f -> f.int32(0) == RawHttp2.REFUSED_STREAM).map(RawHttp2.Frame::stream).toList();
  }

  private static void exportOnOwnConnection() {
    var response = TraceServiceGrpc.newBlockingStub(wellBehaved).withDeadlineAfter(10, TimeUnit.SECONDS)
        .export(new SpanGenerator(7).request(2, 3, 1));
    assertThat(response.getPartialSuccess().getRejectedSpans()).isZero();
  }
}
