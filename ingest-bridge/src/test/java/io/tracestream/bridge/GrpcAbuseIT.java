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
    int batch = 10;
    int written = 0;
    try (RawHttp2 abuser = new RawHttp2(bridge.grpcPort())) {
      abuser.handshake();
      // open and at once reset streams, 10 at a time; a PING after each batch tells when the server
      // has handled it, so the count at which the connection goes is exact to one batch
      boolean open = true;
      for (int stream = 1; open && written < 20 * MAX_RST; ) {
        try {
          for (int i = 0; i < batch; i++, stream += 2) {
            abuser.open(stream);
            abuser.reset(stream, RawHttp2.CANCEL);
            written++;
          }
        } catch (IOException e) {
          break; // the server closed the connection under us
        }
        open = abuser.ping();
      }
      assertThat(abuser.goAway.await(10, TimeUnit.SECONDS)).as("GOAWAY received").isTrue();
      assertThat(abuser.closed.await(10, TimeUnit.SECONDS)).as("connection closed by the server").isTrue();
      assertThat(abuser.frames(RawHttp2.GOAWAY)).as("GOAWAY error codes").anySatisfy(
          f -> assertThat(f.int32(4)).isEqualTo(RawHttp2.ENHANCE_YOUR_CALM));
      // grpc-java counts the resets it receives and those its cancelled calls send or would send
      // (MadeYouReset, grpc/grpc-java#12288), so one abusive pair counts once or twice
      int sentByServer = abuser.frames(RawHttp2.RST_STREAM).size();
      assertThat(written).as("resets sent until the server closed the connection")
          .isGreaterThanOrEqualTo(MAX_RST / 2).isLessThanOrEqualTo(MAX_RST + batch);
      System.out.printf("abuse figure: rapid reset: the connection was closed with GOAWAY ENHANCE_YOUR_CALM after "
          + "%d HEADERS+RST_STREAM pairs and %d RST_STREAM from the server (limit %d RST per window, checked every %d)%n",
          written, sentByServer, MAX_RST, batch);
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
