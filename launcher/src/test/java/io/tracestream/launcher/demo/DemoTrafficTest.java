package io.tracestream.launcher.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The shapes of the demo's traces that the seeds' services send (issue 19). */
class DemoTrafficTest {
  private static final Instant T = Instant.parse("2025-01-06T10:00:00Z");
  private static final AttributeKey<String> SERVICE = AttributeKey.stringKey("service.name");

  private final List<SpanData> spans = new ArrayList<>();
  private final DemoTraffic demo = new DemoTraffic(() -> SimpleSpanProcessor.create(new Collector()), 1,
      DemoTraffic.Incidents.DEFAULT, Clock.systemUTC());

  @AfterEach
  void close() {
    demo.close();
  }

  @Test
  void processorContinuesTheProducersContextFromTheHeadersWithAnInternalProcessMessageSpan() {
    demo.marketData(T);

    SpanData process = only("processor", "process_message");
    SpanData producer = only("ingestion", "ticks.raw publish");
    assertThat(producer.getKind()).isEqualTo(SpanKind.PRODUCER);
    assertThat(process.getKind()).isEqualTo(SpanKind.INTERNAL);
    assertThat(process.getParentSpanId()).isEqualTo(producer.getSpanId());
    assertThat(process.getAttributes().get(DemoTraffic.DESTINATION)).isEqualTo("ticks.raw");
    assertThat(process.getAttributes().get(DemoTraffic.HTTP_STATUS)).as("no HTTP status on a message").isNull();
    assertThat(of("processor")).extracting(SpanData::getKind).doesNotContain(SpanKind.CONSUMER);
    // storage stays the instrumented form: a CONSUMER span under processor's PRODUCER span
    SpanData store = only("storage", "ticks.enriched process");
    assertThat(store.getKind()).isEqualTo(SpanKind.CONSUMER);
    assertThat(store.getParentSpanId()).isEqualTo(only("processor", "ticks.enriched publish").getSpanId());
  }

  @Test
  void theQuoteClientNestsInternalApiRequestSpansAndExecutionServesTheInnerOnes() {
    for (int i = 0; i < 100; i++) {
      demo.quotes(T.plusSeconds(i));
    }

    Map<String, SpanData> byId = spans.stream().collect(Collectors.toMap(SpanData::getSpanId, s -> s));
    List<SpanData> served = spans.stream().filter(s -> s.getName().equals("GET /quotes")).toList();
    assertThat(of("market-maker")).extracting(SpanData::getKind).containsOnly(SpanKind.INTERNAL);
    assertThat(served).as("some attempts retried").hasSizeGreaterThan(100)
        .allSatisfy(server -> {
          assertThat(server.getKind()).isEqualTo(SpanKind.SERVER);
          SpanData inner = byId.get(server.getParentSpanId());
          assertThat(inner.getName()).isEqualTo("api_request");
          assertThat(service(inner)).isEqualTo("market-maker");
          assertThat(inner.getAttributes().get(DemoTraffic.OLD_HTTP_URL))
              .isEqualTo("http://execution.demo:8080/quotes");
          SpanData outer = byId.get(inner.getParentSpanId());
          assertThat(outer.getName()).isEqualTo("api_request");
          assertThat(outer.getParentSpanContext().isValid()).as("the outer call is the root").isFalse();
        });
  }

  @Test
  void portfolioIntelligenceSendsATenthOfItsTracesEachSpanCarryingTheThreshold() {
    int traces = 3000;
    for (int i = 0; i < traces; i++) {
      demo.portfolio(T.plusMillis(i));
    }
    demo.trade(T);
    String trade = only("trading-bot", "POST /api/trade").getTraceId();

    Map<String, List<SpanData>> sampled = spans.stream().filter(s -> !s.getTraceId().equals(trade))
        .collect(Collectors.groupingBy(SpanData::getTraceId));
    // random trace ids: 300 expected, 16.4 standard deviations; 5 of them either side
    assertThat(sampled).hasSizeBetween(218, 382);
    long threshold = Long.parseUnsignedLong("e6666666666666", 16);
    sampled.forEach((traceId, trace) -> {
      assertThat(Long.parseUnsignedLong(traceId.substring(18), 16)).isGreaterThanOrEqualTo(threshold);
      assertThat(trace).extracting(DemoTrafficTest::service)
          .contains("portfolio-intelligence", "position-monitor", "clm");
      assertThat(trace).allSatisfy(s -> assertThat(s.getSpanContext().getTraceState().get("ot"))
          .isEqualTo("th:e6666666666666"));
    });
    assertThat(spans).filteredOn(s -> s.getTraceId().equals(trade)).isNotEmpty()
        .allSatisfy(s -> assertThat(s.getSpanContext().getTraceState().isEmpty()).as("unsampled flow").isTrue());
  }

  private SpanData only(String service, String name) {
    List<SpanData> found = of(service).stream().filter(s -> s.getName().equals(name)).toList();
    assertThat(found).as(service + " " + name).hasSize(1);
    return found.get(0);
  }

  private List<SpanData> of(String service) {
    return spans.stream().filter(s -> service(s).equals(service)).toList();
  }

  private static String service(SpanData span) {
    return span.getResource().getAttribute(SERVICE);
  }

  private final class Collector implements SpanExporter {
    @Override
    public CompletableResultCode export(Collection<SpanData> batch) {
      synchronized (spans) {
        spans.addAll(batch);
      }
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode flush() {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
      return CompletableResultCode.ofSuccess();
    }
  }
}
