package io.tracestream.replay.history;

import static org.assertj.core.api.Assertions.assertThat;

import io.tracestream.replay.prompb.Label;
import io.tracestream.replay.prompb.Sample;
import io.tracestream.replay.prompb.TimeSeries;
import io.tracestream.replay.prompb.WriteRequest;
import io.tracestream.topology.model.SeriesKey;
import io.tracestream.topology.model.WindowResult;
import io.tracestream.topology.sketch.LatencySketch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class HistoryBuilderTest {
  private static final SeriesKey CHECKOUT =
      new SeriesKey("checkout", "POST /checkout", "SPAN_KIND_SERVER", "STATUS_CODE_UNSET");

  /** A window of {@code count} spans of 5 ms each. */
  private static HistoryBuilder.Result window(long start, long count) {
    LatencySketch sketch = LatencySketch.create();
    for (int i = 0; i < count; i++) {
      sketch.add(5);
    }
    List<Long> buckets = new ArrayList<>(Collections.nCopies(17, 0L));
    buckets.set(2, count); // 5 ms is in (4, 6]
    WindowResult result = new WindowResult(start, start + 10_000, count, 0, 5.0 * count, 5, 5, 5, 5, buckets,
        Base64.getEncoder().encodeToString(sketch.toBytes()));
    return new HistoryBuilder.Result(start, start + 10_000, "1", x -> x.spanMetrics(CHECKOUT, result));
  }

  private static Map<String, List<Sample>> write(List<HistoryBuilder.Result> results, int batch, List<WriteRequest> sent)
      throws Exception {
    new HistoryBuilder(Duration.ofMinutes(5), Map.of("backfill", "tuesday"), batch).write(results, sent::add);
    return sent.stream().flatMap(r -> r.getTimeseriesList().stream())
        .collect(Collectors.groupingBy(HistoryBuilderTest::name, java.util.TreeMap::new,
            Collectors.flatMapping(ts -> ts.getSamplesList().stream(), Collectors.toList())));
  }

  private static String name(TimeSeries ts) {
    return ts.getLabelsList().stream().map(l -> l.getName() + "=" + l.getValue()).collect(Collectors.joining(","));
  }

  @Test
  void countersAreCumulativeFromZeroAtTheFirstWindowStartAndStampedWithWindowEnds() throws Exception {
    List<WriteRequest> sent = new ArrayList<>();
    // Given two windows given out of order
    Map<String, List<Sample>> series = write(List.of(window(20_000, 3), window(10_000, 2)), 10_000, sent);

    String calls = series.keySet().stream().filter(k -> k.contains("__name__=traces_span_metrics_calls_total"))
        .findFirst().orElseThrow();
    assertThat(series.get(calls)).extracting(Sample::getTimestamp, Sample::getValue)
        .containsExactly(org.assertj.core.api.Assertions.tuple(10_000L, 0.0),
            org.assertj.core.api.Assertions.tuple(20_000L, 2.0),
            org.assertj.core.api.Assertions.tuple(30_000L, 5.0));
    assertThat(calls).contains("backfill=tuesday", "service_name=checkout", "span_name=POST /checkout", "status_code=STATUS_CODE_UNSET");
  }

  @Test
  void quantileGaugesShowTheWindowThatJustClosedWithoutAZero() throws Exception {
    Map<String, List<Sample>> series = write(List.of(window(10_000, 2), window(20_000, 3)), 10_000, new ArrayList<>());

    String p99 = series.keySet().stream()
        .filter(k -> k.contains("__name__=tracestream_span_latency_seconds") && k.contains("quantile=0.99"))
        .findFirst().orElseThrow();
    assertThat(series.get(p99)).extracting(Sample::getTimestamp).containsExactly(20_000L, 30_000L);
    assertThat(series.get(p99).get(0).getValue()).isCloseTo(0.005, org.assertj.core.api.Assertions.within(0.0001));
  }

  @Test
  void labelsAreSortedByNameAndRequestsStayUnderTheBatchSize() throws Exception {
    List<WriteRequest> sent = new ArrayList<>();
    List<HistoryBuilder.Result> windows = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      windows.add(window(i * 10_000L, i));
    }

    write(windows, 1, sent);

    assertThat(sent).hasSize(5); // one per window end: a window end is never split
    assertThat(sent.get(0).getMetadataList()).isNotEmpty();
    assertThat(sent.get(1).getMetadataList()).isEmpty();
    for (WriteRequest request : sent) {
      for (TimeSeries ts : request.getTimeseriesList()) {
        List<String> names = ts.getLabelsList().stream().map(Label::getName).toList();
        assertThat(names).isSorted();
      }
    }
  }
}
