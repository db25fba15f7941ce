package io.tracestream.topology;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.tracestream.bridge.Bridge;
import io.tracestream.bridge.BridgeConfig;
import io.tracestream.config.Settings;
import io.tracestream.testkit.Await;
import io.tracestream.testkit.KafkaBrokerExtension;
import io.tracestream.testkit.ReliabilityReport;
import io.tracestream.testkit.TopicReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker stops for 60 s under load: the bridge answers 503 while it is down, clients that retry as
 * the OTLP spec says (https://opentelemetry.io/docs/specs/otlp/#otlphttp-throttling) end with
 * sent == acknowledged == consumed, and the topology, never restarted, produces results again.
 */
class BrokerStopFaultIT {
  private static final Duration OUTAGE = Duration.ofSeconds(Long.getLong("faults.outage.seconds", 60));
  private static final int CLIENTS = 2;
  private static final int SPANS_PER_REQUEST = 10;
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @RegisterExtension
  static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  @TempDir
  Path stateDir;

  @Test
  void retryingClientsLoseNothingAndTheTopologyRecoversWithoutARestart() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(KAFKA.broker().canStop(), "needs a broker the test can stop");
    KAFKA.createTopics(3, "outage_spans");
    Map<String, String> bridgeSettings = new HashMap<>(Map.of("kafka.bootstrap.servers", KAFKA.bootstrapServers(),
        "topic.spans", "outage_spans", "bridge.grpc.port", "0", "bridge.http.port", "0", "bridge.admin.port", "0",
        "bridge.kafka.ack.timeout", "2s", "bridge.retry.after", "1s", "bridge.kafka.health.interval", "200ms"));
    Map<String, String> topologySettings = new HashMap<>(Map.of("kafka.bootstrap.servers", KAFKA.bootstrapServers(),
        "topic.spans", "outage_spans", "topic.span-metrics", "outage_span_metrics", "topic.dlq", "outage_dlq",
        "topic.traces", "outage_traces", "topic.trace-metrics", "outage_trace_metrics", "topic.edges", "outage_edges",
        "topology.application.id", "outage-fault", "topology.state.dir", stateDir.toString(), "topology.admin.port", "0"));
    topologySettings.putAll(Map.of("topology.window", "5s", "topology.grace", "5s", "topology.idle.close", "2s"));
    long started = System.nanoTime();

    try (Bridge bridge = Bridge.start(BridgeConfig.from(Settings.of(bridgeSettings)));
        TopologyApp topology = TopologyApp.start(TopologyConfig.from(Settings.of(topologySettings)))) {
      Await.until(Duration.ofSeconds(60), "the topology to be ready", () -> get(topology.adminPort(), "/health/ready") == 200);
      Clients clients = new Clients(bridge.httpPort());
      clients.start();
      Await.until(Duration.ofSeconds(30), "some spans acknowledged", () -> clients.acknowledged.get() >= 1_000);

      // When the broker stops for 60 s under load
      KAFKA.broker().stop();
      long stopped = System.nanoTime();
      Await.until(Duration.ofSeconds(30), "the bridge to refuse with 503", () -> clients.refused.get() > 0);
      int acknowledgedBefore = clients.acknowledged.get();
      Await.until(OUTAGE.plusSeconds(10), "the outage to last " + OUTAGE.toSeconds() + " s",
          () -> System.nanoTime() - stopped >= OUTAGE.toNanos());
      int acknowledgedDuring = clients.acknowledged.get() - acknowledgedBefore;
      KAFKA.broker().start();
      long back = System.nanoTime();
      long backWallMs = System.currentTimeMillis();

      // Then the clients' retries get through, and new spans flow
      int target = clients.acknowledged.get() + 2_000;
      Await.until(Duration.ofSeconds(90), "2000 more spans acknowledged after the broker returned",
          () -> clients.acknowledged.get() >= target);
      double bridgeRecovery = clients.firstAckAfter(back);
      clients.stop();
      assertThat(clients.failures).as("client errors other than 503 / connection").isEmpty();

      int sent = clients.sent.get();
      List<ConsumerRecord<String, byte[]>> records = TopicReader.readUntil(KAFKA.bootstrapServers(), "outage_spans",
          Duration.ofSeconds(60), r -> distinct(r).size() >= sent);
      Map<Long, Integer> copies = copies(records);
      long duplicated = copies.values().stream().filter(n -> n > 1).count();
      assertThat(clients.acknowledged.get()).as("acknowledged").isEqualTo(sent);
      assertThat(copies.keySet()).as("distinct spans consumed").hasSize(sent);
      assertThat(copies.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey))
          .as("a span stored twice must have been sent twice (a retry after a lost acknowledgement)")
          .allMatch(clients.retried::contains);
      assertThat(acknowledgedDuring).as("spans acknowledged while the broker was down").isZero();

      // And the topology, never restarted, closes a window that began after the broker came back
      List<ConsumerRecord<String, byte[]>> results = TopicReader.readUntil(KAFKA.bootstrapServers(),
          "outage_span_metrics", Duration.ofSeconds(90), r -> r.stream().anyMatch(x ->
              StreamTopology.WINDOW_RESULT.deserializer().deserialize("", x.value()).windowStart() >= backWallMs));
      double topologyRecovery = (System.nanoTime() - back) / 1e9;
      assertThat(results).isNotEmpty();
      Await.until(Duration.ofSeconds(60), "the topology to report ready", () -> get(topology.adminPort(), "/health/ready") == 200);
      long windowed = results.stream().mapToLong(r -> StreamTopology.WINDOW_RESULT.deserializer().deserialize("", r.value()).count()).sum();

      ReliabilityReport.write("broker-stop", String.format("""
          | faults injected | spans sent | acknowledged | consumed (distinct) | lost | stored twice | 503 answers | first ack after broker start (s) | first window result after broker start (s) | spans in closed windows | test duration (s) |
          | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
          | broker stopped %d s under load (%d clients) | %d | %d | %d | %d | %d | %d | %.1f | %.1f | %d | %.0f |
          """, OUTAGE.toSeconds(), CLIENTS, sent, clients.acknowledged.get(), copies.size(), sent - copies.size(),
          duplicated, clients.refused.get(), bridgeRecovery, topologyRecovery, windowed, (System.nanoTime() - started) / 1e9));
    }
  }

  /** Clients that send numbered spans over OTLP/HTTP and retry a request until it gets 200, honoring Retry-After. */
  private static final class Clients {
    final AtomicInteger sent = new AtomicInteger();
    final AtomicInteger acknowledged = new AtomicInteger();
    final AtomicInteger refused = new AtomicInteger();
    final Set<Long> retried = ConcurrentHashMap.newKeySet();
    final List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    final List<Long> ackTimes = java.util.Collections.synchronizedList(new ArrayList<>());
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicInteger next = new AtomicInteger();
    private final List<Thread> threads = new ArrayList<>();
    private final int port;

    Clients(int port) {
      this.port = port;
    }

    void start() {
      for (int c = 0; c < CLIENTS; c++) {
        Thread t = new Thread(this::run, "otlp-client-" + c);
        threads.add(t);
        t.start();
      }
    }

    void stop() throws InterruptedException {
      stop.set(true);
      for (Thread t : threads) {
        t.join(30_000);
      }
    }

    double firstAckAfter(long nanos) {
      synchronized (ackTimes) {
        return ackTimes.stream().filter(t -> t >= nanos).mapToLong(t -> t - nanos).min().orElse(-1) / 1e9;
      }
    }

    private void run() {
      while (!stop.get()) {
        int first = next.getAndAdd(SPANS_PER_REQUEST);
        byte[] body = request(first).toByteArray();
        sent.addAndGet(SPANS_PER_REQUEST);
        boolean retry = false;
        while (true) {
          if (retry) {
            for (int i = 0; i < SPANS_PER_REQUEST; i++) {
              retried.add((long) first + i);
            }
          }
          long delayMs = 200;
          try {
            HttpResponse<Void> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/traces"))
                .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/x-protobuf")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.discarding());
            if (response.statusCode() == 200) {
              acknowledged.addAndGet(SPANS_PER_REQUEST);
              ackTimes.add(System.nanoTime());
              break;
            }
            if (response.statusCode() != 503 && response.statusCode() != 429) {
              failures.add("HTTP " + response.statusCode());
              break;
            }
            refused.incrementAndGet();
            delayMs = 1000L * response.headers().firstValue("Retry-After").map(Long::parseLong).orElse(1L);
          } catch (java.io.IOException e) {
            // connection trouble is retryable too
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
          retry = true;
          LockSupport.parkNanos(Duration.ofMillis(delayMs).toNanos());
        }
        LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
      }
    }
  }

  /** Spans first .. first+9, each a one-span trace ending now, of service "outage". */
  private static ExportTraceServiceRequest request(int first) {
    long endNanos = System.currentTimeMillis() * 1_000_000L;
    ScopeSpans.Builder scope = ScopeSpans.newBuilder();
    for (int i = first; i < first + SPANS_PER_REQUEST; i++) {
      scope.addSpans(Span.newBuilder()
          .setTraceId(ByteString.copyFrom(ByteBuffer.allocate(16).putLong(0x0D0L).putLong(i).array()))
          .setSpanId(ByteString.copyFrom(ByteBuffer.allocate(8).putLong(i + 1L).array()))
          .setName("op-" + i % 3).setKind(Span.SpanKind.SPAN_KIND_SERVER)
          .setStartTimeUnixNano(endNanos - 1_000_000).setEndTimeUnixNano(endNanos));
    }
    return ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder().addAttributes(KeyValue.newBuilder().setKey("service.name")
            .setValue(AnyValue.newBuilder().setStringValue("outage"))))
        .addScopeSpans(scope)).build();
  }

  private static Map<Long, Integer> copies(List<ConsumerRecord<String, byte[]>> records) {
    Map<Long, Integer> copies = new HashMap<>();
    for (ConsumerRecord<String, byte[]> record : records) {
      try {
        ExportTraceServiceRequest value = ExportTraceServiceRequest.parseFrom(record.value());
        value.getResourceSpansList().forEach(rs -> rs.getScopeSpansList().forEach(ss -> ss.getSpansList().forEach(
            span -> copies.merge(span.getTraceId().asReadOnlyByteBuffer().getLong(8), 1, Integer::sum))));
      } catch (com.google.protobuf.InvalidProtocolBufferException e) {
        throw new AssertionError(e);
      }
    }
    return copies;
  }

  private static Set<Long> distinct(List<ConsumerRecord<String, byte[]>> records) {
    return copies(records).keySet();
  }

  private static int get(int port, String path) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (Exception e) {
      return 0;
    }
  }
}
