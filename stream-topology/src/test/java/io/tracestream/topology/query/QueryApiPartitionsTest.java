package io.tracestream.topology.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tracestream.admin.AdminServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ?partitions=0,0,0,...} made one 24 h store read per repeat (issue 17). */
class QueryApiPartitionsTest {
  private static final int PARTITIONS = 3;

  @TempDir
  Path stateDir;

  @Test
  void aPartitionNamedSeveralTimesIsReadOnce() {
    assertThat(QueryApi.partitionList("2,0,2", PARTITIONS)).containsExactly(0, 2);
  }

  @Test
  void aListLongerThanThePartitionCountIsRefusedNamingTheLimit() {
    assertThatThrownBy(() -> QueryApi.partitionList("0,0,0,0", PARTITIONS))
        .isInstanceOf(QueryApi.BadRequest.class).hasMessageContaining("at most 3 entries");
    assertThatThrownBy(() -> QueryApi.partitionList("0,".repeat(1_000_000), PARTITIONS))
        .isInstanceOf(QueryApi.BadRequest.class).hasMessageContaining("at most 3 entries");
  }

  @Test
  void aPartitionOutsideTheTopicIsRefused() {
    assertThatThrownBy(() -> QueryApi.partitionList("3", PARTITIONS))
        .isInstanceOf(QueryApi.BadRequest.class).hasMessageContaining("not a partition: '3'");
  }

  @Test
  void theApiAnswers400ForARepeatedListBeforeReadingAStore() throws Exception {
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "query-partitions-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1");
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    StreamsBuilder builder = new StreamsBuilder();
    builder.stream("in").to("out");
    try (KafkaStreams streams = new KafkaStreams(builder.build(), props); // never started: every store read fails
        AdminServer admin = new AdminServer("127.0.0.1", 0, () -> "", () -> true, "")) {
      admin.route("/api/", new QueryApi(streams, new HostInfo("127.0.0.1", admin.port()), "in", "in", PARTITIONS,
          Clock.systemUTC()));
      HttpClient client = HttpClient.newHttpClient();

      HttpResponse<String> repeated = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.port()
          + "/api/dependencies?partitions=0,0,0,0,0,0")).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());

      assertThat(repeated.statusCode()).isEqualTo(400);
      assertThat(repeated.body()).contains("partitions: at most 3 entries");
    }
  }
}
