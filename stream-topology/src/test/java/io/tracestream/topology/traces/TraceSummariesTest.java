package io.tracestream.topology.traces;

import static io.tracestream.topology.traces.Spans.client;
import static io.tracestream.topology.traces.Spans.internal;
import static io.tracestream.topology.traces.Spans.server;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class TraceSummariesTest {

  static TraceSummary summary(Spans... spans) {
    return TraceSummaries.of(Arrays.stream(spans).map(Spans::build).toList());
  }

  @Test void rootSpanGivesTheRootServiceAndOperation() {
    TraceSummary summary = summary(
        client("b").parent("a").service("web").name("GET /api"),
        server("a").service("web").name("GET /checkout"),
        server("c").parent("b").service("api").name("GET /api"));

    assertThat(summary.rootService()).isEqualTo("web");
    assertThat(summary.rootOperation()).isEqualTo("GET /checkout");
    assertThat(summary.rootMissing()).isFalse();
    assertThat(summary.traceId()).isEqualTo(Spans.TRACE);
  }

  @Test void durationRunsFromTheEarliestStartToTheLatestEndEvenPastTheRoot() {
    TraceSummary summary = summary(
        server("a").service("web").time(1_000, 5_000),
        internal("b").parent("a").service("web").time(4_000, 9_000)); // async work outlives the response

    assertThat(summary.startNanos()).isEqualTo(1_000);
    assertThat(summary.durationNanos()).isEqualTo(8_000);
  }

  @Test void traceIsAnErrorWhenAnySpanFailed() {
    TraceSummary summary = summary(server("a").service("web"), client("b").parent("a").service("web").error());

    assertThat(summary.error()).isTrue();
  }

  @Test void traceIsNoErrorWhenNoSpanFailed() {
    TraceSummary summary = summary(server("a").service("web"), client("b").parent("a").service("web"));

    assertThat(summary.error()).isFalse();
  }

  @Test void servicesAreSortedWithoutDuplicates() {
    TraceSummary summary = summary(
        server("a").service("web"), client("b").parent("a").service("web"),
        server("c").parent("b").service("api"), client("d").parent("c").service("api"),
        server("e").parent("d").service("auth"));

    assertThat(summary.services()).containsExactly("api", "auth", "web");
    assertThat(summary.spanCount()).isEqualTo(5);
  }

  @Test void missingRootIsFlaggedAndTheEarliestStartingSpanStandsIn() {
    TraceSummary summary = summary(
        server("c").parent("lost").service("api").name("late").time(3_000, 4_000),
        server("b").parent("lost").service("auth").name("early").time(2_000, 5_000));

    assertThat(summary.rootMissing()).isTrue();
    assertThat(summary.rootService()).isEqualTo("auth");
    assertThat(summary.rootOperation()).isEqualTo("early");
  }

  @Test void ofSeveralRootsTheEarliestStartingIsTheRoot() {
    TraceSummary summary = summary(
        server("a").service("second").time(2_000, 3_000),
        server("b").service("first").time(1_000, 3_000));

    assertThat(summary.rootService()).isEqualTo("first");
    assertThat(summary.rootMissing()).isFalse();
  }

  @Test void emptyTraceIsRejected() {
    assertThatThrownBy(() -> TraceSummaries.of(List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("spans is empty");
  }
}
