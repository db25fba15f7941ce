package io.tracestream.topology.traces;

import static io.tracestream.topology.traces.DependencyLinkerTest.link;
import static io.tracestream.topology.traces.Spans.client;
import static io.tracestream.topology.traces.Spans.internal;
import static io.tracestream.topology.traces.Spans.producer;
import static io.tracestream.topology.traces.Spans.server;
import static org.assertj.core.api.Assertions.assertThat;

import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;

/** How many calls an edge of sampled spans stands for. */
class DependencyLinkerSamplingTest {
  private static Spans sampled(Spans span, double adjustedCount) {
    return span.attr(TraceSpan.ADJUSTED_COUNT, Double.toString(adjustedCount));
  }

  @Test void aPairSampledAlikeCountsTheCallersAdjustedCount() {
    var result = link(sampled(client("a").service("web"), 10), sampled(server("b").parent("a").service("app"), 10));

    assertThat(result.edges()).singleElement().extracting(Edge::calls).isEqualTo(10L);
  }

  @Test void aPairWhoseServerWasSampledMoreSparselyCountsTheServersAdjustedCount() {
    // the client kept every call, the server one in ten: the pair is seen for one call in ten
    var result = link(client("a").service("web"), sampled(server("b").parent("a").service("app"), 10));

    assertThat(result.edges()).singleElement().extracting(Edge::calls).isEqualTo(10L);
  }

  @Test void aCallFromTheUserCountsTheRootServerSpansAdjustedCount() {
    var result = link(sampled(server("a").service("web"), 4));

    assertThat(result.edges()).singleElement().extracting(Edge::calls).isEqualTo(4L);
  }

  @Test void aCallToAVirtualNodeCountsTheClientsAdjustedCount() {
    var result = link(sampled(client("a").service("web").attr(TraceSpan.SERVER_ADDRESS, "api.example"), 4));

    assertThat(result.edges()).singleElement().extracting(Edge::calls).isEqualTo(4L);
  }

  @Test void inferredAndMessagingEdgesCountTheLargerAdjustedCountOfTheirPair() {
    var result = link(
        sampled(internal("p").service("ingestion"), 4),
        sampled(producer("q").parent("p").service("ingestion"), 4),
        sampled(internal("c").parent("q").service("processor"), 8),
        sampled(internal("s").parent("c").service("storage"), 2));

    assertThat(result.edges()).extracting(Edge::server, Edge::calls).containsExactlyInAnyOrder(
        Tuple.tuple("processor", 8L), Tuple.tuple("storage", 8L));
  }

  @Test void unsampledSpansCountOnce() {
    var result = link(client("a").service("web"), server("b").parent("a").service("app"));

    assertThat(result.edges()).singleElement().extracting(Edge::calls).isEqualTo(1L);
  }
}
