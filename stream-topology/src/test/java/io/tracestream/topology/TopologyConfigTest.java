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

  @Test
  void dimensionsAreNamesWithOptionalDefaultsAndNoneByDefault() {
    TopologyConfig config = TopologyConfig.from(Settings.of(Map.of(
        "topology.dimensions", "http.response.status_code, deployment.environment.name:prod",
        "topology.trace.dimensions", "symbol")));

    assertThat(config.dimensions().list()).containsExactly(
        new Dimensions.Dimension("http.response.status_code", null),
        new Dimensions.Dimension("deployment.environment.name", "prod"));
    assertThat(config.traceDimensions().names()).containsExactly("symbol");
    assertThat(config.maxDimensionValues()).isEqualTo(100);
    TopologyConfig defaults = TopologyConfig.from(Settings.of(Map.of()));
    assertThat(defaults.dimensions().isEmpty()).isTrue();
    assertThat(defaults.traceDimensions().isEmpty()).isTrue();
  }

  @Test
  void aDimensionListedTwiceOrAsTheSameLabelFailsNamingTheKey() {
    assertThatThrownBy(() -> TopologyConfig.from(Settings.of(Map.of("topology.dimensions", "a.b,a_b"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("topology.dimensions: dimension a_b is listed twice, or is the same label (a_b)");
  }

  @Test
  void aDimensionTakingAFixedLabelFailsNamingTheKey() {
    assertThatThrownBy(() -> TopologyConfig.from(Settings.of(Map.of("topology.trace.dimensions", "service.name"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("topology.trace.dimensions: dimension service.name would be the label service_name");
  }

  @Test
  void anEmptyNameOrDefaultFailsNamingTheKey() {
    assertThatThrownBy(() -> TopologyConfig.from(Settings.of(Map.of("topology.dimensions", ":prod"))))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("topology.dimensions: a dimension has no");
    assertThatThrownBy(() -> TopologyConfig.from(Settings.of(Map.of("topology.dimensions", "env:"))))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("topology.dimensions: dimension env has an empty");
  }

  @Test
  void aPeerAttributeCannotBeATraceDimension() {
    assertThatThrownBy(() -> TopologyConfig.from(Settings.of(Map.of("topology.trace.dimensions", "peer.service"))))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("topology.trace.dimensions: peer.service is");
  }

  @Test
  void theValueLimitMustBePositive() {
    assertThatThrownBy(() -> TopologyConfig.from(Settings.of(Map.of("topology.dimensions.max.values", "0"))))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("topology.dimensions.max.values");
  }

  @Test
  void labelsAreAttributeNamesAsPrometheusAllowsThem() {
    assertThat(Dimensions.labelName("http.response.status_code")).isEqualTo("http_response_status_code");
    assertThat(Dimensions.labelName("k8s-pod/name")).isEqualTo("k8s_pod_name");
    assertThat(Dimensions.labelName("3scale.id")).isEqualTo("key_3scale_id");
  }
}
