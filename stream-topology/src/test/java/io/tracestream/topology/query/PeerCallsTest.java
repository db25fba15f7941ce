package io.tracestream.topology.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.tracestream.admin.AdminServer;
import io.tracestream.http.BearerAuth;
import io.tracestream.http.HttpLimits;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.Test;

/** Query forwarding ran on the admin port's own threads, as many calls as queries came (issue 17). */
class PeerCallsTest {
  private static final String TOKEN = "peer-token-0123456789";

  @Test
  void callsPastThePoolAndItsQueueAreRefusedAtOnceWhileAStalledPeerHoldsThePool() throws Exception {
    try (ServerSocket stalled = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        PeerCalls peers = new PeerCalls(2, Optional.empty(), Optional.empty(), Duration.ofSeconds(30))) {
      HostInfo peer = new HostInfo("127.0.0.1", stalled.getLocalPort());
      // Given two calls in flight to a peer that accepts and never answers, and two waiting
      List<CompletableFuture<JsonNode>> calls = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        calls.add(peers.call(peer, "/api/services?partitions=0", false));
      }

      // When a fifth query wants a call, it is refused without waiting, naming the bound
      long started = System.nanoTime();
      assertThatThrownBy(() -> peers.call(peer, "/api/services?partitions=1", false))
          .isInstanceOf(QueryApi.Unavailable.class).hasMessageContaining("2 at once, 2 waiting");
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
      assertThat(calls).noneMatch(CompletableFuture::isDone);
    }
  }

  @Test
  void theInstancesTokenIsPresentedToAPeerThatAsksForOne() throws Exception {
    try (AdminServer peer = new AdminServer("127.0.0.1", 0, Optional.empty(), HttpLimits.DEFAULTS,
        Optional.of(BearerAuth.of(TOKEN)), () -> "", () -> true, "")) {
      peer.json("/api/services", () -> "{\"data\":[\"frontend\"]}");
      HostInfo host = new HostInfo("127.0.0.1", peer.port());
      try (PeerCalls withToken = new PeerCalls(1, Optional.empty(), Optional.of(TOKEN), Duration.ofSeconds(10));
          PeerCalls without = new PeerCalls(1, Optional.empty(), Optional.empty(), Duration.ofSeconds(10))) {
        assertThat(withToken.await(host, withToken.call(host, "/api/services", false)).get(0).asText())
            .isEqualTo("frontend");
        assertThatThrownBy(() -> without.await(host, without.call(host, "/api/services", false)))
            .isInstanceOf(QueryApi.Unavailable.class).hasMessageContaining("401");
      }
    }
  }
}
