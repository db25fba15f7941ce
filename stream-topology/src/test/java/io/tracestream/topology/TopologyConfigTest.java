package io.tracestream.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tracestream.config.ConfigException;
import io.tracestream.config.Settings;
import io.tracestream.topology.traces.PeerAttributes;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TopologyConfigTest {
  @Test
  void cardinalityLimitsDefaultToAThousandServicesForgottenAfterAnHour() {
    TopologyConfig config = TopologyConfig.from(Settings.of(Map.of()));

    assertThat(config.maxServices()).isEqualTo(1000);
    assertThat(config.expireAfter()).isEqualTo(Duration.ofHours(1));
  }

  @Test
  void theExpiryFollowsALongerStaleAfterUnlessSet() {
    assertThat(TopologyConfig.from(Settings.of(Map.of("topology.metrics.stale.after", "2h"))).expireAfter())
        .isEqualTo(Duration.ofHours(2));
  }

  @Test
  void anExpiryShorterThanStaleAfterFailsNamingTheKey() {
    assertThatThrownBy(() -> TopologyConfig.from(Settings.of(Map.of("topology.metrics.expire.after", "1m"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("topology.metrics.expire.after: must be at least topology.metrics.stale.after");
  }

  @Test
  void maxServicesMustBePositive() {
    assertThatThrownBy(() -> TopologyConfig.from(Settings.of(Map.of("topology.max.services", "0"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("topology.max.services");
  }

  @Test
  void aTraceIdleAtOrPastTheMaximumAgeFailsNamingTheKey() {
    assertThatThrownBy(() -> TopologyConfig.from(Settings.of(Map.of("topology.trace.idle", "5m"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("topology.trace.idle: must be shorter than topology.trace.max.age");
  }

  @Test
  void aRejoinLongerThanTheMaximumAgeFailsNamingTheKey() {
    assertThatThrownBy(() -> TopologyConfig.from(Settings.of(Map.of("topology.trace.rejoin", "6m"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("topology.trace.rejoin: must be at most topology.trace.max.age");
  }

  @Test
  void rejoinDefaultsToFifteenSecondsAndZeroTurnsItOff() {
    assertThat(TopologyConfig.from(Settings.of(Map.of())).traceRejoin()).isEqualTo(Duration.ofSeconds(15));
    assertThat(TopologyConfig.from(Settings.of(Map.of("topology.trace.rejoin", "0s"))).traceRejoin())
        .isZero();
  }

  @Test
  void peerAttributesDefaultToTheDocumentedPrecedence() {
    assertThat(TopologyConfig.from(Settings.of(Map.of())).peerAttributes()).isEqualTo(PeerAttributes.DEFAULT);
  }

  @Test
  void peerAttributesAreReadInTheirOrder() {
    TopologyConfig config = TopologyConfig.from(Settings.of(Map.of("topology.peer.attributes",
        "net.peer.name,peer.service")));

    assertThat(config.peerAttributes().order()).containsExactly("net.peer.name", "peer.service");
  }

  @Test
  void anUnknownPeerAttributeFailsNamingTheKeyAndTheAttribute() {
    assertThatThrownBy(() -> TopologyConfig.from(Settings.of(Map.of("topology.peer.attributes",
        "peer.service,custom.peer")))).isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("topology.peer.attributes")
        .hasMessageContaining("'custom.peer'");
  }
}
