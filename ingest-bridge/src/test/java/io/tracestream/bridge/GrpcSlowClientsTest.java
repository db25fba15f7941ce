package io.tracestream.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.tracestream.span.TraceKeyedProducer;
import io.tracestream.span.TraceSplitter;
import io.tracestream.testkit.Await;
import io.tracestream.testkit.SpanGenerator;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Slow and greedy clients on the gRPC port (issue 17): without the connection limits every connection could
 * hold its HTTP/2 flow-control window outside the memory budget, connections that send nothing held their
 * place for minutes, and a call whose message never arrives whole held its part of the budget for good.
 */
class GrpcSlowClientsTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  private final InMemoryBridgeMetrics metrics = new InMemoryBridgeMetrics();
  private final MockProducer<String, byte[]> kafka =
      new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
  private final List<Socket> sockets = new ArrayList<>();
  private final MemoryBudget budget = new MemoryBudget(16 << 20);
  private GrpcReceiver receiver;
  private ManagedChannel channel;

  private void start(int max, int perAddress, Duration handshake, Duration read) throws IOException {
    SpanIngest ingest = new SpanIngest(new TraceSplitter(1 << 20), new TraceKeyedProducer(kafka, "spans"),
        () -> true, budget, Duration.ofSeconds(30), Forwarder.NONE, metrics);
    receiver = new GrpcReceiver("127.0.0.1", 0, 1 << 20, Duration.ofSeconds(1), Optional.empty(), Optional.empty(),
        new GrpcLimits(max, perAddress, GrpcLimits.MIN_FLOW_CONTROL_WINDOW, handshake, read, 100, 200,
            Duration.ofSeconds(10), Duration.ofMinutes(5), Duration.ofMinutes(30), Duration.ofSeconds(30)),
        ingest, metrics);
  }

  @AfterEach
  void stop() throws IOException {
    for (Socket socket : sockets) {
      socket.close();
    }
    if (channel != null) {
      channel.shutdownNow();
    }
    receiver.close();
  }

  @Test
  void connectionsOverTheLimitOrFromABusyAddressAreClosedAsTheyAreAccepted() throws Exception {
    start(3, 2, Duration.ofMinutes(1), Duration.ofMinutes(1));
    Socket first = connect("127.0.0.1");
    connect("127.0.0.1");
    Await.until(WAIT, "two connections open", () -> receiver.connections() == 2);

    Socket third = connect("127.0.0.1");
    assertThat(third.getInputStream().read()).as("closed by the bridge before a byte").isEqualTo(-1);
    assertThat(metrics.get("connections.refused.per_address")).isEqualTo(1);

    connect("127.0.0.2");
    Await.until(WAIT, "three connections open", () -> receiver.connections() == 3);
    Socket fourth = connect("127.0.0.3");
    assertThat(fourth.getInputStream().read()).as("closed by the bridge before a byte").isEqualTo(-1);
    assertThat(metrics.get("connections.refused.limit")).isEqualTo(1);
    assertThat(receiver.connections()).isEqualTo(3);

    // a connection closed gives its place back: an SDK's export gets through
    first.close();
    Await.until(WAIT, "the closed connection released", () -> receiver.connections() == 2);
    export();
    assertThat(kafka.history()).isNotEmpty();
  }

  @Test
  void connectionsThatNeverBeginHttp2AreClosedAfterTheHandshakeTimeoutAndAnExportGetsThrough() throws Exception {
    start(4, 4, Duration.ofSeconds(1), Duration.ofMinutes(1));
    List<Socket> silent = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      silent.add(connect("127.0.0.1"));
    }
    Socket halfPreface = connect("127.0.0.1");
    halfPreface.getOutputStream().write("PRI * HTTP/2.0\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    silent.add(halfPreface);
    Await.until(WAIT, "four connections open: every place taken", () -> receiver.connections() == 4);

    for (Socket socket : silent) {
      // the bridge's HTTP/2 SETTINGS, then the end of the stream (a read past the socket's timeout throws)
      assertThat(socket.getInputStream().readAllBytes()).as("the server's preface").isNotEmpty();
    }
    Await.until(WAIT, "the silent connections released", () -> receiver.connections() == 0);
    assertThat(metrics.get("connections.refused.handshake_timeout")).isEqualTo(4);

    // a client that speaks HTTP/2 keeps its connection past the timeout
    export();
    long pastTimeout = System.nanoTime() + Duration.ofMillis(1500).toNanos();
    Await.until(WAIT, "1.5 s after the SDK connected", () -> System.nanoTime() > pastTimeout);
    assertThat(receiver.connections()).isEqualTo(1);
    export();
    assertThat(metrics.get("connections.refused.handshake_timeout")).isEqualTo(4);
    assertThat(kafka.history()).isNotEmpty();
  }

  @Test
  void aCallWhoseMessageNeverArrivesWholeIsCancelledAfterTheReadTimeoutAndGivesItsBytesBack() throws Exception {
    start(4, 4, Duration.ofSeconds(10), Duration.ofSeconds(1));
    try (RawHttp2 slow = new RawHttp2(receiver.port())) {
      slow.handshake();
      // a message announced as 100,000 bytes, of which 10,000 arrive; then nothing
      slow.open(1);
      byte[] part = new byte[5 + 10_000];
      part[2] = 0x01;
      part[3] = (byte) 0x86;
      part[4] = (byte) 0xa0;
      slow.data(1, part);
      slow.flush();
      Await.until(WAIT, "the bridge to take the part that arrived", () -> budget.used() >= 10_000);

      Await.until(WAIT, "RST_STREAM for the slow call", () -> !slow.frames(RawHttp2.RST_STREAM).isEmpty());
      assertThat(slow.frames(RawHttp2.RST_STREAM).get(0).stream()).isEqualTo(1);
      assertThat(metrics.get("requests.read_timeout")).isEqualTo(1);
      Await.until(WAIT, "its bytes given back", () -> budget.used() == 0);
      // the connection itself stays usable for calls that do send their message
      assertThat(slow.ping()).isTrue();
    }
    export();
    assertThat(metrics.get("requests.read_timeout")).isEqualTo(1);
    assertThat(kafka.history()).isNotEmpty();
  }

  private Socket connect(String from) throws IOException {
    Socket socket = new Socket();
    sockets.add(socket);
    socket.bind(new InetSocketAddress(from, 0));
    socket.connect(new InetSocketAddress("127.0.0.1", receiver.port()));
    socket.setSoTimeout((int) WAIT.toMillis());
    return socket;
  }

  private void export() {
    if (channel == null) {
      channel = NettyChannelBuilder.forAddress("127.0.0.1", receiver.port()).usePlaintext().build();
    }
    TraceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
        .export(new SpanGenerator(7).request(1, 3, 2));
  }
}
