package io.tracestream.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tracestream.config.ConfigException;
import io.tracestream.config.Settings;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** The Jaeger Thrift ports are off until their keys are set; a bad value fails at start naming the key. */
class JaegerConfigTest {
  @Test
  void theJaegerPortsAreOffByDefault() {
    BridgeConfig config = BridgeConfig.from(Settings.of(Map.of()));

    assertThat(config.jaegerHttpPort()).isEmpty();
    assertThat(config.jaegerUdpPort()).isEmpty();
    assertThat(config.jaegerUdpReceiveBuffer()).isEqualTo(4 << 20);
  }

  @Test
  void aSetPortTurnsItsReceiverOn() {
    BridgeConfig config = BridgeConfig.from(Settings.of(Map.of("bridge.jaeger.http.port", "14268",
        "bridge.jaeger.udp.port", "6831", "bridge.jaeger.udp.receive.buffer", "1MiB")));

    assertThat(config.jaegerHttpPort()).isEqualTo(OptionalInt.of(14268));
    assertThat(config.jaegerUdpPort()).isEqualTo(OptionalInt.of(6831));
    assertThat(config.jaegerUdpReceiveBuffer()).isEqualTo(1 << 20);
  }

  @Test
  void aBadPortOrBufferFailsNamingTheKey() {
    for (Map.Entry<String, String> bad : Map.of("bridge.jaeger.udp.port", "agent", "bridge.jaeger.http.port",
        "70000", "bridge.jaeger.udp.receive.buffer", "1KiB").entrySet()) {
      assertThatThrownBy(() -> BridgeConfig.from(Settings.of(Map.of(bad.getKey(), bad.getValue())))).as(bad.toString())
          .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo(bad.getKey()));
    }
  }
}
