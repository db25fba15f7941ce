package io.tracestream.topology;

import static io.tracestream.topology.TopologyFixture.span;
import static io.tracestream.topology.TopologyFixture.spanId;
import static io.tracestream.topology.TopologyFixture.traceId;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.tracestream.span.TraceIds;
import io.tracestream.topology.model.EdgeKey;
import io.tracestream.topology.model.EdgeWindowResult;
import io.tracestream.topology.model.SeriesKey;
import io.tracestream.topology.model.TraceSeriesKey;
import io.tracestream.topology.model.WindowResult;
import io.tracestream.topology.traces.AdjustedCount;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sampled spans count as the traffic they stand for, in every output: span metrics (calls, errors, histogram,
 * sketch count), whole-trace metrics and dependency edges; one test per way a sampler says so.
 */
class SampledCountsTopologyTest {
  private static final Span.SpanKind SERVER = Span.SpanKind.SPAN_KIND_SERVER;
  private static final Span.SpanKind CLIENT = Span.SpanKind.SPAN_KIND_CLIENT;
  private static final SeriesKey CHECKOUT = new SeriesKey("frontend", "POST /checkout", "SPAN_KIND_SERVER",
      "STATUS_CODE_UNSET");
  private static final SeriesKey PAY_CALL = new SeriesKey("frontend", "POST /pay", "SPAN_KIND_CLIENT",
      "STATUS_CODE_UNSET");
  private static final SeriesKey PAY_OK = new SeriesKey("payment", "POST /pay", "SPAN_KIND_SERVER",
      "STATUS_CODE_UNSET");
  private static final SeriesKey PAY_FAILED = new SeriesKey("payment", "POST /pay", "SPAN_KIND_SERVER",
      "STATUS_CODE_ERROR");
  private static final EdgeKey USER_FRONTEND = new EdgeKey("user", "frontend", "virtual_node");
  private static final EdgeKey FRONTEND_PAYMENT = new EdgeKey("frontend", "payment", "");
  private static final TraceSeriesKey CHECKOUTS = new TraceSeriesKey("frontend", "POST /checkout");

  @TempDir
  Path stateDir;

  private TopologyFixture topology;
  /** Every span sent, for the counts that depend on each span's rounding. */
  private final List<Span> sent = new ArrayList<>();

  @BeforeEach
  void start() {
    topology = new TopologyFixture(stateDir);
  }

  @AfterEach
  void stop() {
    topology.close();
  }

  /**
   * Checkout {@code id}: frontend's root server span calls payment, which fails when {@code fails}. Each service
   * sends its spans in a record of its own, each span as {@code frontend} or {@code payment} marks it.
   */
  private void checkout(long id, long endMs, boolean fails, UnaryOperator<Span> frontend, UnaryOperator<Span> payment) {
    Span root = frontend.apply(span(id, 0, "POST /checkout", SERVER, false, endMs, 100));
    Span call = frontend.apply(span(id, spanId(root), "POST /pay", CLIENT, false, endMs - 10, 50));
    topology.send("frontend", root, call);
    Span pay = payment.apply(span(id, spanId(call), "POST /pay", SERVER, fails, endMs - 11, 40));
    topology.send("payment", pay);
    sent.addAll(List.of(root, call, pay));
  }

  private static UnaryOperator<Span> traceState(String traceState) {
    return span -> span.toBuilder().setTraceState(traceState).build();
  }

  private static Span withAttribute(Span span, String key, AnyValue value) {
    return span.toBuilder().addAttributes(KeyValue.newBuilder().setKey(key).setValue(value)).build();
  }

  private static AnyValue string(String value) {
    return AnyValue.newBuilder().setStringValue(value).build();
  }

  /** Ten checkouts, the 3rd and 7th failing in payment, all in the first window, which is then closed. */
  private void tenCheckouts(UnaryOperator<Span> frontend, UnaryOperator<Span> payment) {
    for (int i = 1; i <= 10; i++) {
      checkout(i, 2_000L * i, i == 3 || i == 7, frontend, payment);
    }
    closeFirstWindow();
  }

  private void closeFirstWindow() {
    topology.send("clock", span(900_100, 0, "tick", SERVER, false, 100_000, 1));
    topology.send("clock", span(900_120, 0, "tick", SERVER, false, 120_000, 1));
  }

  private Map<SeriesKey, WindowResult> spanMetrics() {
    return topology.results.readKeyValuesToList().stream().filter(kv -> !kv.key.service().equals("clock"))
        .collect(Collectors.toMap(kv -> kv.key, kv -> kv.value));
  }

  private Map<EdgeKey, EdgeWindowResult> edges() {
    return topology.edges.readKeyValuesToList().stream().filter(kv -> !kv.key.server().equals("clock"))
        .collect(Collectors.toMap(kv -> kv.key, kv -> kv.value));
  }

  private WindowResult checkouts() {
    return topology.traceMetrics.readKeyValuesToList().stream().filter(kv -> kv.key.equals(CHECKOUTS))
        .findFirst().orElseThrow().value;
  }

  /** Every output of {@link #tenCheckouts} when every span stands for {@code n}. */
  private void assertEverySpanCountsAs(long n) {
    Map<SeriesKey, WindowResult> spans = spanMetrics();
    assertThat(spans).containsOnlyKeys(CHECKOUT, PAY_CALL, PAY_OK, PAY_FAILED);
    assertThat(spans.get(CHECKOUT).count()).isEqualTo(10 * n);
    assertThat(spans.get(PAY_CALL).count()).isEqualTo(10 * n);
    assertThat(spans.get(PAY_OK).count()).isEqualTo(8 * n);
    assertThat(spans.get(PAY_FAILED).count()).isEqualTo(2 * n);
    assertThat(spans.get(PAY_FAILED).errors()).isEqualTo(2 * n);
    assertThat(spans.get(CHECKOUT).buckets().stream().mapToLong(Long::longValue).sum()).isEqualTo(10 * n);
    assertThat(spans.get(CHECKOUT).sumMs()).as("each 100 ms span n times").isEqualTo(1_000.0 * n);
    Map<EdgeKey, EdgeWindowResult> edges = edges();
    assertThat(edges).containsOnlyKeys(USER_FRONTEND, FRONTEND_PAYMENT);
    assertThat(edges.get(USER_FRONTEND).calls()).isEqualTo(10 * n);
    assertThat(edges.get(USER_FRONTEND).server().count()).isEqualTo(10 * n);
    assertThat(edges.get(FRONTEND_PAYMENT).calls()).isEqualTo(10 * n);
    assertThat(edges.get(FRONTEND_PAYMENT).errors()).isEqualTo(2 * n);
    assertThat(edges.get(FRONTEND_PAYMENT).client().count()).isEqualTo(10 * n);
    WindowResult checkouts = checkouts();
    assertThat(checkouts.count()).isEqualTo(10 * n);
    assertThat(checkouts.errors()).isEqualTo(2 * n);
  }

  @Test
  void aTenPercentThresholdInTheTraceStateCountsEachSpanTenTimes() {
    UnaryOperator<Span> tenPercent = traceState("ot=th:e6666666666666");
    tenCheckouts(tenPercent, tenPercent);

    assertEverySpanCountsAs(10);
    assertThat(topology.metrics.counts.keySet()).noneMatch(k -> k.startsWith("sampling."));
  }

  @Test
  void aTwentyFivePercentThresholdAmongOtherEntriesCountsEachSpanFourTimes() {
    UnaryOperator<Span> quarter = traceState("vendor=abc, ot=rv:0123456789abcd;th:c , other=1");
    tenCheckouts(quarter, quarter);

    assertEverySpanCountsAs(4);
  }

  @Test
  void aThresholdThatIsNoIntegerRatioCountsEachSpanAsItsAdjustedCountRoundedUpOrDown() {
    // th:aa keeps 86 in 256 (1 - 0xaa/0x100): each span stands for 2.977 spans, and counts 2 or 3
    UnaryOperator<Span> third = traceState("ot=th:aa");
    tenCheckouts(third, third);

    double adjusted = 256.0 / 86;
    Map<String, Long> weights = sent.stream().collect(Collectors.toMap(s -> TraceIds.toHex(s.getSpanId()),
        s -> AdjustedCount.weight(adjusted, TraceIds.toHex(s.getTraceId()), TraceIds.toHex(s.getSpanId()))));
    assertThat(weights.values()).allMatch(w -> w == 2 || w == 3).contains(3L);
    long checkoutCalls = weightOf(weights, "POST /checkout");
    long payCalls = weightOf(weights, "POST /pay", CLIENT);
    assertThat(checkoutCalls).isBetween(20L, 30L);
    assertThat(spanMetrics().get(CHECKOUT).count()).isEqualTo(checkoutCalls);
    Map<EdgeKey, EdgeWindowResult> edges = edges();
    assertThat(edges.get(USER_FRONTEND).calls()).as("the root server span's weight").isEqualTo(checkoutCalls);
    assertThat(edges.get(FRONTEND_PAYMENT).calls()).as("the client span's weight").isEqualTo(payCalls);
    assertThat(checkouts().count()).as("the root span's weight").isEqualTo(checkoutCalls);
  }

  private long weightOf(Map<String, Long> weights, String name, Span.SpanKind... kind) {
    return sent.stream().filter(s -> s.getName().equals(name) && (kind.length == 0 || s.getKind() == kind[0]))
        .mapToLong(s -> weights.get(TraceIds.toHex(s.getSpanId()))).sum();
  }

  @Test
  void jaegerProbabilisticTagsOnEachServicesFirstSpanCountEverySpanOfThatServiceInTheRecord() {
    // as Jaeger clients tag the local root only: frontend's client span carries no tag
    UnaryOperator<Span> localRoot = span -> span.getKind() != SERVER ? span
        : withAttribute(withAttribute(span, "sampler.type", string("probabilistic")), "sampler.param",
            AnyValue.newBuilder().setDoubleValue(0.1).build());
    tenCheckouts(localRoot, localRoot);

    assertEverySpanCountsAs(10);
  }

  @Test
  void jaegerTagsCountOnlyInTheirOwnTraceServiceAndRecord() {
    Span root = withAttribute(withAttribute(span(31, 0, "POST /checkout", SERVER, false, 2_000, 100),
        "sampler.type", string("probabilistic")), "sampler.param", string("0.25"));
    Span otherTrace = span(32, 0, "POST /checkout", SERVER, false, 2_000, 100);
    topology.send("frontend", root, otherTrace);
    topology.send("frontend", span(31, spanId(root), "POST /pay", CLIENT, false, 1_990, 50));
    closeFirstWindow();

    Map<SeriesKey, WindowResult> spans = spanMetrics();
    assertThat(spans.get(CHECKOUT).count()).as("4 for the tagged root, 1 for the other trace").isEqualTo(5);
    assertThat(spans.get(PAY_CALL).count()).as("sent in another record").isEqualTo(1);
  }

  @Test
  void theThresholdInTheTraceStateComesBeforeJaegerTags() {
    Span both = withAttribute(withAttribute(traceState("ot=th:c").apply(span(41, 0, "POST /checkout", SERVER,
        false, 2_000, 100)), "sampler.type", string("probabilistic")), "sampler.param", string("0.1"));
    topology.send("frontend", both);
    closeFirstWindow();

    assertThat(spanMetrics().get(CHECKOUT).count()).isEqualTo(4);
  }

  @Test
  void unusableSamplingInformationCountsTheSpanOnceAndIsCounted() {
    topology.send("frontend", traceState("ot=th:xyz").apply(span(51, 0, "POST /checkout", SERVER, false, 2_000, 1)));
    topology.send("frontend", traceState("ot=th:123456789abcdef").apply(
        span(52, 0, "POST /checkout", SERVER, false, 2_010, 1)));
    topology.send("frontend", withAttribute(withAttribute(span(53, 0, "POST /checkout", SERVER, false, 2_020, 1),
        "sampler.type", string("probabilistic")), "sampler.param", AnyValue.newBuilder().setDoubleValue(0).build()));
    topology.send("frontend", traceState("ot=rv:0123456789abcd").apply(
        span(54, 0, "POST /checkout", SERVER, false, 2_030, 1)));
    closeFirstWindow();

    assertThat(spanMetrics().get(CHECKOUT).count()).isEqualTo(4);
    assertThat(topology.metrics.get("sampling.trace_state")).isEqualTo(2);
    assertThat(topology.metrics.get("sampling.jaeger")).isEqualTo(1);
    assertThat(topology.traces.readValuesToList()).extracting(t -> t.traceId()).contains(traceId(51));
  }
}
