package io.tracestream.topology.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tracestream.topology.traces.TraceSummary;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TraceQueryTest {
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-08T01:00:00Z"), ZoneOffset.UTC);
  private static final TraceSummary CHECKOUT = new TraceSummary("ab".repeat(16), "gateway", "POST /checkout", false,
      1_000_000_000L, 250_000_000L, 7, true, List.of("fulfil", "gateway", "payments"), Map.of("region", "eu"));

  @Test
  void durationsAreReadInGoSyntax() {
    assertThat(TraceQuery.durationNanos("d", "500ms")).isEqualTo(500_000_000L);
    assertThat(TraceQuery.durationNanos("d", "1.2s")).isEqualTo(1_200_000_000L);
    assertThat(TraceQuery.durationNanos("d", "100us")).isEqualTo(100_000L);
    assertThat(TraceQuery.durationNanos("d", "100µs")).isEqualTo(100_000L);
    assertThat(TraceQuery.durationNanos("d", "2m30s")).isEqualTo(150_000_000_000L);
    assertThat(TraceQuery.durationNanos("d", ".5h")).isEqualTo(1_800_000_000_000L);
    assertThat(TraceQuery.durationNanos("d", "7ns")).isEqualTo(7L);
    assertThat(TraceQuery.durationNanos("d", "0")).isZero();
  }

  @Test
  void aDurationWithoutUnitOrSignedOrTrailingIsRefusedNamingTheParameter() {
    for (String bad : List.of("5", "-1s", "1x", "ms", "1s ", "1.2.3s", "s1")) {
      assertThatThrownBy(() -> TraceQuery.durationNanos("minDuration", bad)).as(bad)
          .isInstanceOf(QueryApi.BadRequest.class).hasMessageStartingWith("minDuration: a duration such as");
    }
    assertThatThrownBy(() -> TraceQuery.durationNanos("maxDuration", "3000000h"))
        .isInstanceOf(QueryApi.BadRequest.class).hasMessageStartingWith("maxDuration: at most");
  }

  @Test
  void withoutRangeOrLimitTheLastHourAndTwentyTracesAreSearched() {
    TraceQuery query = TraceQuery.parse(Map.of("service", "gateway", "operation", "", "lookback", "1h"), CLOCK);

    assertThat(query.limit()).isEqualTo(20);
    assertThat(query.toMs()).isEqualTo(CLOCK.millis());
    assertThat(query.fromMs()).isEqualTo(CLOCK.millis() - 3_600_000L);
    assertThat(query.operation()).isEmpty();
  }

  @Test
  void eachBadParameterIsNamed() {
    Map<String, String> cases = Map.of(
        "operation=x", "service:",
        "service=a&limit=0", "limit:",
        "service=a&limit=1501", "limit:",
        "service=a&error=yes", "error:",
        "service=a&start=-1", "start:",
        "service=a&start=20&end=10", "start:",
        "service=a&end=soon", "end:",
        "service=a&tags=%7Bnot", "tags:",
        "service=a&minDuration=2s&maxDuration=1s", "maxDuration:");
    cases.forEach((query, name) -> assertThatThrownBy(() -> TraceQuery.parse(params(query), CLOCK)).as(query)
        .isInstanceOf(QueryApi.BadRequest.class).hasMessageStartingWith(name));
  }

  @Test
  void theParametersSentToAnotherInstanceGiveTheSameSearch() {
    TraceQuery query = TraceQuery.parse(params("service=gateway&operation=POST%20%2Fcheckout&minDuration=1.5ms"
        + "&maxDuration=2s&error=false&tags=%7B%22region%22%3A%22eu%20west%22%7D&limit=7"), CLOCK);

    assertThat(TraceQuery.parse(params(query.parameters()), Clock.offset(CLOCK, java.time.Duration.ofHours(5))))
        .isEqualTo(query);
  }

  @Test
  void aServiceMatchesAnySpanAndAnOperationOnlyTheRootInThatService() {
    assertThat(query("service=payments").matches(CHECKOUT)).isTrue();
    assertThat(query("service=search").matches(CHECKOUT)).isFalse();
    assertThat(query("service=gateway&operation=POST%20%2Fcheckout").matches(CHECKOUT)).isTrue();
    assertThat(query("service=payments&operation=POST%20%2Fcheckout").matches(CHECKOUT)).isFalse();
    assertThat(query("service=gateway&operation=GET%20%2F").matches(CHECKOUT)).isFalse();
  }

  @Test
  void durationBoundsAreInclusiveAndErrorAndTagsMatchTheirValues() {
    assertThat(query("service=gateway&minDuration=250ms&maxDuration=250ms").matches(CHECKOUT)).isTrue();
    assertThat(query("service=gateway&minDuration=251ms").matches(CHECKOUT)).isFalse();
    assertThat(query("service=gateway&maxDuration=249999us").matches(CHECKOUT)).isFalse();
    assertThat(query("service=gateway&error=true").matches(CHECKOUT)).isTrue();
    assertThat(query("service=gateway&error=false").matches(CHECKOUT)).isFalse();
    assertThat(query("service=gateway&tags=" + tags("{\"region\":\"eu\",\"error\":\"true\"}")).matches(CHECKOUT))
        .isTrue();
    assertThat(query("service=gateway&tags=" + tags("{\"region\":\"us\"}")).matches(CHECKOUT)).isFalse();
    assertThat(query("service=gateway&tags=" + tags("{\"tenant\":\"eu\"}")).matches(CHECKOUT)).isFalse();
  }

  private static TraceQuery query(String query) {
    return TraceQuery.parse(params(query), CLOCK);
  }

  private static String tags(String json) {
    return java.net.URLEncoder.encode(json, StandardCharsets.UTF_8);
  }

  /** The parameters of a query string, decoded. */
  static Map<String, String> params(String query) {
    Map<String, String> params = new HashMap<>();
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      params.put(pair.substring(0, eq), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
    }
    return params;
  }
}
