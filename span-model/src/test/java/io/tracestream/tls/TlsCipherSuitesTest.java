package io.tracestream.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tracestream.admin.AdminServer;
import io.tracestream.config.Settings;
import io.tracestream.testkit.TestCertificates;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The https ports offer only forward-secret AEAD suites: the JDK 17 default list also has TLS_RSA and CBC
 * suites (issue 17). The server has an RSA key, as only then can a client ask for RSA key exchange.
 */
class TlsCipherSuitesTest {
  private static TestCertificates certs;
  private static AdminServer server;

  @BeforeAll
  static void start() throws Exception {
    certs = TestCertificates.shared();
    Settings settings = Settings.of(Map.of(
        "part.admin.tls.cert", certs.rsaServerCertPem().toString(),
        "part.admin.tls.key", certs.rsaServerKeyPem().toString()));
    server = new AdminServer("127.0.0.1", 0, TlsConfig.from(settings, "part.admin"), () -> "", () -> true, "");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void aClientOfferingOnlyStaticRsaKeyExchangeWithCbcIsRefused() throws Exception {
    assertThatThrownBy(() -> handshake("TLSv1.2", "TLS_RSA_WITH_AES_128_CBC_SHA")).isInstanceOf(SSLException.class);
  }

  @Test
  void aClientOfferingOnlyCbcWithForwardSecrecyIsRefused() throws Exception {
    assertThatThrownBy(() -> handshake("TLSv1.2", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"))
        .isInstanceOf(SSLException.class);
  }

  @Test
  void modernClientsAgreeOnAnAeadSuiteOverTls12AndTls13() throws Exception {
    assertThat(handshake("TLSv1.2", null)).isEqualTo("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
    assertThat(handshake("TLSv1.3", null)).isIn(TlsConfig.CIPHER_SUITES);
  }

  /** The suite agreed on when the client offers {@code suite} (all of its defaults when null). */
  private static String handshake(String protocol, String suite) throws Exception {
    TlsConfig trust = TlsConfig.from(Settings.of(Map.of(
        "c.tls.cert", certs.clientCertPem().toString(), "c.tls.key", certs.clientKeyPem().toString())), "c").get();
    SSLContext context = trust.clientContext(Pem.certificates("ca", certs.caPem()));
    try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", server.port())) {
      socket.setSoTimeout(10_000);
      socket.setEnabledProtocols(new String[] {protocol});
      if (suite != null) {
        socket.setEnabledCipherSuites(new String[] {suite});
      }
      socket.startHandshake();
      return socket.getSession().getCipherSuite();
    }
  }

  @Test
  void everyListedSuiteIsModern() {
    assertThat(TlsConfig.CIPHER_SUITES).allSatisfy(s -> {
      assertThat(s).doesNotStartWith("TLS_RSA_").doesNotContain("CBC").doesNotContain("_SHA,");
      assertThat(s).matches("TLS_(AES|CHACHA20|ECDHE_).*");
    });
    assertThat(List.of(TlsConfig.PROTOCOLS)).containsExactly("TLSv1.3", "TLSv1.2");
  }
}
