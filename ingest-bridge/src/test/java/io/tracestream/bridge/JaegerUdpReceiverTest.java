package io.tracestream.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.jaegertracing.agent.thrift.Agent;
import io.jaegertracing.thriftjava.Batch;
import io.jaegertracing.thriftjava.Process;
import io.jaegertracing.thriftjava.Span;
import io.tracestream.span.TraceKeyedProducer;
import io.tracestream.span.TraceSplitter;
import io.tracestream.testkit.Await;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.thrift.protocol.TCompactProtocol;
import org.apache.thrift.transport.TMemoryBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Each datagram on the Jaeger UDP port is counted by its outcome, the budget's refusals too. */
class JaegerUdpReceiverTest {
  private final MockProducer<String, byte[]> kafka =
      new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
  private final InMemoryBridgeMetrics metrics = new InMemoryBridgeMetrics();
  private final MemoryBudget budget = new MemoryBudget(1 << 20);
  private final SpanIngest ingest = new SpanIngest(new TraceSplitter(1 << 20), new TraceKeyedProducer(kafka, "spans"),
      () -> true, budget, Duration.ofSeconds(30), Forwarder.NONE, metrics);
  private final JaegerUdpReceiver receiver;
  private final List<MemoryBudget.Lease> held = new ArrayList<>();

  JaegerUdpReceiverTest() throws Exception {
    receiver = new JaegerUdpReceiver("127.0.0.1", 0, 1 << 20, new JaegerIngest(ingest), metrics);
  }

  @AfterEach
  void close() {
    receiver.close();
    held.forEach(MemoryBudget.Lease::close);
  }

  @Test
  void anEmitBatchBecomesOneRecordPerTraceAndIsCountedAsSuccess() throws Exception {
    send(emitBatch(3));

    Await.until(Duration.ofSeconds(10), "one datagram answered", () -> metrics.get("requests.success") == 1);
    assertThat(metrics.get("accepted")).isEqualTo(3);
    assertThat(kafka.history()).extracting(r -> r.key()).containsExactly(
        "00000000000000000000000000000001", "00000000000000000000000000000002", "00000000000000000000000000000003");
    Await.until(Duration.ofSeconds(10), "the lease given back", () -> budget.used() == 0);
  }

  @Test
  void aDatagramThatFindsTheBudgetFullIsCountedAndLeftUnread() throws Exception {
    fillBudget();

    send(emitBatch(3));
    send(new byte[] {1, 2, 3});

    Await.until(Duration.ofSeconds(10), "two datagrams refused", () -> metrics.get("requests.budget_full") == 2);
    assertThat(metrics.get("received")).isZero();
    assertThat(kafka.history()).isEmpty();
  }

  @Test
  void badAndOversizedDatagramsAreCountedAndTheirBytesGivenBack() throws Exception {
    byte[] valid = emitBatch(2);
    send(Arrays.copyOf(valid, valid.length - 1));
    send(new byte[JaegerUdpReceiver.MAX_DATAGRAM + 1]);
    send(valid);

    Await.until(Duration.ofSeconds(10), "three datagrams counted", () -> metrics.get("requests.bad_request") == 1
        && metrics.get("requests.too_large") == 1 && metrics.get("requests.success") == 1);
    assertThat(metrics.get("accepted")).isEqualTo(2);
    Await.until(Duration.ofSeconds(10), "every lease given back", () -> budget.used() == 0);
  }

  /** Takes the whole budget: one request as large as a request may be, and small ones for the rest. */
  private void fillBudget() {
    MemoryBudget.Lease large = budget.lease();
    assertThat(large.take(budget.largest())).isTrue();
    held.add(large);
    while (true) {
      MemoryBudget.Lease small = budget.lease();
      held.add(small);
      if (!small.takeNow(1024)) {
        return;
      }
    }
  }

  private void send(byte[] datagram) throws Exception {
    try (DatagramSocket socket = new DatagramSocket()) {
      socket.setSendBufferSize(1 << 20);
      socket.send(new DatagramPacket(datagram, datagram.length, InetAddress.getLoopbackAddress(), receiver.port()));
    }
  }

  /** What a Jaeger client's UdpSender sends: Agent.emitBatch in the compact protocol, one span per trace. */
  private static byte[] emitBatch(int spans) throws Exception {
    List<Span> batch = new ArrayList<>();
    for (int i = 1; i <= spans; i++) {
      batch.add(new Span(i, 0, 100 + i, 0, "op-" + i, 1, 1_700_000_000_000_000L, 1_000));
    }
    TMemoryBuffer buffer = new TMemoryBuffer(1024);
    new Agent.Client(new TCompactProtocol(buffer)).emitBatch(new Batch(new Process("svc"), batch));
    return Arrays.copyOf(buffer.getArray(), buffer.length());
  }
}
