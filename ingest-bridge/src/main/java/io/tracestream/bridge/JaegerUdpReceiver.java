package io.tracestream.bridge;

import io.tracestream.span.jaeger.JaegerFormatException;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Jaeger's agent port 6831/udp: one {@code Agent.emitBatch} message in Thrift's compact protocol per datagram,
 * as the Jaeger clients' UDP senders send them ({@code JAEGER_AGENT_HOST}/{@code JAEGER_AGENT_PORT}). Datagrams
 * are at most {@link #MAX_DATAGRAM} bytes, the Jaeger agent's largest packet. One thread receives; it never
 * waits for Kafka nor for the memory budget (a datagram that finds the budget full is refused at once), so the
 * socket is drained. UDP cannot answer: every datagram is counted in {@code tracestream.bridge.requests} with
 * transport {@code jaeger_udp} and its outcome (bad Thrift, too large, over the budget, Kafka down).
 */
final class JaegerUdpReceiver implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(JaegerUdpReceiver.class);
  /** The Jaeger agent's max packet size (its processor.jaeger-compact.server-max-packet-size). */
  static final int MAX_DATAGRAM = 65_000;

  private final DatagramSocket socket;
  private final JaegerIngest ingest;
  private final BridgeMetrics metrics;
  private final Thread thread;
  private volatile boolean closing;

  JaegerUdpReceiver(String bind, int port, int receiveBufferBytes, JaegerIngest ingest, BridgeMetrics metrics)
      throws IOException {
    this.ingest = ingest;
    this.metrics = metrics;
    socket = new DatagramSocket(new InetSocketAddress(bind, port));
    socket.setReceiveBufferSize(receiveBufferBytes);
    thread = new Thread(this::receive, "bridge-jaeger-udp");
    thread.setDaemon(true);
    thread.start();
  }

  int port() {
    return socket.getLocalPort();
  }

  private void receive() {
    byte[] buffer = new byte[MAX_DATAGRAM + 1]; // one more: a datagram that fills it is over the limit
    DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
    while (!closing) {
      try {
        packet.setLength(buffer.length);
        socket.receive(packet);
      } catch (SocketException e) {
        if (!closing) {
          LOG.error("Jaeger UDP socket failed; no more datagrams are received", e);
        }
        return;
      } catch (IOException e) {
        LOG.warn("Jaeger UDP receive failed", e);
        continue;
      }
      if (packet.getLength() > MAX_DATAGRAM) {
        metrics.request(Transport.JAEGER_UDP, Outcome.TOO_LARGE);
        continue;
      }
      serve(buffer, packet.getLength());
    }
  }

  /** The datagram is copied out of the receive buffer only once the lease holds its bytes. */
  private void serve(byte[] buffer, int length) {
    MemoryBudget.Lease lease = ingest.spans().budget().lease();
    if (!lease.takeNow(length)) {
      refused(lease.refusal());
      return;
    }
    byte[] datagram = Arrays.copyOf(buffer, length);
    try {
      ingest.ingest(datagram, JaegerIngest.Encoding.EMIT_BATCH_COMPACT, lease, Transport.JAEGER_UDP)
          .whenComplete((result, error) -> {
            lease.close();
            if (result instanceof IngestResult.Accepted accepted) {
              metrics.request(Transport.JAEGER_UDP, accepted.outcome());
            } else if (result instanceof IngestResult.OverBudget over) {
              refused(over.refusal());
            } else {
              metrics.request(Transport.JAEGER_UDP, Outcome.UNAVAILABLE);
            }
          });
    } catch (JaegerFormatException e) {
      lease.close();
      metrics.request(Transport.JAEGER_UDP, Outcome.BAD_REQUEST);
      LOG.debug("Jaeger UDP datagram of {} bytes dropped: {}", datagram.length, e.getMessage());
    }
  }

  private void refused(MemoryBudget.Refusal refusal) {
    metrics.request(Transport.JAEGER_UDP,
        refusal == MemoryBudget.Refusal.NEVER_FITS ? Outcome.OVER_BUDGET : Outcome.BUDGET_FULL);
  }

  @Override
  public void close() {
    closing = true;
    socket.close();
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
