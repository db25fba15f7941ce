package io.tracestream.topology.traces;

import static io.tracestream.topology.traces.DependencyLinkerTest.link;
import static io.tracestream.topology.traces.Spans.client;
import static io.tracestream.topology.traces.Spans.consumer;
import static io.tracestream.topology.traces.Spans.internal;
import static io.tracestream.topology.traces.Spans.producer;
import static io.tracestream.topology.traces.Spans.server;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Edges from a parent and a child in two services whose span kinds do not pair (package-info, inferred edges). */
class DependencyLinkerInferenceTest {

  static Edge inferred(String client, String server, String type, long clientNanos, long serverNanos, EdgeRule rule) {
    return new Edge(client, server, type, false, clientNanos, serverNanos, rule);
  }

  @Test void internalChildInAnotherServiceIsAnEdgeWithoutClientLatency() {
    var result = link(
        internal("a").service("gateway").time(0, 900),
        internal("b").parent("a").service("pricing").time(100, 400));

    assertThat(result.edges()).containsExactly(
        inferred("gateway", "pricing", Edge.UNSET, Edge.MISSING_LATENCY, 300, EdgeRule.CROSS_SERVICE_CHILD));
    assertThat(result.unpaired()).isEmpty();
  }

  @Test void internalConsumerUnderAProducerIsAMessagingEdge() {
    var result = link(
        producer("p").service("ingestion").time(0, 50),
        internal("c").parent("p").service("processor").name("process_message").time(100, 400));

    assertThat(result.edges()).containsExactly(
        inferred("ingestion", "processor", Edge.MESSAGING_SYSTEM, 50, 300, EdgeRule.PRODUCER_CHILD));
    assertThat(result.unpaired()).isEmpty();
  }

  @Test void internalConsumerLinkingToAProducerIsAMessagingEdge() {
    var result = link(
        producer("p").service("ingestion").time(0, 50),
        internal("c").service("processor").link("p").time(100, 400));

    assertThat(result.edges()).containsExactly(
        inferred("ingestion", "processor", Edge.MESSAGING_SYSTEM, 50, 300, EdgeRule.PRODUCER_LINK));
    assertThat(result.unpaired()).isEmpty();
  }

  @Test void internalConsumerBothChildOfAndLinkedToOneProducerIsOneMessage() {
    var result = link(
        producer("p").service("ingestion"),
        internal("c").parent("p").service("processor").link("p"));

    assertThat(result.edges()).extracting(Edge::rule).containsExactly(EdgeRule.PRODUCER_CHILD);
  }

  @Test void internalSpanWithMessagingSystemUnderAnotherServicesSpanIsAMessagingEdge() {
    var result = link(
        internal("send").service("ingestion"),
        internal("c").parent("send").service("processor").attr(TraceSpan.MESSAGING_SYSTEM, "kafka"));

    assertThat(result.edges()).containsExactly(inferred("ingestion", "processor", Edge.MESSAGING_SYSTEM,
        Edge.MISSING_LATENCY, 1_000, EdgeRule.CROSS_SERVICE_CHILD));
  }

  @Test void internalStepOfAProducerInItsOwnServiceIsNoConsumer() {
    var result = link(
        producer("p").service("ingestion"),
        internal("serialize").parent("p").service("ingestion"));

    assertThat(result.edges()).isEmpty();
    assertThat(result.unpaired()).containsExactly(Map.entry(UnpairedReason.PRODUCER_WITHOUT_CONSUMER, 1));
  }

  @Test void producerConsumedInTwoServicesIsOneEdgeToEach() {
    var result = link(
        producer("p").service("ingestion"),
        internal("c1").parent("p").service("processor"),
        internal("c2").parent("p").service("storage"));

    assertThat(result.edges()).extracting(Edge::server).containsExactly("processor", "storage");
  }

  @Test void internalSiblingOfAConsumerInItsServiceIsPartOfTheSameMessage() {
    var result = link(
        producer("p").service("ingestion"),
        consumer("c").parent("p").service("processor"),
        internal("i").parent("p").service("processor"));

    assertThat(result.edges()).extracting(Edge::rule).containsExactly(EdgeRule.EXPLICIT);
  }

  @Test void nestedApiRequestSpansOfOneServiceGiveNoEdge() {
    var result = link(
        internal("r1").service("trading-client").name("api_request"),
        internal("r2").parent("r1").service("trading-client").name("api_request"),
        internal("r3").parent("r2").service("trading-client").name("api_request"));

    assertThat(result.edges()).isEmpty();
    assertThat(result.unpaired()).isEmpty();
  }

  @Test void serverUnderNestedApiRequestSpansIsOneEdgeFromTheirService() {
    var result = link(
        internal("r1").service("trading-client").name("api_request"),
        internal("r2").parent("r1").service("trading-client").name("api_request"),
        server("s").parent("r2").service("trading-api"));

    assertThat(result.edges()).containsExactly(inferred("trading-client", "trading-api", Edge.UNSET,
        Edge.MISSING_LATENCY, 1_000, EdgeRule.CROSS_SERVICE_CHILD));
    assertThat(result.unpaired()).isEmpty();
  }

  @Test void internalChildUnderAClientNoServerAnsweredIsTheServerSide() {
    var result = link(
        client("a").service("web").time(0, 900).attr(TraceSpan.PEER_SERVICE, "app-alias"),
        internal("b").parent("a").service("app").time(100, 700));

    assertThat(result.edges()).containsExactly(inferred("web", "app", Edge.UNSET, 900, 600, EdgeRule.CLIENT_CHILD));
    assertThat(result.unpaired()).isEmpty();
  }

  @Test void inferredEdgeFromAClientFailsWhenTheClientFailed() {
    var result = link(client("a").service("web").error(), internal("b").parent("a").service("app"));

    assertThat(result.edges()).singleElement().extracting(Edge::failed).isEqualTo(true);
  }

  @Test void inferredEdgeWithoutClientSpanFailsOnlyWithTheChild() {
    var result = link(server("a").service("web").error(), internal("b").parent("a").service("app"));

    assertThat(result.edges()).filteredOn(e -> e.rule().inferred()).singleElement()
        .extracting(Edge::failed).isEqualTo(false);
  }

  @Test void clientWithAServerChildAndAnInternalChildIsOneEdge() {
    var result = link(
        client("a").service("web"),
        server("b").parent("a").service("app"),
        internal("i").parent("a").service("app"));

    assertThat(result.edges()).containsExactly(DependencyLinkerTest.call("web", "app"));
  }

  @Test void internalSpanOfTheServerSideBetweenClientAndServerIsOneEdge() {
    var result = link(
        client("a").service("web"),
        internal("i").parent("a").service("app"),
        server("b").parent("i").service("app"));

    assertThat(result.edges()).containsExactly(DependencyLinkerTest.call("web", "app"));
    assertThat(result.unpaired()).isEmpty();
  }

  @Test void twoInternalChildrenOfOneClientAreOneCallToTheEarliest() {
    var result = link(
        client("a").service("web").time(0, 900),
        internal("x").parent("a").service("app").time(300, 400),
        internal("y").parent("a").service("app").time(200, 700));

    assertThat(result.edges()).containsExactly(inferred("web", "app", Edge.UNSET, 900, 500, EdgeRule.CLIENT_CHILD));
  }

  @Test void serverBelowAnInferredInternalSpanOfItsServiceIsNotCountedUnpaired() {
    var result = link(
        internal("job").service("batch"),
        internal("step").parent("job").service("app"),
        server("s").parent("step").service("app"));

    assertThat(result.edges()).extracting(Edge::client, Edge::server).containsExactly(
        org.assertj.core.groups.Tuple.tuple("batch", "app"));
    assertThat(result.unpaired()).isEmpty();
  }

  @Test void internalChildWhoseParentIsNotInTheTraceIsNeitherEdgeNorCounted() {
    var result = link(internal("b").parent("lost").service("app"));

    assertThat(result.edges()).isEmpty();
    assertThat(result.unpaired()).isEmpty();
  }

  @Test void serverInACycleOfParentsIsCountedNotInferred() {
    var result = link(
        server("x").parent("y").service("app"),
        internal("y").parent("x").service("web"));

    assertThat(result.unpaired()).containsEntry(UnpairedReason.PARENT_CYCLE, 1);
    assertThat(result.edges()).noneMatch(e -> e.server().equals("app"));
  }

  @Test void ruleTagIsLowercase() {
    assertThat(EdgeRule.CROSS_SERVICE_CHILD.tag()).isEqualTo("cross_service_child");
  }
}
