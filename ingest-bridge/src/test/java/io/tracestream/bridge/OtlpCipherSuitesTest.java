package io.tracestream.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tracestream.config.Settings;
import io.tracestream.http.HttpLimits;
import io.tracestream.span.TraceKeyedProducer;
import io.tracestream.span.TraceSplitter;
import io.tracestream.testkit.TestCertificates;
import io.tracestream.tls.Pem;
import io.tracestream.tls.TlsConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Both OTLP ports over TLS offer only {@link TlsConfig#CIPHER_SUITES} (issue 17: the https ports accepted
 * the JDK's TLS_RSA and CBC suites). The server key is RSA, as only then can RSA key exchange be asked for.
 */
class OtlpCipherSuitesTest {
  private static TlsConfig tls;
  private static SSLContext client;
  private static GrpcReceiver grpc;
  private static HttpReceiver http;

  @BeforeAll
  static void start() throws Exception {
    TestCertificates certs = TestCertificates.shared();
    tls = TlsConfig.from(Settings.of(Map.of("bridge.tls.cert", certs.rsaServerCertPem().toString(),
        "bridge.tls.key", certs.rsaServerKeyPem().toString())), "bridge").orElseThrow();
    client = tls.clientContext(Pem.certificates("ca", certs.caPem()));
    InMemoryBridgeMetrics metrics = new InMemoryBridgeMetrics();
    SpanIngest ingest = new SpanIngest(new TraceSplitter(1 << 20), new TraceKeyedProducer(
        new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer()), "spans"),
        () -> true, new MemoryBudget(1 << 20), Duration.ofSeconds(5), Forwarder.NONE, metrics);
    grpc = new GrpcReceiver("127.0.0.1", 0, 1 << 20, Duration.ofSeconds(1), Optional.of(tls), Optional.empty(),
        new GrpcLimits(16, 16, 65_535, Duration.ofSeconds(10), Duration.ofSeconds(30), 100, 200, Duration.ofSeconds(10),
            Duration.ofMinutes(5), Duration.ofMinutes(30), Duration.ofSeconds(30)), ingest, metrics);
    http = new HttpReceiver("127.0.0.1", 0, 4, HttpLimits.DEFAULTS, 1 << 20, Duration.ofSeconds(1), Optional.of(tls),
        Optional.empty(), List.of(), ingest, metrics);
  }

  @AfterAll
  static void stop() {
    grpc.close();
    http.close();
  }

  @Test
  void aClientOfferingOnlyTlsRsaWithAes128CbcShaIsRefusedOnBothPorts() {
    for (int port : new int[] {grpc.port(), http.port()}) {
      assertThatThrownBy(() -> handshake(port, "TLS_RSA_WITH_AES_128_CBC_SHA")).as("port " + port)
          .isInstanceOf(SSLException.class);
    }
  }

  @Test
  void aClientOfferingOnlyCbcSuitesIsRefusedOnBothPorts() {
    for (int port : new int[] {grpc.port(), http.port()}) {
      assertThatThrownBy(() -> handshake(port, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256")).as("port " + port)
          .isInstanceOf(SSLException.class);
    }
  }

  @Test
  void anAeadSuiteIsAgreedOnBothPorts() throws Exception {
    for (int port : new int[] {grpc.port(), http.port()}) {
      assertThat(handshake(port, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384")).as("port " + port)
          .isEqualTo("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");
    }
  }

  private static String handshake(int port, String suite) throws Exception {
    try (SSLSocket socket = (SSLSocket) client.getSocketFactory().createSocket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      SSLParameters parameters = socket.getSSLParameters();
      parameters.setProtocols(new String[] {"TLSv1.2"});
      parameters.setCipherSuites(new String[] {suite});
      parameters.setApplicationProtocols(new String[] {"h2", "http/1.1"});
      socket.setSSLParameters(parameters);
      socket.startHandshake();
      return socket.getSession().getCipherSuite();
    }
  }
}
