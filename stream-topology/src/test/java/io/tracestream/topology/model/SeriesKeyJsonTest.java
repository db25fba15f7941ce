package io.tracestream.topology.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The keys of tracestream.span-metrics and tracestream.trace-metrics, before and with dimensions. */
class SeriesKeyJsonTest {
  private static final JsonSerde<SeriesKey> SERIES = JsonSerde.of(SeriesKey.class);
  private static final JsonSerde<TraceSeriesKey> TRACE_SERIES = JsonSerde.of(TraceSeriesKey.class);

  private static String json(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  @Test
  void aKeyWithoutDimensionsIsWrittenAsBeforeAndAnOldKeyIsReadWithNone() {
    SeriesKey key = new SeriesKey("checkout", "GET /cart", "SPAN_KIND_SERVER", "STATUS_CODE_UNSET");
    String old = "{\"service\":\"checkout\",\"operation\":\"GET /cart\",\"kind\":\"SPAN_KIND_SERVER\","
        + "\"status\":\"STATUS_CODE_UNSET\"}";

    assertThat(json(SERIES.toBytes(key))).isEqualTo(old.replace("}", ",\"error\":false}"));
    assertThat(SERIES.fromBytes(old.getBytes(StandardCharsets.UTF_8))).isEqualTo(key);
    assertThat(json(TRACE_SERIES.toBytes(new TraceSeriesKey("frontend", "GET /"))))
        .isEqualTo("{\"rootService\":\"frontend\",\"rootOperation\":\"GET /\"}");
  }

  @Test
  void dimensionsAreAnObjectSortedByName() {
    SeriesKey key = new SeriesKey("quotes", "q", "SPAN_KIND_SERVER", "STATUS_CODE_UNSET",
        Map.of("symbol", "AAPL", "deployment.environment.name", "prod"));

    String json = json(SERIES.toBytes(key));

    assertThat(json).contains(",\"dimensions\":{\"deployment.environment.name\":\"prod\",\"symbol\":\"AAPL\"}");
    assertThat(SERIES.fromBytes(json.getBytes(StandardCharsets.UTF_8))).isEqualTo(key);
    TraceSeriesKey trace = new TraceSeriesKey("ingestion", "ingest", Map.of("symbol", "AAPL"));
    assertThat(TRACE_SERIES.fromBytes(TRACE_SERIES.toBytes(trace))).isEqualTo(trace);
  }
}
