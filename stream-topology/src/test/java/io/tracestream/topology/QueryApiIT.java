package io.tracestream.topology;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.tracestream.config.Settings;
import io.tracestream.span.TraceIds;
import io.tracestream.testkit.Await;
import io.tracestream.testkit.KafkaBrokerExtension;
import io.tracestream.testkit.TestCertificates;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two topology instances sharing one application id on a real broker: either answers the query API
 * for every partition (forwarding to the owner, over https with client certificates, as their admin
 * ports require mTLS), and when one stops the survivor takes its partitions, restores their stores
 * from the changelogs, and still answers for all traces.
 */
class QueryApiIT {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String APP = "query-it";
  private static final String SPANS = "query_spans";
  private static final int TRACES = 24;
  private static final AtomicLong SPAN_IDS = new AtomicLong(1);

  @RegisterExtension
  static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  @TempDir
  Path stateDir;
  static TestCertificates certs;
  static HttpClient mtls;
  /** Instances whose admin port is https with mTLS. */
  private static final java.util.Set<TopologyApp> TLS = java.util.concurrent.ConcurrentHashMap.newKeySet();

  @org.junit.jupiter.api.BeforeAll
  static void certificates() throws Exception {
    certs = TestCertificates.shared();
    java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", io.tracestream.tls.Pem.certificates("ca", certs.caPem()).get(0));
    javax.net.ssl.TrustManagerFactory tmf =
        javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    var client = io.tracestream.tls.TlsConfig.from(Settings.of(Map.of("c.tls.cert", certs.clientCertPem().toString(),
        "c.tls.key", certs.clientKeyPem().toString())), "c").orElseThrow();
    javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
    context.init(client.keyManagers().getKeyManagers(), tmf.getTrustManagers(), null);
    mtls = HttpClient.newBuilder().sslContext(context).build();
  }

  @Test
  void eitherInstanceAnswersForAllPartitionsAndTheSurvivorStillDoesWhenOneStops() throws Exception {
    KAFKA.createTopics(4, SPANS);
    TopologyApp first = TopologyApp.start(config("a"));
    TopologyApp second = TopologyApp.start(config("b"));
    TLS.add(first);
    TLS.add(second);
    try {
      HttpClient noCertificate = HttpClient.newBuilder().sslContext(certsTrustOnly()).build();
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> noCertificate.send(HttpRequest.newBuilder(
          URI.create("https://127.0.0.1:" + first.adminPort() + "/api/services")).build(), HttpResponse.BodyHandlers.ofString()))
          .as("a client without a certificate").isInstanceOf(java.io.IOException.class);

      // Given both instances own partitions of the spans topic
      Await.until(Duration.ofSeconds(60), "two group members, each with partitions", this::bothOwnPartitions);

      // When traces backend -> execution -> PostgreSQL, spread over all partitions, complete
      List<String> traceIds = sendTrades(Instant.now().minusSeconds(60));
      Map<String, Long> expected = Map.of("user->backend", (long) TRACES, "backend->execution", (long) TRACES,
          "execution->orders", (long) TRACES);
      Await.until(Duration.ofSeconds(150), "every edge window on the first instance's /api/dependencies",
          () -> expected.equals(dependencies(first)));

      // Then the second instance gives the same answer, and either finds any trace, wherever it lives
      assertThat(dependencies(second)).isEqualTo(expected);
      for (String traceId : traceIds) {
        JsonNode answer = get(first, "/api/traces/" + traceId);
        assertThat(answer.path("data").path(0).path("rootService").asText()).as(traceId).isEqualTo("backend");
        assertThat(answer.path("data").path(0).path("spanCount").asInt()).isEqualTo(4);
      }
      assertThat(texts(get(second, "/api/services").path("data"))).containsExactly("backend", "execution");

      // When the second instance stops
      second.close();
      second = null;

      // Then the first takes its partitions and answers for all traces again
      Await.until(Duration.ofSeconds(90), "the survivor's /api/dependencies with every edge",
          () -> expected.equals(dependencies(first)));
      for (String traceId : traceIds) {
        assertThat(get(first, "/api/traces/" + traceId).path("data").path(0).path("traceId").asText()).isEqualTo(traceId);
      }
    } finally {
      if (second != null) {
        second.close();
      }
      first.close();
    }
  }

  @Test
  void badRequestsAndUnknownTracesGetJaegerStyleErrors() throws Exception {
    KAFKA.createTopics(2, "query_errors_spans");
    Map<String, String> settings = new HashMap<>(settings("errors"));
    settings.put("topic.spans", "query_errors_spans");
    settings.put("topology.application.id", "query-errors-it");
    try (TopologyApp app = TopologyApp.start(TopologyConfig.from(Settings.of(settings)))) {
      Await.until(Duration.ofSeconds(60), "the instance running", () -> app.state().isRunningOrRebalancing()
          && status(app, "/api/services") == 200);

      assertThat(status(app, "/api/traces/not-hex")).isEqualTo(400);
      assertThat(status(app, "/api/dependencies?lookback=-5")).isEqualTo(400);
      assertThat(status(app, "/api/nothing")).isEqualTo(404);
      HttpResponse<String> missing = send(app, "/api/traces/" + "ab".repeat(16));
      assertThat(missing.statusCode()).isEqualTo(404);
      assertThat(JSON.readTree(missing.body()).path("errors").path(0).path("code").asInt()).isEqualTo(404);
    }
  }

  private boolean bothOwnPartitions() {
    try {
      ConsumerGroupDescription group = KAFKA.admin().describeConsumerGroups(List.of(APP)).all().get().get(APP);
      List<MemberDescription> members = new ArrayList<>(group.members());
      return members.size() == 2 && members.stream().allMatch(m -> m.assignment().topicPartitions().stream()
          .anyMatch(tp -> tp.topic().equals(SPANS)));
    } catch (Exception e) {
      return false;
    }
  }

  private List<String> sendTrades(Instant base) throws Exception {
    Map<String, Object> props = new HashMap<>(KAFKA.clientProperties());
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    List<String> ids = new ArrayList<>();
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(),
        new ByteArraySerializer())) {
      for (int i = 1; i <= TRACES; i++) {
        ByteString traceId = ByteString.copyFrom(ByteBuffer.allocate(16).putLong(7).putLong(i * 7919L).array());
        long end = base.plusMillis(i * 100L).toEpochMilli() * 1_000_000L;
        Span root = span(traceId, null, "POST /trade", Span.SpanKind.SPAN_KIND_SERVER, end, 300);
        Span call = span(traceId, root, "POST /orders", Span.SpanKind.SPAN_KIND_CLIENT, end - 1_000_000, 200);
        Span orders = span(traceId, call, "POST /orders", Span.SpanKind.SPAN_KIND_SERVER, end - 2_000_000, 190);
        Span insert = span(traceId, orders, "INSERT orders", Span.SpanKind.SPAN_KIND_CLIENT, end - 3_000_000, 5)
            .toBuilder().addAttributes(attribute("db.system", "postgresql")).addAttributes(attribute("db.name", "orders"))
            .build();
        String hex = TraceIds.toHex(traceId);
        byte[] key = hex.getBytes(StandardCharsets.UTF_8);
        producer.send(new ProducerRecord<>(SPANS, key, TopologyFixture.request("backend", root, call).toByteArray()));
        producer.send(new ProducerRecord<>(SPANS, key, TopologyFixture.request("execution", orders, insert).toByteArray()));
        ids.add(hex);
      }
      producer.flush();
    }
    return ids;
  }

  private static Span span(ByteString traceId, Span parent, String name, Span.SpanKind kind, long endNanos, long durationMs) {
    Span.Builder span = Span.newBuilder().setTraceId(traceId)
        .setSpanId(ByteString.copyFrom(ByteBuffer.allocate(8).putLong(SPAN_IDS.getAndIncrement()).array()))
        .setName(name).setKind(kind)
        .setStartTimeUnixNano(endNanos - durationMs * 1_000_000L).setEndTimeUnixNano(endNanos);
    if (parent != null) {
      span.setParentSpanId(parent.getSpanId());
    }
    return span.build();
  }

  private static KeyValue attribute(String key, String value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
  }

  /** Settings of an instance whose admin port and query forwarding use mTLS. */
  private TopologyConfig config(String instance) {
    Map<String, String> settings = settings(instance);
    settings.put("topology.admin.tls.cert", certs.serverCertPem().toString());
    settings.put("topology.admin.tls.key", certs.serverKeyPem().toString());
    settings.put("topology.admin.tls.client.ca", certs.caPem().toString());
    return TopologyConfig.from(Settings.of(settings));
  }

  private static javax.net.ssl.SSLContext certsTrustOnly() throws Exception {
    java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", io.tracestream.tls.Pem.certificates("ca", certs.caPem()).get(0));
    javax.net.ssl.TrustManagerFactory tmf =
        javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
    context.init(null, tmf.getTrustManagers(), null);
    return context;
  }

  private Map<String, String> settings(String instance) {
    // A grace and idle close long enough that the edges of an instance that lags on a loaded machine are
    // not late at the other's edge windows (with 1 s and 2 s they were, and an edge count never came).
    Map<String, String> settings = new HashMap<>(Map.of("kafka.bootstrap.servers", KAFKA.bootstrapServers(),
        "topic.spans", SPANS, "topology.application.id", APP, "topology.window", "10s", "topology.grace", "15s",
        "topology.idle.close", "5s", "topology.trace.idle", "1s", "topology.admin.port", "0",
        "topology.state.dir", stateDir.resolve(instance).toString(), "kafka.commit.interval.ms", "200"));
    settings.putAll(Map.of("topic.span-metrics", "query_span_metrics", "topic.dlq", "query_dlq",
        "topic.traces", "query_traces", "topic.trace-metrics", "query_trace_metrics", "topic.edges", "query_edges"));
    return settings;
  }

  /** "parent->child" to callCount; empty while the instance answers 503 (partitions moving). */
  private static Map<String, Long> dependencies(TopologyApp app) {
    long now = System.currentTimeMillis();
    HttpResponse<String> response = send(app, "/api/dependencies?endTs=" + now + "&lookback=" + Duration.ofHours(1).toMillis());
    Map<String, Long> links = new TreeMap<>();
    if (response.statusCode() != 200) {
      return links;
    }
    try {
      for (JsonNode link : JSON.readTree(response.body()).path("data")) {
        links.put(link.path("parent").asText() + "->" + link.path("child").asText(), link.path("callCount").asLong());
      }
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    return links;
  }

  private static JsonNode get(TopologyApp app, String path) throws Exception {
    HttpResponse<String> response = send(app, path);
    assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  private static int status(TopologyApp app, String path) {
    return send(app, path).statusCode();
  }

  private static HttpResponse<String> send(TopologyApp app, String path) {
    try {
      boolean tls = TLS.contains(app);
      return (tls ? mtls : HTTP).send(HttpRequest.newBuilder(
          URI.create((tls ? "https" : "http") + "://127.0.0.1:" + app.adminPort() + path)).build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static List<String> texts(JsonNode array) {
    List<String> texts = new ArrayList<>();
    array.forEach(n -> texts.add(n.asText()));
    return texts;
  }
}
