package io.tracestream.replay.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.tracestream.testkit.KafkaBrokerExtension;
import io.tracestream.testkit.RealisticSpans;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class TopicRangeSourceIT {
  @RegisterExtension
  static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  @Test
  void theRangeIsReadByRecordTimestampAcrossPartitionsInTimestampOrder() throws Exception {
    // Given ten requests at 10:00:00, 10:00:01, ... spread over three partitions, and one not OTLP
    KAFKA.createTopics(3, "range_spans");
    List<ExportTraceServiceRequest> requests = RealisticSpans.generate(10, 5, 11, Instant.parse("2026-11-03T10:00:00Z"));
    long t0 = Instant.parse("2026-11-03T10:00:00Z").toEpochMilli();
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
        Map.<String, Object>of("bootstrap.servers", KAFKA.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer())) {
      for (int i = 0; i < 10; i++) {
        producer.send(new ProducerRecord<>("range_spans", (9 - i) % 3, t0 + i * 1000L, null, requests.get(i).toByteArray())).get();
        if (i == 4) { // in partition 1, between the requests of 2 s and 5 s
          producer.send(new ProducerRecord<>("range_spans", 1, t0 + 4500L, null, new byte[] {1, 2, 3})).get();
        }
      }
    }

    // When 10:00:03 to 10:00:07 is read
    CollectingSink sink = new CollectingSink();
    TopicRangeSource source = new TopicRangeSource(Map.of("bootstrap.servers", KAFKA.bootstrapServers()), "range_spans",
        Instant.ofEpochMilli(t0 + 3000), Instant.ofEpochMilli(t0 + 7000));
    source.readAll(sink);

    // Then the requests of 3, 4, 5 and 6 s come out in that order, and the bad record is reported
    assertThat(sink.requests).containsExactly(requests.get(3), requests.get(4), requests.get(5), requests.get(6));
    assertThat(sink.bad).hasSize(1);
    assertThat(sink.bad.keySet().iterator().next()).isEqualTo("range_spans-1@1");
    assertThat(source.done()).isEqualTo(source.total()).isEqualTo(5);
  }
}
