package io.tracestream.topology.traces;

import static io.tracestream.topology.traces.Spans.client;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Virtual nodes named by the current and the older semantic conventions' attributes (topology.peer.attributes). */
class DependencyLinkerPeerAttributesTest {

  static DependencyLinker.Result link(PeerAttributes attributes, Spans span) {
    return new DependencyLinker(attributes).linkTrace(List.of(span.build()));
  }

  @ParameterizedTest
  @CsvSource({
      "net.peer.name, payments.internal, payments.internal",
      "peer.hostname, payments.internal, payments.internal",
      "url.full, https://payments.internal/v1/charge, payments.internal",
      "http.url, http://payments.internal:8080/v1/charge?id=7, payments.internal",
      "messaging.destination, orders, orders",
      "messaging.destination.name, orders, orders"})
  void clientNamedByAnOlderOrCurrentAttributeIsAVirtualNodeNotClientWithoutServer(String key, String value,
      String node) {
    var result = link(PeerAttributes.DEFAULT, client("a").service("web").attr(key, value));

    assertThat(result.edges()).containsExactly(
        new Edge("web", node, Edge.VIRTUAL_NODE, false, 1_000, Edge.MISSING_LATENCY));
    assertThat(result.unpaired()).isEmpty();
  }

  @ParameterizedTest
  @CsvSource({
      "https://user:secret@api.example.com:8443/x?y=1, api.example.com",
      "http://[::1]:8080/health, [::1]",
      "http://10.0.0.7, 10.0.0.7"})
  void urlNamesItsHostWithoutUserOrPort(String url, String host) {
    assertThat(PeerAttributes.host(url)).isEqualTo(host);
  }

  @Test void relativeUrlNamesNoPeer() {
    var result = link(PeerAttributes.DEFAULT, client("a").service("web").attr(TraceSpan.HTTP_URL, "/v1/charge"));

    assertThat(result.unpaired()).containsExactly(Map.entry(UnpairedReason.CLIENT_WITHOUT_SERVER, 1));
  }

  @Test void defaultPrecedenceIsNamesBeforeAddressesAndCurrentBeforeOlder() {
    assertThat(PeerAttributes.DEFAULT.order()).containsExactly("peer.service", "db.name", "db.namespace",
        "db.system", "messaging.destination.name", "messaging.destination", "server.address", "net.peer.name",
        "peer.hostname", "url.full", "http.url");
  }

  @Test void destinationNamesAMessagingClientBeforeTheBrokerAddress() {
    var result = link(PeerAttributes.DEFAULT, client("a").service("web")
        .attr(TraceSpan.SERVER_ADDRESS, "sqs.eu-west-1.amazonaws.com")
        .attr(TraceSpan.MESSAGING_DESTINATION, "orders"));

    assertThat(result.edges()).extracting(Edge::server).containsExactly("orders");
  }

  @Test void serverAddressComesBeforeTheOlderNetPeerNameAndTheUrl() {
    var result = link(PeerAttributes.DEFAULT, client("a").service("web")
        .attr(TraceSpan.HTTP_URL, "http://from-url/x")
        .attr(TraceSpan.NET_PEER_NAME, "from-net-peer-name")
        .attr(TraceSpan.SERVER_ADDRESS, "from-server-address"));

    assertThat(result.edges()).extracting(Edge::server).containsExactly("from-server-address");
  }

  @Test void olderNetPeerNameComesBeforeTheUrl() {
    var result = link(PeerAttributes.DEFAULT, client("a").service("web")
        .attr(TraceSpan.URL_FULL, "http://from-url/x")
        .attr(TraceSpan.NET_PEER_NAME, "from-net-peer-name"));

    assertThat(result.edges()).extracting(Edge::server).containsExactly("from-net-peer-name");
  }

  @Test void configuredOrderWinsAndUnlistedAttributesNameNothing() {
    PeerAttributes attributes = PeerAttributes.parse(" net.peer.name, server.address ");

    assertThat(link(attributes, client("a").service("web").attr(TraceSpan.SERVER_ADDRESS, "10.0.0.7")
        .attr(TraceSpan.NET_PEER_NAME, "payments")).edges()).extracting(Edge::server).containsExactly("payments");
    assertThat(link(attributes, client("a").service("web").attr(TraceSpan.PEER_SERVICE, "payments")).unpaired())
        .containsExactly(Map.entry(UnpairedReason.CLIENT_WITHOUT_SERVER, 1));
  }

  @Test void databaseClientNamedByAnAddressIsStillADatabaseEdge() {
    var result = link(PeerAttributes.parse("server.address"), client("a").service("orders")
        .attr(TraceSpan.DB_SYSTEM, "postgresql").attr(TraceSpan.SERVER_ADDRESS, "pg-1.internal"));

    assertThat(result.edges()).extracting(Edge::server, Edge::connectionType)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("pg-1.internal", Edge.DATABASE));
  }

  @ParameterizedTest
  @ValueSource(strings = {",", " , ", "custom.peer", "net.peer.port", "server.address,server.address",
      "server.address,,net.peer.name"})
  void aListThatNamesNoAttributeAnUnkeptOneOrOneTwiceIsRejected(String value) {
    assertThatThrownBy(() -> PeerAttributes.parse(value)).isInstanceOf(IllegalArgumentException.class);
  }
}
