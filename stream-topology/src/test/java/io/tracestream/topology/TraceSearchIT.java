package io.tracestream.topology;

import static io.tracestream.topology.SearchShop.traceIds;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.tracestream.config.Settings;
import io.tracestream.testkit.Await;
import io.tracestream.testkit.KafkaBrokerExtension;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /api/traces} on two topology instances sharing the {@link SearchShop} traces' partitions on a
 * real broker: either instance answers every search exactly, reading its own partitions and asking the other
 * for the rest.
 */
class TraceSearchIT {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String APP = "trace-search-it";
  private static final String SPANS = "search_spans";
  private static final int PARTITIONS = 4;

  @RegisterExtension
  static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  @TempDir
  Path stateDir;

  @Test
  void eitherInstanceFindsExactlyTheTracesEachSearchAsksFor() throws Exception {
    KAFKA.createTopics(PARTITIONS, SPANS);
    try (TopologyApp first = TopologyApp.start(config("a")); TopologyApp second = TopologyApp.start(config("b"))) {
      // Given both instances own partitions, and each owns one that holds some of the shop's traces
      Await.until(Duration.ofSeconds(60), "two group members, each with partitions", () -> owners().size() == 2);
      Set<Integer> tracePartitions = new HashSet<>();
      for (String traceId : SearchShop.traceIds(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)) {
        tracePartitions.add(Utils.toPositive(Utils.murmur2(traceId.getBytes(StandardCharsets.UTF_8))) % PARTITIONS);
      }
      for (Set<Integer> owned : owners()) {
        assertThat(owned).as("partitions of one instance").containsAnyElementsOf(tracePartitions);
      }

      // When the services' batches of the shop's twelve traces arrive, leaves first, roots last
      long base = System.currentTimeMillis() - Duration.ofMinutes(2).toMillis();
      send(SearchShop.records(base));
      Await.until(Duration.ofSeconds(120), "the twelve traces completed, on the first instance's search",
          () -> total(first, "service=gateway") == 11 && total(first, "service=fulfil&error=true") == 2);

      // Then either instance answers each search exactly, newest start first
      for (TopologyApp app : List.of(first, second)) {
        assertThat(ids(search(app, "service=gateway"))).isEqualTo(traceIds(12, 11, 10, 9, 8, 6, 5, 4, 3, 2, 1));
        assertThat(ids(search(app, "service=payments"))).isEqualTo(traceIds(11, 9, 7, 6, 3, 1));
        assertThat(ids(search(app, "service=gateway&operation=" + encode("POST /checkout"))))
            .isEqualTo(traceIds(11, 9, 6, 3, 1));
        assertThat(ids(search(app, "service=gateway&minDuration=500ms"))).isEqualTo(traceIds(12, 9, 5, 3));
        assertThat(ids(search(app, "service=gateway&minDuration=100000us&maxDuration=1s")))
            .isEqualTo(traceIds(12, 6, 3, 1));
        assertThat(ids(search(app, "service=gateway&error=true"))).isEqualTo(traceIds(10, 8, 3));
        assertThat(ids(search(app, "service=fulfil&error=true"))).isEqualTo(traceIds(7, 3));
        // traces 3, 4 and 6 end in [base + 1.6 s, base + 2.7 s]; 5 starts in it but ends after
        assertThat(ids(search(app, "service=gateway&start=" + (base + 1600) * 1000 + "&end=" + (base + 2700) * 1000)))
            .isEqualTo(traceIds(6, 4, 3));

        JsonNode limited = search(app, "service=gateway&limit=3");
        assertThat(ids(limited)).isEqualTo(traceIds(12, 11, 10));
        assertThat(limited.path("total").asInt()).isEqualTo(11);
        assertThat(limited.path("limit").asInt()).isEqualTo(3);
        assertThat(limited.path("errors").isNull()).isTrue();
        JsonNode reship = search(app, "service=fulfil&operation=reship").path("data").path(0);
        assertThat(reship.path("rootService").asText()).isEqualTo("fulfil");
        assertThat(reship.path("durationNanos").asLong()).isEqualTo(3_000_000_000L);
        assertThat(reship.path("services").toString()).isEqualTo("[\"fulfil\",\"payments\"]");
        assertThat(reship.path("error").asBoolean()).isTrue();

        JsonNode none = search(app, "service=nobody");
        assertThat(none.path("data").isArray()).isTrue();
        assertThat(none.path("data")).isEmpty();
        assertThat(none.path("total").asInt()).isZero();
      }

      // And a bad parameter is answered 400 naming it
      assertThat(badRequest(first, "operation=x")).startsWith("service:");
      assertThat(badRequest(first, "service=gateway&minDuration=5")).startsWith("minDuration:");
      assertThat(badRequest(second, "service=gateway&limit=0")).startsWith("limit:");
      assertThat(badRequest(second, "service=gateway&start=yesterday")).startsWith("start:");
    }
  }

  /** For each group member, the partitions of the spans topic it owns (empty list while it owns none). */
  private static List<Set<Integer>> owners() {
    try {
      ConsumerGroupDescription group = KAFKA.admin().describeConsumerGroups(List.of(APP)).all().get().get(APP);
      List<Set<Integer>> owners = new ArrayList<>();
      for (MemberDescription member : group.members()) {
        Set<Integer> owned = new HashSet<>();
        for (TopicPartition tp : member.assignment().topicPartitions()) {
          if (tp.topic().equals(SPANS)) {
            owned.add(tp.partition());
          }
        }
        if (!owned.isEmpty()) {
          owners.add(owned);
        }
      }
      return owners;
    } catch (Exception e) {
      return List.of();
    }
  }

  private static void send(List<Map.Entry<String, ExportTraceServiceRequest>> records) {
    Map<String, Object> props = new HashMap<>(KAFKA.clientProperties());
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(),
        new ByteArraySerializer())) {
      for (Map.Entry<String, ExportTraceServiceRequest> record : records) {
        producer.send(new ProducerRecord<>(SPANS, record.getKey().getBytes(StandardCharsets.UTF_8),
            record.getValue().toByteArray()));
      }
      producer.flush();
    }
  }

  private TopologyConfig config(String instance) {
    // The shop's spans span 5.4 s of event time and arrive out of order: a trace idle gap longer than that
    // keeps each trace whole.
    Map<String, String> settings = new HashMap<>(Map.of("kafka.bootstrap.servers", KAFKA.bootstrapServers(),
        "topic.spans", SPANS, "topology.application.id", APP, "topology.window", "10s", "topology.grace", "15s",
        "topology.idle.close", "5s", "topology.trace.idle", "8s", "topology.admin.port", "0",
        "topology.state.dir", stateDir.resolve(instance).toString(), "kafka.commit.interval.ms", "200"));
    settings.putAll(Map.of("topic.span-metrics", "search_span_metrics", "topic.dlq", "search_dlq",
        "topic.traces", "search_traces", "topic.trace-metrics", "search_trace_metrics", "topic.edges", "search_edges"));
    return TopologyConfig.from(Settings.of(settings));
  }

  /** The answer's total; -1 while the instance answers otherwise than 200 (partitions moving). */
  private static int total(TopologyApp app, String query) {
    HttpResponse<String> response = get(app, query);
    try {
      return response.statusCode() == 200 ? JSON.readTree(response.body()).path("total").asInt() : -1;
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static JsonNode search(TopologyApp app, String query) throws Exception {
    HttpResponse<String> response = get(app, query);
    assertThat(response.statusCode()).as(query + ": " + response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  private static String badRequest(TopologyApp app, String query) throws Exception {
    HttpResponse<String> response = get(app, query);
    assertThat(response.statusCode()).as(query + ": " + response.body()).isEqualTo(400);
    return JSON.readTree(response.body()).path("errors").path(0).path("msg").asText();
  }

  private static HttpResponse<String> get(TopologyApp app, String query) {
    try {
      URI uri = URI.create("http://127.0.0.1:" + app.adminPort() + "/api/traces?" + query);
      return HTTP.send(HttpRequest.newBuilder(uri)
          .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static List<String> ids(JsonNode answer) {
    List<String> ids = new ArrayList<>();
    answer.path("data").forEach(trace -> ids.add(trace.path("traceId").asText()));
    return ids;
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
