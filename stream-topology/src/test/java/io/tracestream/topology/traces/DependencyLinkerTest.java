package io.tracestream.topology.traces;

import static io.tracestream.topology.traces.Spans.client;
import static io.tracestream.topology.traces.Spans.consumer;
import static io.tracestream.topology.traces.Spans.internal;
import static io.tracestream.topology.traces.Spans.producer;
import static io.tracestream.topology.traces.Spans.server;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DependencyLinkerTest {

  static DependencyLinker.Result link(Spans... spans) {
    return DependencyLinker.link(java.util.Arrays.stream(spans).map(Spans::build).toList());
  }

  static Edge call(String client, String server) {
    return new Edge(client, server, Edge.UNSET, false, 1_000, 1_000);
  }

  // --- client / server

  @Test void clientSpanWithServerChildIsAnEdgeFromClientServiceToServerService() {
    var result = link(
        client("a").service("web").time(100, 900),
        server("b").parent("a").service("app").time(200, 700));

    assertThat(result.edges()).containsExactly(new Edge("web", "app", Edge.UNSET, false, 800, 500));
    assertThat(result.unpaired()).isEmpty();
  }

  @Test void edgeFailsWhenOnlyTheClientSpanFailed() {
    var result = link(client("a").service("web").error(), server("b").parent("a").service("app"));

    assertThat(result.edges()).singleElement().extracting(Edge::failed).isEqualTo(true);
  }

  @Test void edgeFailsWhenOnlyTheServerSpanFailed() {
    var result = link(client("a").service("web"), server("b").parent("a").service("app").error());

    assertThat(result.edges()).singleElement().extracting(Edge::failed).isEqualTo(true);
  }

  @Test void internalSpansBetweenClientAndServerDoNotBreakPairing() {
    var result = link(
        client("a").service("web"),
        internal("i1").parent("a").service("web"),
        internal("i2").parent("i1").service("app"),
        server("b").parent("i2").service("app"));

    assertThat(result.edges()).containsExactly(call("web", "app"));
    assertThat(result.unpaired()).isEmpty();
  }

  @Test void localSpansBetweenRemoteOnesLinkEachHop() {
    var result = link(
        server("a").service("web"),
        internal("b").parent("a").service("web"),
        client("c").parent("b").service("web"),
        server("d").parent("c").service("app"),
        internal("e").parent("d").service("app"),
        client("f").parent("e").service("app"),
        server("g").parent("f").service("db-api"));

    assertThat(result.edges()).containsExactlyInAnyOrder(
        new Edge(Edge.USER, "web", Edge.VIRTUAL_NODE, false, Edge.MISSING_LATENCY, 1_000),
        call("web", "app"),
        call("app", "db-api"));
  }

  @Test void clientSpanWithServerChildIsNamedByTheServerNotByPeerService() {
    var result = link(
        client("a").service("web").attr(TraceSpan.PEER_SERVICE, "app-alias").attr(TraceSpan.SERVER_ADDRESS, "10.0.0.7"),
        server("b").parent("a").service("app"));

    assertThat(result.edges()).containsExactly(call("web", "app"));
  }

  @Test void clientSpanAnsweredByTwoServerSpansCountsTwoCalls() {
    var result = link(
        client("a").service("web"),
        server("b").parent("a").service("app").error(),
        server("c").parent("a").service("app"));

    assertThat(result.edges()).extracting(Edge::failed).containsExactly(true, false);
  }

  @Test void callBetweenProcessesOfOneServiceIsAnEdge() {
    var result = link(client("a").service("app"), server("b").parent("a").service("app"));

    assertThat(result.edges()).containsExactly(call("app", "app"));
  }

  @Test void rootServerSpanIsCalledByUser() {
    var result = link(server("a").service("web").time(0, 300));

    assertThat(result.edges()).containsExactly(
        new Edge(Edge.USER, "web", Edge.VIRTUAL_NODE, false, Edge.MISSING_LATENCY, 300));
  }

  @Test void userEdgeFailsWhenTheRootServerSpanFailed() {
    var result = link(server("a").service("web").error());

    assertThat(result.edges()).singleElement().extracting(Edge::failed).isEqualTo(true);
  }

  @Test void serverSpanWhoseParentIsNotInTheTraceIsCountedNotLinked() {
    var result = link(server("b").parent("lost").service("app"));

    assertThat(result.edges()).isEmpty();
    assertThat(result.unpaired()).containsExactly(Map.entry(UnpairedReason.MISSING_PARENT, 1));
  }

  @Test void serverSpanWhoseLocalAncestorHasAMissingParentIsCounted() {
    var result = link(
        internal("i").parent("lost").service("app"),
        server("b").parent("i").service("app"));

    assertThat(result.edges()).isEmpty();
    assertThat(result.unpaired(UnpairedReason.MISSING_PARENT)).isEqualTo(1);
  }

  @Test void unrelatedServerSpansUnderAMissingRootMakeNoEdges() {
    var result = link(
        server("b").parent("a").service("service1"),
        server("c").parent("a").service("service2"));

    assertThat(result.edges()).isEmpty();
    assertThat(result.unpaired(UnpairedReason.MISSING_PARENT)).isEqualTo(2);
  }

  /** As Zipkin (linksRelatedSpansWhenMissingRootSpan): no client span, so no client latency. */
  @Test void serverSpanBelowAServerSpanOfAnotherServiceIsAnInferredEdge() {
    var result = link(
        server("b").parent("a").service("service1"),
        server("c").parent("b").service("service2"));

    assertThat(result.edges()).containsExactly(new Edge("service1", "service2", Edge.UNSET, false,
        Edge.MISSING_LATENCY, 1_000, EdgeRule.CROSS_SERVICE_CHILD));
    assertThat(result.unpaired()).containsExactly(Map.entry(UnpairedReason.MISSING_PARENT, 1));
  }

  @Test void serverSpanBelowAnInternalSpanOfAnotherServiceIsAnInferredEdge() {
    var result = link(internal("job").service("batch"), server("b").parent("job").service("app").error());

    assertThat(result.edges()).containsExactly(new Edge("batch", "app", Edge.UNSET, true,
        Edge.MISSING_LATENCY, 1_000, EdgeRule.CROSS_SERVICE_CHILD));
    assertThat(result.unpaired()).isEmpty();
  }

  @Test void serverSpanBelowOnlyLocalSpansOfItsOwnServiceIsServerWithoutClient() {
    var result = link(internal("job").service("app"), server("b").parent("job").service("app"));

    assertThat(result.edges()).isEmpty();
    assertThat(result.unpaired()).containsExactly(Map.entry(UnpairedReason.SERVER_WITHOUT_CLIENT, 1));
  }

  // --- messaging

  @Test void producerParentOfConsumerIsAMessagingEdge() {
    var result = link(
        producer("p").service("orders").time(0, 50),
        consumer("c").parent("p").service("billing").time(100, 400));

    assertThat(result.edges()).containsExactly(new Edge("orders", "billing", Edge.MESSAGING_SYSTEM, false, 50, 300));
    assertThat(result.unpaired()).isEmpty();
  }

  @Test void consumerLinkingToAProducerOfTheTraceIsAMessagingEdge() {
    var result = link(
        producer("p").service("orders"),
        consumer("c").service("billing").link("p"));

    assertThat(result.edges()).containsExactly(new Edge("orders", "billing", Edge.MESSAGING_SYSTEM, false, 1_000, 1_000));
    assertThat(result.unpaired()).isEmpty();
  }

  @Test void consumerLinkingToASpanOutsideTheGivenSpansIsCounted() {
    var result = link(consumer("c").service("billing").link("ffffffffffffffffffffffffffffffff", "p"));

    assertThat(result.edges()).isEmpty();
    assertThat(result.unpaired()).containsExactly(Map.entry(UnpairedReason.LINKED_PRODUCER_NOT_IN_TRACE, 1));
  }

  @Test void linkWithTheSpanIdOfAProducerButAnotherTraceIdDoesNotPair() {
    var result = link(
        producer("p").service("orders"),
        consumer("c").service("billing").link("ffffffffffffffffffffffffffffffff", "p"));

    assertThat(result.edges()).isEmpty();
    assertThat(result.unpaired()).containsOnly(
        Map.entry(UnpairedReason.LINKED_PRODUCER_NOT_IN_TRACE, 1), Map.entry(UnpairedReason.PRODUCER_WITHOUT_CONSUMER, 1));
  }

  @Test void consumerBothChildOfAndLinkedToOneProducerIsOneMessage() {
    var result = link(
        producer("p").service("orders"),
        consumer("c").parent("p").service("billing").link("p"));

    assertThat(result.edges()).hasSize(1);
  }

  @Test void batchConsumerLinkingTwoProducersIsOneEdgePerProducer() {
    var result = link(
        producer("p1").service("orders"),
        producer("p2").service("refunds"),
        consumer("c").service("billing").link("p1").link("p2"));

    assertThat(result.edges()).extracting(Edge::client).containsExactly("orders", "refunds");
    assertThat(result.unpaired()).isEmpty();
  }

  @Test void linkToANonProducerSpanIsNotAMessage() {
    var result = link(
        server("s").service("orders"),
        consumer("c").service("billing").link("s"));

    assertThat(result.edges()).extracting(Edge::server).containsExactly("orders");
    assertThat(result.unpaired()).containsExactly(Map.entry(UnpairedReason.LINKED_PRODUCER_NOT_IN_TRACE, 1));
  }

  @Test void messagingEdgeFailsWhenTheProducerFailed() {
    var result = link(producer("p").service("orders").error(), consumer("c").parent("p").service("billing"));

    assertThat(result.edges()).singleElement().extracting(Edge::failed).isEqualTo(true);
  }

  @Test void producerWithoutConsumerInTheTraceIsCounted() {
    var result = link(producer("p").service("orders").attr(TraceSpan.MESSAGING_DESTINATION_NAME, "orders"));

    assertThat(result.edges()).isEmpty();
    assertThat(result.unpaired()).containsExactly(Map.entry(UnpairedReason.PRODUCER_WITHOUT_CONSUMER, 1));
  }

  @Test void rootConsumerWithoutLinkIsCountedNotCalledByUser() {
    var result = link(consumer("c").service("billing"));

    assertThat(result.edges()).isEmpty();
    assertThat(result.unpaired()).containsExactly(Map.entry(UnpairedReason.CONSUMER_WITHOUT_PRODUCER, 1));
  }

  @Test void consumerWithMissingParentAndNoLinkIsMissingParent() {
    var result = link(consumer("c").parent("lost").service("billing"));

    assertThat(result.unpaired()).containsExactly(Map.entry(UnpairedReason.MISSING_PARENT, 1));
  }

  @Test void consumerUnderAClientNoServerAnsweredIsItsMessagingServerSide() {
    var result = link(client("a").service("web"), consumer("b").parent("a").service("worker"));

    assertThat(result.edges()).containsExactly(
        new Edge("web", "worker", Edge.MESSAGING_SYSTEM, false, 1_000, 1_000, EdgeRule.CLIENT_CHILD));
    assertThat(result.unpaired()).isEmpty();
  }

  @Test void serverUnderAProducerOfAnotherServiceIsAMessagingEdge() {
    var result = link(producer("a").service("web"), server("b").parent("a").service("app"));

    assertThat(result.edges()).containsExactly(
        new Edge("web", "app", Edge.MESSAGING_SYSTEM, false, 1_000, 1_000, EdgeRule.PRODUCER_CHILD));
    assertThat(result.unpaired()).isEmpty();
  }

  // --- clients nobody answered

  @Test void clientWithoutServerIsAVirtualNodeNamedByPeerService() {
    var result = link(client("a").service("web").time(0, 70).attr(TraceSpan.PEER_SERVICE, "payments"));

    assertThat(result.edges()).containsExactly(
        new Edge("web", "payments", Edge.VIRTUAL_NODE, false, 70, Edge.MISSING_LATENCY));
  }

  @Test void clientWithoutServerIsAVirtualNodeNamedByServerAddress() {
    var result = link(client("a").service("web").attr(TraceSpan.SERVER_ADDRESS, "api.example.com"));

    assertThat(result.edges()).extracting(Edge::server, Edge::connectionType)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("api.example.com", Edge.VIRTUAL_NODE));
  }

  @Test void peerServiceNamesTheVirtualNodeBeforeServerAddress() {
    var result = link(client("a").service("web")
        .attr(TraceSpan.SERVER_ADDRESS, "10.1.2.3").attr(TraceSpan.PEER_SERVICE, "payments"));

    assertThat(result.edges()).extracting(Edge::server).containsExactly("payments");
  }

  @Test void virtualNodeEdgeFailsWhenTheClientFailed() {
    var result = link(client("a").service("web").error().attr(TraceSpan.PEER_SERVICE, "payments"));

    assertThat(result.edges()).singleElement().extracting(Edge::failed).isEqualTo(true);
  }

  @Test void databaseClientIsADatabaseEdgeNamedByDbNameWithTheClientLatencyOnBothSides() {
    var result = link(client("a").service("orders").time(0, 40)
        .attr(TraceSpan.DB_SYSTEM, "postgresql").attr(TraceSpan.DB_NAME, "orders_db")
        .attr(TraceSpan.SERVER_ADDRESS, "pg-1.internal"));

    assertThat(result.edges()).containsExactly(new Edge("orders", "orders_db", Edge.DATABASE, false, 40, 40));
  }

  @Test void databaseClientWithoutDbNameIsNamedByDbNamespace() {
    var result = link(client("a").service("orders")
        .attr(TraceSpan.DB_SYSTEM, "postgresql").attr(TraceSpan.DB_NAMESPACE, "orders_db"));

    assertThat(result.edges()).extracting(Edge::server, Edge::connectionType)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("orders_db", Edge.DATABASE));
  }

  @Test void databaseClientWithOnlyDbSystemIsNamedBySystemNotServerAddress() {
    var result = link(client("a").service("orders")
        .attr(TraceSpan.DB_SYSTEM, "redis").attr(TraceSpan.SERVER_ADDRESS, "cache-7.internal"));

    assertThat(result.edges()).extracting(Edge::server, Edge::connectionType)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("redis", Edge.DATABASE));
  }

  @Test void databaseClientWithPeerServiceIsNamedByPeerService() {
    var result = link(client("a").service("orders")
        .attr(TraceSpan.DB_SYSTEM, "postgresql").attr(TraceSpan.DB_NAME, "orders_db").attr(TraceSpan.PEER_SERVICE, "orders-pg"));

    assertThat(result.edges()).extracting(Edge::server, Edge::connectionType)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("orders-pg", Edge.DATABASE));
  }

  @Test void clientWithoutServerOrPeerAttributeIsCounted() {
    var result = link(client("a").service("web").attr(TraceSpan.MESSAGING_SYSTEM, "kafka"));

    assertThat(result.edges()).isEmpty();
    assertThat(result.unpaired()).containsExactly(Map.entry(UnpairedReason.CLIENT_WITHOUT_SERVER, 1));
  }

  // --- broken input

  @Test void spanWithADuplicateSpanIdIsCountedAndIgnored() {
    var result = link(
        client("a").service("web"),
        server("b").parent("a").service("app"),
        server("b").parent("a").service("impostor"));

    assertThat(result.edges()).containsExactly(call("web", "app"));
    assertThat(result.unpaired()).containsExactly(Map.entry(UnpairedReason.DUPLICATE_SPAN_ID, 1));
  }

  @Test void parentIdsThatLoopAreCounted() {
    var result = link(
        internal("x").parent("y").service("app"),
        internal("y").parent("x").service("app"),
        server("s").parent("x").service("app"));

    assertThat(result.edges()).isEmpty();
    assertThat(result.unpaired()).containsExactly(Map.entry(UnpairedReason.PARENT_CYCLE, 1));
  }

  @Test void serverSpanThatIsItsOwnParentIsACycle() {
    var result = link(server("s").parent("s").service("app"));

    assertThat(result.unpaired()).containsExactly(Map.entry(UnpairedReason.PARENT_CYCLE, 1));
  }

  @Test void emptyTraceHasNoEdges() {
    var result = DependencyLinker.link(List.of());

    assertThat(result.edges()).isEmpty();
    assertThat(result.unpaired()).isEmpty();
  }

  @Test void unpairedReasonTagIsLowercase() {
    assertThat(UnpairedReason.CLIENT_WITHOUT_SERVER.tag()).isEqualTo("client_without_server");
  }
}
