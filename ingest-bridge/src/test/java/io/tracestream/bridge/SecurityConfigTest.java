package io.tracestream.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tracestream.config.ConfigException;
import io.tracestream.config.Settings;
import io.tracestream.http.BearerAuth;
import io.tracestream.http.HttpLimits;
import io.tracestream.testkit.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS, token and CORS settings fail at start, naming the key, and never show a token. */
class SecurityConfigTest {
  @TempDir
  static Path dir;
  static TestCertificates certs;

  @BeforeAll
  static void certificates() throws Exception {
    certs = TestCertificates.shared();
  }

  @Test
  void matchingCertAndKeyTurnTlsOn() {
    BridgeConfig config = config("bridge.tls.cert", certs.serverCertPem(), "bridge.tls.key", certs.serverKeyPem(),
        "bridge.tls.client.ca", certs.caPem());
    assertThat(config.tls()).hasValueSatisfying(tls -> assertThat(tls.mutual()).isTrue());
    assertThat(config.adminTls()).isEmpty();
  }

  @Test
  void aKeyOfAnotherCertificateIsRefusedNamingTheKey() {
    assertThatThrownBy(() -> config("bridge.tls.cert", certs.serverCertPem(), "bridge.tls.key", certs.clientKeyPem()))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("bridge.tls.key"))
        .hasMessageContaining("does not belong");
  }

  @Test
  void unreadableOrWrongFilesAreRefusedNamingTheKey() {
    assertThatThrownBy(() -> config("bridge.admin.tls.cert", dir.resolve("missing.pem"), "bridge.admin.tls.key", certs.serverKeyPem()))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("bridge.admin.tls.cert"));
    assertThatThrownBy(() -> config("bridge.tls.cert", certs.serverKeyPem(), "bridge.tls.key", certs.serverKeyPem()))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("bridge.tls.cert"));
    assertThatThrownBy(() -> config("bridge.tls.cert", certs.serverCertPem(), "bridge.tls.key", certs.serverCertPem()))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("bridge.tls.key"));
    assertThatThrownBy(() -> config("bridge.tls.cert", certs.serverCertPem(), "bridge.tls.key", certs.serverKeyPem(),
        "bridge.tls.client.ca", dir.resolve("nope.pem")))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("bridge.tls.client.ca"));
  }

  @Test
  void halfATlsConfigurationIsRefused() {
    assertThatThrownBy(() -> config("bridge.tls.cert", certs.serverCertPem()))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("bridge.tls.key"));
    assertThatThrownBy(() -> config("bridge.tls.client.ca", certs.caPem()))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("bridge.tls.client.ca"));
  }

  @Test
  void aShortTokenIsRefusedWithoutShowingIt() {
    assertThatThrownBy(() -> config("bridge.auth.bearer.token", "short-secret"))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("bridge.auth.bearer.token"))
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("short-secret"));
  }

  @Test
  void tokensFromTheFileAndTheKeyAreAllAccepted() throws Exception {
    Path file = Files.writeString(dir.resolve("tokens"), "# ops\ntoken-one-0123456789\n\n  token-two-0123456789  \n");
    BearerAuth auth = config("bridge.auth.bearer.tokens.file", file, "bridge.auth.bearer.token", "token-three-0123456789")
        .auth().orElseThrow();
    assertThat(auth.allows("Bearer token-one-0123456789")).isTrue();
    assertThat(auth.allows("bearer token-two-0123456789")).isTrue();
    assertThat(auth.allows("Bearer token-three-0123456789")).isTrue();
    assertThat(auth.allows("Bearer token-one-012345678")).as("a prefix").isFalse();
    assertThat(auth.allows("Bearer token-one-01234567890")).as("longer").isFalse();
    assertThat(auth.allows("token-one-0123456789")).as("no scheme").isFalse();
    assertThat(auth.allows("Bearer # ops")).isFalse();
    assertThat(auth.allows(null)).isFalse();
    assertThat(auth.toString()).doesNotContain("token-one");
    assertThatThrownBy(() -> config("bridge.auth.bearer.tokens.file", Files.writeString(dir.resolve("empty"), "# none\n")))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("bridge.auth.bearer.tokens.file"));
  }

  @Test
  void corsOriginsMustBeOrigins() {
    assertThat(config("bridge.cors.allowed.origins", "https://a.example.com, http://localhost:3000").corsOrigins())
        .containsExactly("https://a.example.com", "http://localhost:3000");
    assertThat(config().corsOrigins()).isEmpty();
    assertThatThrownBy(() -> config("bridge.cors.allowed.origins", "https://a.example.com/path"))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("bridge.cors.allowed.origins"));
  }

  @Test
  void everythingBindsToLoopbackAndPlaintextUnlessConfigured() {
    BridgeConfig config = config();
    assertThat(config.bind()).isEqualTo("127.0.0.1");
    assertThat(config.tls()).isEmpty();
    assertThat(config.auth()).isEmpty();
    assertThat(config.grpcLimits().maxConcurrentCalls()).isEqualTo(100);
    assertThat(config.grpcLimits().maxRstFrames()).isEqualTo(200);
    assertThat(config.adminBind()).isEqualTo("127.0.0.1");
    assertThat(config.adminAuth()).isEmpty();
    assertThat(config.httpLimits()).isEqualTo(HttpLimits.DEFAULTS);
  }

  @Test
  void theAdminPortBindsApartFromOtlpWhenAsked() {
    assertThat(config("bridge.bind", "0.0.0.0").adminBind()).isEqualTo("0.0.0.0");
    BridgeConfig apart = config("bridge.bind", "0.0.0.0", "bridge.admin.bind", "127.0.0.1");
    assertThat(apart.bind()).isEqualTo("0.0.0.0");
    assertThat(apart.adminBind()).isEqualTo("127.0.0.1");
  }

  @Test
  void theAdminPortHasItsOwnTokens() {
    BridgeConfig config = config("bridge.admin.auth.bearer.token", "admin-token-0123456789");
    assertThat(config.auth()).isEmpty();
    assertThat(config.adminAuth())
        .hasValueSatisfying(a -> assertThat(a.allows("Bearer admin-token-0123456789")).isTrue());
  }

  @Test
  void badTimeoutsAreRefusedNamingTheKey() {
    assertThatThrownBy(() -> config("bridge.http.header.timeout", "0s"))
        .isInstanceOfSatisfying(ConfigException.class,
            e -> assertThat(e.key()).isEqualTo("bridge.http.header.timeout"));
    assertThatThrownBy(() -> config("bridge.admin.read.timeout", "soon"))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("bridge.admin.read.timeout"));
    assertThatThrownBy(() -> config("bridge.http.max.connections", "0"))
        .isInstanceOfSatisfying(ConfigException.class,
            e -> assertThat(e.key()).isEqualTo("bridge.http.max.connections"));
    assertThat(config("bridge.http.write.timeout", "500ms").httpLimits().writeTimeout()).hasMillis(500);
  }

  private static BridgeConfig config(Object... keyValues) {
    Map<String, String> values = new HashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      values.put((String) keyValues[i], keyValues[i + 1].toString());
    }
    return BridgeConfig.from(Settings.of(values));
  }
}
